"""Help lines for the classic autograd mistakes.

PyTorch's message stays as it is; these add one `help:` line that names the tensor, says why, and points at the
line where it happened (the assignment that made a tensor without a graph, the in-place change a backward pass
tripped over). A tensor without a graph is traced through the script's text the way a person would read it: the
last assignment to a name before the failing line, the `with torch.no_grad():` block around it; when the text says
nothing certain, no hint. An in-place change is named from what the engine recorded when it happened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from autodiff.errors import AutodiffError

NO_GRAD_FN = "does not require grad and does not have a grad_fn"
NONE_ZERO = "'NoneType' object has no attribute 'zero_'"
INPLACE = "has been modified by an inplace operation"

_NAME = r"[A-Za-z_]\w*"
_CREATORS = re.compile(r"\b(?:tensor|ones|zeros|rand|randn|randint|full|arange|linspace|eye|empty|from_numpy|"
                       r"ones_like|zeros_like|rand_like|randn_like|full_like|empty_like|as_tensor|Tensor)\(")


@dataclass
class Assignment:
    line: int  # 1-based
    text: str  # the statement, stripped
    value: str  # the right-hand side
    no_grad: int | None  # the line of the `with torch.no_grad():` around it


def learner_hint(err: AutodiffError, source: str | None) -> str | None:
    """A help line for a classic mistake behind `err` (None when it is not one, or the text cannot tell)."""
    if INPLACE in err.message:
        return _inplace_hint(err)
    if source is None or err.span is None:
        return None
    lines = source.split("\n")
    if not 0 < err.span.line <= len(lines):
        return None
    failing = lines[err.span.line - 1]
    if NO_GRAD_FN in err.message:
        return _no_grad_fn_hint(lines, err.span.line, failing)
    if err.message == NONE_ZERO:
        match = re.search(rf"({_NAME}(?:\.{_NAME})*)\.grad\.zero_\(", failing)
        if match:
            name = match.group(1)
            return (f"{name}.grad is None until a backward pass reaches {name}: zero it after backward (or skip "
                    f"None: `if {name}.grad is not None: {name}.grad.zero_()`), or clear it with "
                    f"`{name}.grad = None`")
        return None
    return None


def _statement_names(text: str) -> list[str]:
    return re.findall(rf"(?<![.\w]){_NAME}", text)


def _last_assignment(lines: list[str], name: str, before: int) -> Assignment | None:
    pattern = re.compile(rf"^(\s*)(?:{_NAME}\s*,\s*)*{re.escape(name)}(?:\s*,\s*{_NAME})*\s*=(?!=)(.*)$")
    for number in range(before - 1, 0, -1):
        match = pattern.match(lines[number - 1])
        if match:
            return Assignment(number, lines[number - 1].strip(), match.group(2).strip(),
                              _no_grad_block(lines, number, len(match.group(1))))
    return None


def _no_grad_block(lines: list[str], number: int, indent: int) -> int | None:
    """The line of a `with torch.no_grad():` (or inference_mode) whose block holds line `number`."""
    for above in range(number - 1, 0, -1):
        text = lines[above - 1]
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        depth = len(text) - len(text.lstrip())
        if depth < indent:
            if re.match(r"\s*with\b.*\b(no_grad|inference_mode|set_grad_enabled\(\s*False)", text):
                return above
            indent = depth
            if depth == 0:
                return None
    return None


def _why(lines: list[str], name: str, before: int, seen: set[str]) -> tuple[str, Assignment] | None:
    """Why `name` holds a tensor without a graph: the reason and the assignment where it happened."""
    if name in seen or len(seen) > 20:
        return None
    seen.add(name)
    found = _last_assignment(lines, name, before)
    if found is None:
        return None
    value = found.value
    if found.no_grad is not None:
        return f"was computed under `{lines[found.no_grad - 1].strip().rstrip(':')}` (line {found.no_grad})", found
    if re.search(r"\.detach\(\)", value):
        return "was detached from the graph by .detach()", found
    if re.search(r"\.data\b", value):
        return "is the result of .data (which is outside the graph)", found
    if re.search(r"\brequires_grad\s*=\s*True", value):
        return None
    if _CREATORS.search(value) and not any(_why_inputs(lines, value, found.line, seen)):
        return "was created without requires_grad=True", found
    for reason in _why_inputs(lines, value, found.line, seen):
        return reason
    return None


def _why_inputs(lines: list[str], value: str, before: int, seen: set[str]) -> list[tuple[str, Assignment]]:
    reasons = []
    for name in _statement_names(value):
        found = _why(lines, name, before, seen)
        if found is not None:
            reasons.append((f"was computed from {name}, which {found[0]}", found[1]))
    return reasons


def _no_grad_fn_hint(lines: list[str], line: int, failing: str) -> str | None:
    match = (re.search(rf"({_NAME})\s*\.\s*backward\(", failing) or
             re.search(rf"\bbackward\(\s*({_NAME})\b", failing) or
             re.search(rf"({_NAME})(?:\.{_NAME}\(\))+\.backward\(", failing))
    if match is None:
        return None
    name = match.group(1)
    found = _why(lines, name, line, set())
    if found is None:
        return (f"{name} has no grad_fn: no tensor it was computed from requires grad; create a leaf with "
                "requires_grad=True (or call .requires_grad_() on it) before computing from it")
    reason, where = found
    subject = reason.split(", which ")[-1]
    fix = {"was detached": "use the tensor itself, not .detach(), where gradients should flow",
           "is the result of .data": "use the tensor itself, not .data, where gradients should flow",
           "was computed under": "compute it outside the no_grad block",
           "was created without": "create it with requires_grad=True (or call .requires_grad_() on it)"}
    advice = next((text for start, text in fix.items() if subject.startswith(start)), "")
    return f"{name} does not require grad: it {reason} (line {where.line}: {where.text})" + (
        f"; {advice}" if advice else "")


def _inplace_hint(err: AutodiffError) -> str | None:
    """Where the tensor backward() needed was changed in place: the engine records the script line of every
    in-place change with the tensor's version counter, so this names the line even when the change went through a
    view or an alias, or ran inside a function or a loop."""
    changes = err.inplace_changes
    if not changes:
        return None
    _, line, text = changes[0]
    later = list(dict.fromkeys(f"line {where[1]}" for where in changes[1:] if where[1] != line))
    again = f" (and later {', '.join(later[:3])})" if later else ""
    backward = f"this backward pass (line {err.span.line})" if err.span is not None else "backward()"
    fix = ("call backward() for every loss before step(), or compute the loss again after it" if ".step(" in text
           else "use the out-of-place form (y = y * 2), or .clone() the tensor before changing it")
    return f"line {line} ({text}){again} changed in place a tensor {backward} needs unchanged: {fix}"
