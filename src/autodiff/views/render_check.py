"""The report of `autodiff check`: one table row per leaf and backward statement, then what failed and why."""

from __future__ import annotations

from typing import IO, Any

from rich import box
from rich.table import Table

from autodiff.checker import CheckReport, ElementResult, LeafRow


def _number(value: float) -> str:
    return f"{value:.2e}"


def _value(value: float) -> str:
    return f"{value:.6g}"


def _element_name(row: LeafRow, result: ElementResult) -> str:
    if not row.shape:
        return row.leaf
    return f"{row.leaf}[{', '.join(str(i) for i in result.index)}]"


def _where(row: LeafRow) -> str:
    line = f"line {row.backward_line}" if row.backward_line is not None else "?"
    return line if len(row.calls) == 1 else f"{line} ×{len(row.calls)}"


_RESULTS = {"fail": "[bold red]FAIL[/]", "pass": "[green]pass[/]", "skipped": "[yellow]skipped[/]"}


def _result_cell(row: LeafRow) -> str:
    return _RESULTS[row.status] + ("*" if row.kinks and not row.failed else "")


def render_check(report: CheckReport, file: IO[str], *, color: bool = False, width: int | None = None) -> None:
    """Print the report `width` columns wide (None: the width for a pipe); colour only when asked (the caller
    looks at the terminal, NO_COLOR and --no-color), else no escape sequence at all, not even bold."""
    import io

    from autodiff.views.render import make_console

    drawn = io.StringIO()
    console = make_console(drawn, color=color, width=width)
    _draw_check(report, console)
    text = drawn.getvalue()
    if not color:  # without colour, lines lose the padding rich adds at their ends
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    file.write(text)
    file.flush()


def _draw_check(report: CheckReport, console: Any) -> None:
    passes = report.backward_passes
    if not report.rows:
        console.print(f"{report.filename}: no backward pass ran, so there was nothing to check.")
        return
    table = Table(box=box.SIMPLE_HEAD, title=f"{report.filename}: {passes} backward pass{'es' * (passes != 1)} "
                  "checked against central finite differences", title_justify="left")
    table.add_column("backward")
    table.add_column("leaf")
    table.add_column("shape")
    table.add_column("elements", justify="right")
    table.add_column("max abs error", justify="right")
    table.add_column("max rel error", justify="right")
    table.add_column("result")
    for row in report.rows:
        checked = str(row.checked) + (f" (+{row.skipped} skipped)" if row.skipped else "")
        errors = (_number(row.max_abs_error), _number(row.max_rel_error)) if row.checked > row.kinks else ("", "")
        table.add_row(_where(row), row.leaf, str(list(row.shape)), checked, *errors, _result_cell(row))
    console.print(table)
    notes = []
    for row in report.rows:
        worst = row.worst
        if row.failed and worst is not None:
            notes.append(f"[red]✗[/] {_element_name(row, worst)} at the backward pass on {_where(row).split(' ×')[0]} "
                         f"(pass {worst.pass_number}): autograd gives {_value(worst.analytical)}, finite "
                         f"differences {_value(worst.numerical)}")
        if row.kinks:
            notes.append(f"* {row.leaf}: {row.kinks} element check{'s' * (row.kinks != 1)} at a point where the "
                         "function is not smooth (relu or abs at 0, max with ties); there autograd's value lies "
                         "between the one-sided derivatives, which is all that can be asked")
        if row.skipped and not row.checked:
            notes.append(f"{row.leaf}: not checked ({row.skip_reason})")
    for note in notes:
        console.print(note)
    failed = [row for row in report.rows if row.failed]
    checked = [row for row in report.rows if row.checked]
    unchecked = len(report.rows) - len(checked)
    if report.probe_limit_reached:
        console.print("[yellow]The probe limit was reached: later leaves were not all checked.[/]")
    if report.time_limit_near:
        console.print("[yellow]The time limit was near: later values of the leaves were not checked.[/]")
    elements, values = report.budget
    if (elements is not None or values is not None) and any(row.skipped for row in report.rows):
        sample = f"at most {elements} elements of each leaf" if elements is not None else "every element"
        if values is not None:
            sample += f", at its first {values} values"
        console.print(f"Checked a sample: {sample} (--all checks every element at every backward pass).")
    if failed:
        verb = "disagrees" if len(failed) == 1 else "disagree"
        console.print(f"[bold red]{len(failed)} of {_count(len(checked), 'leaf gradient')} {verb} with finite "
                      "differences.[/] Usually a .detach(), .data or .item() inside the computation: autograd "
                      "does not see that part of what the result depends on.")
    elif not checked:
        console.print(f"[yellow]No leaf gradient could be checked[/] ({unchecked} skipped).")
    else:
        agreed = "The 1 leaf gradient agrees" if len(checked) == 1 else f"All {len(checked)} leaf gradients agree"
        console.print(f"[green]{agreed} with finite differences.[/]"
                      + (f" {unchecked} could not be checked." if unchecked else ""))


def _count(number: int, noun: str) -> str:
    """`1 leaf gradient`, `3 leaf gradients`."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
