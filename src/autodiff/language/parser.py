"""The grammar's parser: a cached Lark LALR parser, an indenter, and a builder of nodes.py dataclasses.

This is the reference reader of the language and the author of every syntax error: `grammar_parse` returns
a `nodes.Module` or raises `ParseError` (an AutodiffError of category SyntaxError, IndentationError or
TabError) whose span points at the offending token and whose message says, in plain words, what was found
and what was expected. Scripts normally reach it through syntax.parse, which first tries CPython's own
parser (pyreader.py) and comes here for anything that reader does not vouch for, errors included.
"""

from __future__ import annotations

import keyword
import re
import sys
import threading
import unicodedata
from typing import Any

from lark import Lark, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError
from lark.lark import PostLex
from lark.lexer import Token

from autodiff.errors import AutodiffError, Span
from autodiff.language import nodes
from autodiff.language.literals import StringBuilder
from autodiff.language.syntax import (  # noqa: F401 - re-exported: parse and ParseError are imported from here
    SYNTAX_CATEGORIES,
    ParseError,
    input_status,
    join_spans,
    parse,
    parse_expression,
    prepare,
    unsupported,
)

MAX_NESTING = 200  # brackets, like CPython's "too many nested parentheses"
MAX_INDENTATION = 100  # indentation levels, like CPython's tokenizer (MAXINDENT): 99 nested blocks parse


# ------------------------------------------------------------------------------------------------
# The Lark parser, built once per process and cached on disk across processes.
#
# Building the LALR tables takes about a second; Lark's own cache still spends ~100 ms deserializing
# them. So the built parser object itself is pickled (modules and Lark's Shift/Reduce singletons by
# reference) into the user's cache directory, keyed by the grammar, Lark and Python versions; loading
# it takes ~20 ms. Any problem loading it means rebuilding and rewriting it.

_CACHE_FORMAT = "1"
_lock = threading.RLock()
_parser: Any = None
_terminal_text: dict[str, str] = {}


def _cache_path(grammar: str) -> str | None:
    import hashlib
    import os
    import tempfile

    import lark

    key = hashlib.sha256("\0".join(
        (_CACHE_FORMAT, grammar, lark.__version__, "{}.{}".format(*sys.version_info[:2]))).encode("utf-8")
    ).hexdigest()[:20]
    candidates = []
    if os.environ.get("AUTODIFF_CACHE_DIR"):
        candidates.append(os.environ["AUTODIFF_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    candidates.append(os.path.join(base, "autodiff"))
    user = os.getuid() if hasattr(os, "getuid") else 0
    candidates.append(os.path.join(tempfile.gettempdir(), f"autodiff-cache-{user}"))
    for directory in candidates:
        try:
            os.makedirs(directory, mode=0o700, exist_ok=True)
            info = os.stat(directory)
        except OSError:
            continue
        owned = not hasattr(os, "getuid") or info.st_uid == os.getuid()
        if owned and os.access(directory, os.W_OK):
            return os.path.join(directory, f"parser-{key}.pickle")
    return None


def grammar_text() -> str:
    from importlib.resources import files

    return (files("autodiff.language") / "grammar" / "autodiff.lark").read_text(encoding="utf-8")


def _action_singletons() -> dict[int, tuple[Any, str]]:
    from lark.parsers import lalr_analysis

    return {id(lalr_analysis.Shift): (lalr_analysis, "Shift"), id(lalr_analysis.Reduce): (lalr_analysis, "Reduce")}


def _load_cached(path: str) -> Any:
    import os
    import pickle

    info = os.stat(path)
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return None  # never unpickle a file someone else wrote
    with open(path, "rb") as handle:
        parser = pickle.load(handle)
    if not isinstance(parser, Lark):
        return None
    parser.parse("x = (1,)\nif x:\n    y = f'{x}'\n", start="file_input")  # it works, or we rebuild
    return parser


def _save_cached(parser: Any, path: str) -> None:
    import importlib
    import io
    import os
    import pickle
    import types

    singletons = _action_singletons()

    class _Pickler(pickle.Pickler):
        def reducer_override(self, obj: Any) -> Any:
            if isinstance(obj, types.ModuleType):
                return importlib.import_module, (obj.__name__,)
            if id(obj) in singletons:
                return getattr, singletons[id(obj)]
            return NotImplemented

    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(parser)
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        with open(temporary, "wb") as handle:
            handle.write(buffer.getvalue())
        os.replace(temporary, path)
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass


def _get_parser() -> Any:
    global _parser
    if _parser is None:
        with _lock:
            if _parser is None:
                grammar = grammar_text()
                path = _cache_path(grammar)
                parser = None
                if path is not None:
                    try:
                        parser = _load_cached(path)
                    except Exception:  # missing, stale or damaged: rebuild below
                        parser = None
                if parser is None:
                    parser = Lark(grammar, parser="lalr", lexer="basic", postlex=_Indenter(),
                                  start=["file_input", "eval_input"], propagate_positions=True,
                                  maybe_placeholders=True)
                    parser.parse("x = 1\n", start="file_input")  # builds the lexer's scanner before saving
                    if path is not None:
                        try:
                            _save_cached(parser, path)
                        except Exception:  # a cache is an optimisation only
                            pass
                for terminal in parser.terminals:
                    if terminal.pattern.type == "str":
                        _terminal_text[terminal.name] = terminal.pattern.value
                _parser = parser
    return _parser


# ------------------------------------------------------------------------------------------------
# Indentation: a post-lexer turning line starts into _INDENT/_DEDENT tokens, ignoring newlines inside
# brackets, and reporting bracket and indentation mistakes the way Python does.

_OPEN = {"LPAR": "(", "LSQB": "[", "LBRACE": "{"}
_CLOSE = {"RPAR": "(", "RSQB": "[", "RBRACE": "{"}


def _token_span(token: Any) -> Span:
    return Span(token.line, token.column, token.end_line, token.end_column)


class _IndentState:
    __slots__ = ("brackets", "levels")

    def __init__(self) -> None:
        self.brackets: list[Any] = []
        self.levels: list[tuple[int, int]] = [(0, 0)]


class _Indenter(PostLex):
    always_accept = ("_NEWLINE",)

    def __init__(self) -> None:
        self.state = _IndentState()
        self.expression_mode = False

    def process(self, stream: Any) -> Any:
        self.state = _IndentState()
        return self._process(stream, self.state)

    def _process(self, stream: Any, state: _IndentState) -> Any:
        brackets = state.brackets
        levels = state.levels
        first = not self.expression_mode
        last = None
        for token in stream:
            kind = token.type
            if first:
                first = False
                if kind != "_NEWLINE" and token.column > 1:
                    raise ParseError("unexpected indent", Span(token.line, 1, token.line, token.column),
                                     category="IndentationError")
            if kind == "_NEWLINE":
                if brackets:
                    continue
                yield token
                last = token
                value = token.value
                if "\n" not in value:
                    continue
                indent = value.rsplit("\n", 1)[1]
                wide = len(indent.expandtabs(8))
                narrow = len(indent)
                top_wide, top_narrow = levels[-1]
                where = Span(token.end_line, 1, token.end_line, token.end_column)
                if wide > top_wide:
                    if narrow <= top_narrow:
                        raise _tab_error(where)
                    levels.append((wide, narrow))
                    if len(levels) > MAX_INDENTATION:
                        raise ParseError("too many levels of indentation", where, category="IndentationError")
                    yield Token.new_borrow_pos("_INDENT", indent, token)
                    continue
                while wide < levels[-1][0]:
                    levels.pop()
                    yield Token.new_borrow_pos("_DEDENT", indent, token)
                if wide != levels[-1][0]:
                    raise ParseError("unindent does not match any outer indentation level", where,
                                     category="IndentationError")
                if narrow != levels[-1][1]:
                    raise _tab_error(where)
                continue
            if kind in _OPEN:
                brackets.append(token)
                if len(brackets) > MAX_NESTING:
                    raise ParseError("too many nested parentheses", _token_span(token))
            elif kind in _CLOSE:
                if not brackets:
                    raise ParseError(f"unmatched '{token.value}'", _token_span(token))
                opener = brackets.pop()
                if _OPEN[opener.type] != _CLOSE[kind]:
                    where = "" if opener.line == token.line else f" on line {opener.line}"
                    raise ParseError(
                        f"closing parenthesis '{token.value}' does not match opening parenthesis "
                        f"'{opener.value}'{where}", _token_span(token))
            yield token
            last = token
        while len(levels) > 1:
            levels.pop()
            yield Token.new_borrow_pos("_DEDENT", "", last) if last else Token("_DEDENT", "")


def _tab_error(where: Span) -> ParseError:
    return ParseError("inconsistent use of tabs and spaces in indentation", where, category="TabError")


# ------------------------------------------------------------------------------------------------
# Public entry points


def grammar_parse(text: str, filename: str = "<script>") -> nodes.Module:
    """Parse prepared text (syntax.prepare) with the Lark grammar into a Module, or raise ParseError."""
    tree = _lark_parse(text, "file_input")
    body = _build(tree, text)
    lines = text.count("\n")
    return nodes.Module(body, Span(1, 1, max(lines, 1), 1), filename)


def grammar_parse_expression(text: str) -> Any:
    """Parse `(` + expression + `\n)\n` with the Lark grammar; spans as in the wrapped text."""
    tree = _lark_parse(text, "eval_input", expression=True)
    return _build(tree, text)


def _lark_parse(text: str, start: str, expression: bool = False) -> Any:
    parser = _get_parser()
    with _lock:
        indenter = parser.options.postlex
        indenter.expression_mode = expression
        try:
            return parser.parse(text, start=start)
        except UnexpectedToken as exc:
            raise _unexpected_token(exc, text, indenter.state) from None
        except UnexpectedCharacters as exc:
            raise _unexpected_character(exc, text, indenter.state) from None
        except UnexpectedInput as exc:  # pragma: no cover - other Lark errors
            raise ParseError("invalid syntax", Span(exc.line, exc.column, exc.line, exc.column + 1)) from None
        except RecursionError:
            raise ParseError("this code is too deeply nested to parse", Span(1, 1, 1, 2)) from None
        finally:
            indenter.expression_mode = False


def _build(tree: Any, text: str) -> Any:
    limit = sys.getrecursionlimit()
    if limit < 20000:
        sys.setrecursionlimit(20000)
    builder = _Builder(text)
    try:
        built = builder.transform(tree)
        builder.refuse_loose_imaginary()
        return built
    except VisitError as exc:
        original = exc.orig_exc
        if isinstance(original, AutodiffError):
            raise original from None
        if isinstance(original, RecursionError):
            raise ParseError("this expression is too deeply nested", _meta_span(exc.obj.meta)) from None
        raise
    except RecursionError:
        raise ParseError("this code is too deeply nested to parse", Span(1, 1, 1, 2)) from None
    finally:
        if limit < 20000:
            sys.setrecursionlimit(limit)


# ------------------------------------------------------------------------------------------------
# Syntax error messages

_EXPRESSION_START = {
    "NAME", "DEC_NUMBER", "HEX_NUMBER", "BIN_NUMBER", "OCT_NUMBER", "FLOAT_NUMBER", "IMAG_NUMBER",
    "STRING", "LONG_STRING", "LPAR", "LSQB", "LBRACE", "MINUS", "PLUS", "TILDE", "NOT", "NONE", "TRUE",
    "FALSE", "LAMBDA", "AWAIT", "ELLIPSIS", "STAR", "YIELD", "__ANON_0",
}
_PRIORITY = ["COMMA", "RPAR", "RSQB", "RBRACE", "COLON", "IN", "IMPORT", "ELSE", "EQUAL"]
_KINDS = {
    "NAME": "name", "DEC_NUMBER": "number", "HEX_NUMBER": "number", "BIN_NUMBER": "number",
    "OCT_NUMBER": "number", "FLOAT_NUMBER": "number", "IMAG_NUMBER": "number", "STRING": "string",
    "LONG_STRING": "string",
}
_BLOCK_WORDS = {
    "if": "'if' statement", "elif": "'elif' statement", "else": "'else' statement",
    "for": "'for' statement", "while": "'while' statement", "with": "'with' statement",
    "def": "function definition", "class": "class definition", "try": "'try' statement",
    "except": "'except' statement", "finally": "'finally' statement",
}


def _describe_token(token: Any) -> str:
    kind = token.type
    if kind == "$END":
        return "end of file"
    if kind == "_NEWLINE":
        return "end of line"
    if kind == "_INDENT":
        return "indent"
    if kind == "_DEDENT":
        return "dedent"
    if kind in _KINDS:
        value = str(token.value)
        if len(value) > 30:
            value = value[:27] + "..."
        if kind == "NAME" and keyword.iskeyword(value):
            return f"keyword '{value}'"
        return f"{_KINDS[kind]} {value}" if kind != "NAME" and _KINDS[kind] == "string" else f"{_KINDS[kind]} '{value}'"
    text = _terminal_text.get(kind, str(token.value))
    if text.isalpha():
        return f"keyword '{text}'"
    return f"'{text}'"


def _describe_expected(expected: set[str]) -> str | None:
    words: list[str] = []
    exp = set(expected)
    if "_INDENT" in exp:
        return "an indented block"
    if "NAME" in exp and ("LPAR" in exp or "DEC_NUMBER" in exp):
        words.append("an expression")
    elif "NAME" in exp:
        words.append("a name")
    for name in _PRIORITY:
        if name in exp and len(words) < 3:
            words.append(f"'{_terminal_text.get(name, name)}'")
    if "_NEWLINE" in exp and len(words) < 3:
        words.append("end of line")
    if not words:
        return None
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _line_text(text: str, line: int) -> str:
    lines = text.split("\n")
    return lines[line - 1] if 0 < line <= len(lines) else ""


def _end_of_file_span(text: str) -> Span:
    stripped = text.rstrip()
    line = stripped.count("\n") + 1
    column = len(stripped) - (stripped.rfind("\n") + 1) + 1
    return Span(line, column, line, column + 1)


def _never_closed(opener: Any) -> ParseError:
    return ParseError(f"'{opener.value}' was never closed", _token_span(opener), incomplete=True)


def _closer_filter(expected: set[str], state: _IndentState) -> set[str]:
    """LALR merges look-aheads, so drop closing brackets other than the one the open bracket needs."""
    wanted = None
    if state.brackets:
        wanted = {"(": "RPAR", "[": "RSQB", "{": "RBRACE"}[_OPEN[state.brackets[-1].type]]
    kept = {name for name in expected if name not in _CLOSE or name == wanted}
    if wanted == "RPAR":
        kept.discard("COLON")
        kept.discard("EQUAL")  # a keyword argument is seldom what was meant
    return kept


def _unexpected_token(exc: Any, text: str, state: _IndentState) -> ParseError:
    token = exc.token
    kind = token.type
    expected = set(exc.expected or ())
    interactive = getattr(exc, "interactive_parser", None)
    if interactive is not None and token.type not in ("$END",):
        try:
            expected = set(interactive.accepts())  # exact, unlike LALR's merged look-aheads
        except Exception:  # pragma: no cover - keep the merged set
            pass
    expected = _closer_filter(expected, state)
    if kind == "$END" and state.brackets:
        return _never_closed(state.brackets[-1])
    if state.brackets and kind != "$END":
        opener = state.brackets[-1]
        line = _line_text(text, token.line)
        starts_line = token.line > opener.line and line[: token.column - 1].strip() == ""
        opener_indent = len(_line_text(text, opener.line)) - len(_line_text(text, opener.line).lstrip())
        if starts_line and token.column - 1 <= opener_indent:
            return _never_closed(opener)
    if kind == "_INDENT":
        span = Span(token.end_line, 1, token.end_line, max(token.end_column, 2))
        return ParseError("unexpected indent", span, category="IndentationError")
    if "_INDENT" in expected:
        if kind == "$END":
            span = _end_of_file_span(text)
            header_line = span.line
        else:
            line, column = token.line, token.column
            if kind in ("_NEWLINE", "_DEDENT"):
                line, column = token.end_line, token.end_column
            span = Span(line, column, line, column + 1)
            header_line = token.line - 1
        lines = text.split("\n")
        while header_line > 0 and (not lines[header_line - 1].strip()
                                   or lines[header_line - 1].strip().startswith("#")):
            header_line -= 1
        words = lines[header_line - 1].split(None, 1) if header_line > 0 else []
        word = words[0].rstrip(":") if words else ""
        after = f" after {_BLOCK_WORDS[word]} on line {header_line}" if word in _BLOCK_WORDS else ""
        return ParseError(f"expected an indented block{after}", span, category="IndentationError",
                          incomplete=kind == "$END")
    if kind == "$END":
        what = _describe_expected(expected)
        message = "unexpected end of file" + (f": expected {what}" if what else "")
        return ParseError(message, _end_of_file_span(text), incomplete=True)
    if kind in ("_NEWLINE", "_DEDENT"):
        position = token.start_pos
        while position > 0 and text[position - 1] in " \t":
            position -= 1
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        span = Span(line, column, line, column + 1)
        what = _describe_expected(expected)
        if what and what != "end of line":
            return ParseError(f"expected {what}", span)
        return ParseError("unexpected end of line", span)
    line_before = _line_text(text, token.line)[: token.column - 1]
    if "PLUS" in expected and not re.match(r"\s*for\b(?!.*\bin\b)", line_before):
        expected.discard("IN")  # `in` as an operator: not worth naming
    if re.fullmatch(r"\s*(match|case)\s+", line_before) and _line_text(text, token.line).rstrip().endswith(":"):
        start = len(line_before) - len(line_before.lstrip())
        word = line_before.strip()
        return _unsupported("`match` statements are", Span(token.line, start + 1, token.line, start + 1 + len(word)),
                            hint="test the value with if / elif / else instead")
    if re.fullmatch(r"\s*print\s*", line_before):
        return ParseError("missing parentheses in call to 'print'", _token_span(token),
                          hint="did you mean print(...)?")
    what = _describe_expected(expected)
    message = f"unexpected {_describe_token(token)}"
    if what:
        message += f": expected {what}"
    hint = None
    if kind in _EXPRESSION_START and "COMMA" in expected:
        hint = "perhaps you forgot a comma?"
    return ParseError(message, _token_span(token), hint=hint)


def _unexpected_character(exc: Any, text: str, state: _IndentState) -> ParseError:
    line, column = exc.line, exc.column
    position = exc.pos_in_stream
    char = text[position] if position < len(text) else ""
    span = Span(line, column, line, column + 1)
    if state.brackets and position >= len(text) - 1:
        return _never_closed(state.brackets[-1])
    match = re.match(r"[rRbBuUfF]{0,2}(\"\"\"|'''|\"|')", text[position:])
    if match:
        if len(match.group(1)) == 3:
            return ParseError("unterminated triple-quoted string literal", span, incomplete=True)
        return ParseError("unterminated string literal", span)
    if char == "\\":
        return ParseError("unexpected character after line continuation character", span)
    if char and not char.isascii():
        name = f"U+{ord(char):04X}"
        return ParseError(f"invalid character '{char}' ({name})", span,
                          hint=f"{unicodedata.name(char, 'this character').lower()} is not valid Python")
    return ParseError(f"invalid character '{char}'", span)


# ------------------------------------------------------------------------------------------------
# Building nodes from the Lark tree


def _meta_span(meta: Any) -> Span:
    if getattr(meta, "empty", True):
        return Span(1, 1, 1, 1)
    return Span(meta.line, meta.column, meta.end_line, meta.end_column)


_join = join_spans
_unsupported = unsupported


_TARGET_WORDS = {
    nodes.Call: "function call", nodes.Constant: "literal", nodes.BinOp: "expression",
    nodes.UnaryOp: "expression", nodes.BoolOp: "expression", nodes.Compare: "comparison",
    nodes.IfExp: "conditional expression", nodes.JoinedStr: "f-string expression",
    nodes.Dict: "dict literal", nodes.ListComp: "list comprehension", nodes.DictComp: "dict comprehension",
    nodes.GeneratorExp: "generator expression", nodes.Lambda: "lambda", nodes.NamedExpr: "named expression",
    nodes.Set: "set display", nodes.SetComp: "set comprehension", nodes.Yield: "yield expression",
    nodes.YieldFrom: "yield expression",
}


def _target_word(node: Any) -> str:
    if isinstance(node, nodes.Constant) and (node.value is None or isinstance(node.value, bool)):
        return repr(node.value)
    return _TARGET_WORDS.get(type(node), "expression")


def _check_target(node: Any, verb: str = "assign to", starred_ok: bool = True) -> None:
    if isinstance(node, (nodes.Name, nodes.Attribute, nodes.Subscript)):
        return
    if isinstance(node, (nodes.Tuple, nodes.List)):
        stars = 0
        for element in node.elts:
            if isinstance(element, nodes.Starred):
                stars += 1
                if verb != "assign to":
                    raise ParseError(f"cannot {verb} starred", element.span)
                _check_target(element.value, verb, starred_ok=False)
            else:
                _check_target(element, verb)
        if stars > 1:
            raise ParseError("multiple starred expressions in assignment", node.span)
        return
    if isinstance(node, nodes.Starred):
        raise ParseError("starred assignment target must be in a list or tuple", node.span)
    hint = "to compare values use '=='" if verb == "assign to" else None
    raise ParseError(f"cannot {verb} {_target_word(node)}", node.span, hint=hint)


def _check_name(token: Any) -> str:
    name = str(token)
    if keyword.iskeyword(name):
        raise ParseError(f"'{name}' is a keyword and cannot be used as a name", _token_span(token))
    return name


def _within(inner: Span, outer: Span) -> bool:
    return ((outer.line, outer.column) <= (inner.line, inner.column)
            and (inner.end_line, inner.end_column) <= (outer.end_line, outer.end_column))


@v_args(meta=True)
class _Builder(Transformer):
    """Turns the Lark tree into nodes.py dataclasses: one method per grammar rule or alias, (meta, children)."""

    def __init__(self, text: str) -> None:
        super().__init__(visit_tokens=False)
        self.text = text
        self.string_builder = StringBuilder(text)
        # Imaginary literals not (yet) found in a slice's step: the one place a script may write them, as NumPy's
        # np.mgrid[0:1:5j] and np.r_[0:1:5j] count points with them. Any left at the end is an error.
        self.loose_imaginary: list[nodes.Constant] = []

    def refuse_loose_imaginary(self) -> None:
        if self.loose_imaginary:
            first = min(self.loose_imaginary, key=lambda constant: (constant.span.line, constant.span.column))
            raise _unsupported("complex numbers are", first.span,
                               hint="an imaginary literal may only be a slice's step, as in np.mgrid[0:1:5j]")

    # -- statements --------------------------------------------------------------------------

    @staticmethod
    def _flatten(children: list[Any]) -> list[Any]:
        out: list[Any] = []
        for child in children:
            if child is None:
                continue
            if isinstance(child, list):
                out.extend(child)
            elif hasattr(child, "span"):
                out.append(child)
        return out

    def file_input(self, meta: Any, children: list[Any]) -> list[Any]:
        return self._flatten(children)

    def eval_input(self, meta: Any, children: list[Any]) -> Any:
        value = children[0]
        if isinstance(value, nodes.Starred):
            raise ParseError("can't use starred expression here", value.span)
        return value

    def simple_stmt(self, meta: Any, children: list[Any]) -> list[Any]:
        return [child for child in children if child is not None]

    def suite(self, meta: Any, children: list[Any]) -> list[Any]:
        return self._flatten(children)

    def expr_stmt(self, meta: Any, children: list[Any]) -> nodes.ExprStmt:
        value = children[0]
        if isinstance(value, nodes.Starred):
            raise ParseError("can't use starred expression here", value.span)
        return nodes.ExprStmt(value, _meta_span(meta))

    def assign(self, meta: Any, children: list[Any]) -> nodes.Assign:
        *targets, value = children
        for target in targets:
            _check_target(target)
        if isinstance(value, nodes.Starred):
            raise ParseError("can't use starred expression here", value.span)
        return nodes.Assign(targets, value, _meta_span(meta))

    def augassign_op(self, meta: Any, children: list[Any]) -> str:
        return str(children[0])

    def augassign(self, meta: Any, children: list[Any]) -> nodes.AugAssign:
        target, op, value = children
        if not isinstance(target, (nodes.Name, nodes.Attribute, nodes.Subscript)):
            kind = type(target).__name__.lower() if isinstance(target, (nodes.Tuple, nodes.List)) else (
                _target_word(target))
            raise ParseError(f"'{kind}' is an illegal expression for augmented assignment", target.span)
        return nodes.AugAssign(target, op[:-1], value, _meta_span(meta))

    def annassign(self, meta: Any, children: list[Any]) -> Any:
        target, _annotation, value = children
        if not isinstance(target, (nodes.Name, nodes.Attribute, nodes.Subscript)):
            raise ParseError("only single target (not tuple) can be annotated", target.span)
        if value is None:
            return nodes.Pass(_meta_span(meta))
        return nodes.Assign([target], value, _meta_span(meta))

    def pass_stmt(self, meta: Any, children: list[Any]) -> nodes.Pass:
        return nodes.Pass(_meta_span(meta))

    def break_stmt(self, meta: Any, children: list[Any]) -> nodes.Break:
        return nodes.Break(_meta_span(meta))

    def continue_stmt(self, meta: Any, children: list[Any]) -> nodes.Continue:
        return nodes.Continue(_meta_span(meta))

    def return_stmt(self, meta: Any, children: list[Any]) -> nodes.Return:
        value = children[0] if children else None
        if isinstance(value, nodes.Starred):
            raise ParseError("can't use starred expression here", value.span)
        return nodes.Return(value, _meta_span(meta))

    def global_stmt(self, meta: Any, children: list[Any]) -> nodes.Global:
        return nodes.Global([_check_name(token) for token in children], _meta_span(meta))

    def nonlocal_stmt(self, meta: Any, children: list[Any]) -> nodes.Nonlocal:
        return nodes.Nonlocal([_check_name(token) for token in children], _meta_span(meta))

    def del_stmt(self, meta: Any, children: list[Any]) -> nodes.Delete:
        target = children[0]
        targets = target.elts if isinstance(target, nodes.Tuple) else [target]
        for item in targets:
            _check_target(item, "delete")
        return nodes.Delete(targets, _meta_span(meta))

    def assert_stmt(self, meta: Any, children: list[Any]) -> nodes.Assert:
        return nodes.Assert(children[0], children[1], _meta_span(meta))

    def dotted_name(self, meta: Any, children: list[Any]) -> str:
        return ".".join(_check_name(token) for token in children)

    def dotted_as_name(self, meta: Any, children: list[Any]) -> nodes.Alias:
        name, asname = children
        return nodes.Alias(name, _check_name(asname) if asname is not None else None, _meta_span(meta))

    def import_as_name(self, meta: Any, children: list[Any]) -> nodes.Alias:
        name, asname = children
        return nodes.Alias(_check_name(name), _check_name(asname) if asname is not None else None,
                           _meta_span(meta))

    def import_name(self, meta: Any, children: list[Any]) -> nodes.Import:
        return nodes.Import(list(children), _meta_span(meta))

    def import_star(self, meta: Any, children: list[Any]) -> list[nodes.Alias]:
        return [nodes.Alias("*", None, _meta_span(meta))]

    def import_as_names(self, meta: Any, children: list[Any]) -> list[nodes.Alias]:
        return [child for child in children if child is not None]

    def relative_dots(self, meta: Any, children: list[Any]) -> str:
        return "".join(str(token) for token in children)

    def import_from(self, meta: Any, children: list[Any]) -> nodes.ImportFrom:
        span = _meta_span(meta)
        if len(children) == 3 or (len(children) == 2 and isinstance(children[0], str)
                                  and children[0].startswith(".")):
            raise ParseError("relative imports are not supported in autodiff scripts", span)
        module, names = children
        return nodes.ImportFrom(module, names, span)

    def if_stmt(self, meta: Any, children: list[Any]) -> nodes.If:
        test, body, *rest = children
        orelse = rest[-1] or []
        for clause in reversed(rest[:-1]):
            elif_test, elif_body, elif_span = clause
            orelse = [nodes.If(elif_test, elif_body, orelse, elif_span)]
        return nodes.If(test, body, orelse, _meta_span(meta))

    def elif_clause(self, meta: Any, children: list[Any]) -> tuple[Any, Any, Span]:
        return children[0], children[1], _meta_span(meta)

    def else_clause(self, meta: Any, children: list[Any]) -> list[Any]:
        return children[0]

    def while_stmt(self, meta: Any, children: list[Any]) -> nodes.While:
        test, body, orelse = children
        return nodes.While(test, body, orelse or [], _meta_span(meta))

    def for_stmt(self, meta: Any, children: list[Any]) -> nodes.For:
        target, iterable, body, orelse = children
        _check_target(target)
        return nodes.For(target, iterable, body, orelse or [], _meta_span(meta))

    def with_item(self, meta: Any, children: list[Any]) -> nodes.WithItem:
        context, target = children
        if target is not None:
            _check_target(target)
        return nodes.WithItem(context, target, _meta_span(meta))

    def with_stmt(self, meta: Any, children: list[Any]) -> nodes.With:
        *items, body = children
        return nodes.With(items, body, _meta_span(meta))

    def param(self, meta: Any, children: list[Any]) -> nodes.Param:
        name, _annotation, default = children
        return nodes.Param(_check_name(name), default, "positional", _meta_span(meta))

    def star_param(self, meta: Any, children: list[Any]) -> nodes.Param:
        name = children[0] if children else None
        return nodes.Param(_check_name(name) if name is not None else "", None, "varargs", _meta_span(meta))

    def starstar_param(self, meta: Any, children: list[Any]) -> nodes.Param:
        return nodes.Param(_check_name(children[0]), None, "varkw", _meta_span(meta))

    def slash_param(self, meta: Any, children: list[Any]) -> nodes.Param:
        raise _unsupported("positional-only parameters (`/`) are", _meta_span(meta))

    def parameters(self, meta: Any, children: list[Any]) -> list[nodes.Param]:
        params: list[nodes.Param] = []
        seen: set[str] = set()
        star_seen = False
        varkw_seen = False
        default_seen = False
        bare_star: nodes.Param | None = None
        for param in children:
            if param is None:
                continue
            if varkw_seen:
                raise ParseError("arguments cannot follow var-keyword argument", param.span)
            if param.kind == "varargs":
                if star_seen:
                    raise ParseError("* argument may appear only once", param.span)
                star_seen = True
                if not param.name:
                    bare_star = param
                    continue
            elif param.kind == "varkw":
                varkw_seen = True
            elif star_seen:
                param.kind = "keyword_only"
                bare_star = None
            else:
                if param.default is not None:
                    default_seen = True
                elif default_seen:
                    raise ParseError("non-default argument follows default argument", param.span)
            if param.name in seen:
                raise ParseError(f"duplicate argument '{param.name}' in function definition", param.span)
            seen.add(param.name)
            params.append(param)
        if bare_star is not None:
            raise ParseError("named arguments must follow bare *", bare_star.span)
        return params

    def funcdef(self, meta: Any, children: list[Any]) -> nodes.FunctionDef:
        name_token, params, _returns, body = children
        span = _meta_span(meta)
        close = self.text.find(")", name_token.end_pos)
        header_end = close + 1 if close >= 0 else name_token.end_pos
        line = self.text.count("\n", 0, header_end) + 1
        column = header_end - (self.text.rfind("\n", 0, header_end) + 1) + 1
        header = Span(span.line, span.column, line, column)
        return nodes.FunctionDef(_check_name(name_token), params or [], body, span, header)

    def classdef(self, meta: Any, children: list[Any]) -> nodes.ClassDef:
        name_token, arguments, body = children
        span = _meta_span(meta)
        bases, keywords = arguments if arguments is not None else ([], [])
        header_end = name_token.end_pos
        after_name = self.text[header_end:].lstrip(" \t")
        if after_name.startswith("("):
            last = max((node.span for node in [*bases, *keywords]), default=None,
                       key=lambda s: (s.end_line, s.end_column))
            start = header_end if last is None else self._offset(last.end_line, last.end_column)
            close = self.text.find(")", start)
            header_end = close + 1 if close >= 0 else header_end
        line = self.text.count("\n", 0, header_end) + 1
        column = header_end - (self.text.rfind("\n", 0, header_end) + 1) + 1
        header = Span(span.line, span.column, line, column)
        return nodes.ClassDef(_check_name(name_token), bases, keywords, body, span, header)

    def _offset(self, line: int, column: int) -> int:
        """The text offset of a 1-based (line, column)."""
        offset = 0
        for _ in range(line - 1):
            offset = self.text.index("\n", offset) + 1
        return offset + column - 1

    def try_stmt(self, meta: Any, children: list[Any]) -> nodes.Try:
        body, *handlers, orelse, finalbody = children
        span = _meta_span(meta)
        if not handlers and finalbody is None:
            raise ParseError("expected 'except' or 'finally' block", span)
        for handler in handlers[:-1]:
            if handler.type is None:
                raise ParseError("default 'except:' must be last", handler.span)
        return nodes.Try(body, handlers, orelse or [], finalbody or [], span)

    def except_clause(self, meta: Any, children: list[Any]) -> nodes.ExceptHandler:
        kind, name, body = children
        return nodes.ExceptHandler(kind, _check_name(name) if name is not None else None, body, _meta_span(meta))

    def finally_clause(self, meta: Any, children: list[Any]) -> list[Any]:
        return children[0]

    def raise_stmt(self, meta: Any, children: list[Any]) -> nodes.Raise:
        exc, cause = (children + [None, None])[:2]
        return nodes.Raise(exc, cause, _meta_span(meta), from_cause=cause is not None)

    def decorated(self, meta: Any, children: list[Any]) -> Any:
        *decorators, definition = children
        definition.decorators = decorators
        return definition

    def decorator(self, meta: Any, children: list[Any]) -> Any:
        return children[0]

    def async_stmt(self, meta: Any, children: list[Any]) -> Any:
        raise _unsupported("`async` code is", _meta_span(meta))

    def async_comp_for(self, meta: Any, children: list[Any]) -> Any:
        raise _unsupported("`async` code is", _meta_span(meta))

    def await_expr(self, meta: Any, children: list[Any]) -> Any:
        raise _unsupported("`await` is", _meta_span(meta))

    def lambdef(self, meta: Any, children: list[Any]) -> nodes.Lambda:
        params, body = children
        return nodes.Lambda(params or [], body, _meta_span(meta))

    def lambda_params(self, meta: Any, children: list[Any]) -> list[nodes.Param]:
        return self.parameters(meta, children)

    def lambda_param(self, meta: Any, children: list[Any]) -> nodes.Param:
        name, default = children
        return nodes.Param(_check_name(name), default, "positional", _meta_span(meta))

    def lambda_star_param(self, meta: Any, children: list[Any]) -> nodes.Param:
        name = children[0] if children else None
        return nodes.Param(_check_name(name) if name is not None else "", None, "varargs", _meta_span(meta))

    def lambda_starstar_param(self, meta: Any, children: list[Any]) -> nodes.Param:
        return nodes.Param(_check_name(children[0]), None, "varkw", _meta_span(meta))

    def walrus(self, meta: Any, children: list[Any]) -> nodes.NamedExpr:
        name, value = children
        target = nodes.Name(_check_name(name), _token_span(name))
        return nodes.NamedExpr(target, value, _meta_span(meta))

    def yield_expr(self, meta: Any, children: list[Any]) -> nodes.Yield:
        value = children[0] if children else None
        if isinstance(value, nodes.Starred):
            raise ParseError("can't use starred expression here", value.span)
        return nodes.Yield(value, _meta_span(meta))

    def yield_from(self, meta: Any, children: list[Any]) -> nodes.YieldFrom:
        return nodes.YieldFrom(children[0], _meta_span(meta))

    def set(self, meta: Any, children: list[Any]) -> nodes.Set:
        return nodes.Set([child for child in children if child is not None], _meta_span(meta))

    def setcomp(self, meta: Any, children: list[Any]) -> nodes.SetComp:
        elt, generators = children[0]
        return nodes.SetComp(elt, generators, _meta_span(meta))

    # -- expressions -------------------------------------------------------------------------

    def ifexp(self, meta: Any, children: list[Any]) -> nodes.IfExp:
        body, test, orelse = children
        return nodes.IfExp(test, body, orelse, _meta_span(meta))

    def or_test(self, meta: Any, children: list[Any]) -> nodes.BoolOp:
        return nodes.BoolOp("or", list(children), _meta_span(meta))

    def and_test(self, meta: Any, children: list[Any]) -> nodes.BoolOp:
        return nodes.BoolOp("and", list(children), _meta_span(meta))

    def not_op(self, meta: Any, children: list[Any]) -> nodes.UnaryOp:
        return nodes.UnaryOp("not", children[0], _meta_span(meta))

    def comp_op(self, meta: Any, children: list[Any]) -> str:
        return " ".join(str(token) for token in children)

    def comparison(self, meta: Any, children: list[Any]) -> nodes.Compare:
        return nodes.Compare(children[0], list(children[1::2]), list(children[2::2]), _meta_span(meta))

    def _binary(self, meta: Any, children: list[Any]) -> Any:
        left = children[0]
        for index in range(1, len(children), 2):
            right = children[index + 1]
            left = nodes.BinOp(str(children[index]), left, right, _join(left.span, right.span))
        return left

    or_expr = xor_expr = and_expr = shift_expr = arith_expr = term = _binary

    def unary(self, meta: Any, children: list[Any]) -> nodes.UnaryOp:
        return nodes.UnaryOp(str(children[0]), children[1], _meta_span(meta))

    def power(self, meta: Any, children: list[Any]) -> nodes.BinOp:
        return nodes.BinOp("**", children[0], children[1], _meta_span(meta))

    def call(self, meta: Any, children: list[Any]) -> nodes.Call:
        func, arguments = children
        args, keywords = arguments if arguments is not None else ([], [])
        return nodes.Call(func, args, keywords, _meta_span(meta))

    def arguments(self, meta: Any, children: list[Any]) -> tuple[list[Any], list[nodes.Keyword]]:
        args: list[Any] = []
        keywords: list[nodes.Keyword] = []
        names: set[str] = set()
        unpacked_mapping = False
        for child in children:
            if child is None:
                continue
            if isinstance(child, nodes.Keyword):
                if child.name is None:
                    unpacked_mapping = True
                elif child.name in names:
                    raise ParseError(f"keyword argument repeated: {child.name}", child.span)
                else:
                    names.add(child.name)
                keywords.append(child)
                continue
            if isinstance(child, nodes.Starred):
                if unpacked_mapping:
                    raise ParseError("iterable argument unpacking follows keyword argument unpacking",
                                     child.span)
            elif unpacked_mapping:
                raise ParseError("positional argument follows keyword argument unpacking", child.span)
            elif keywords:
                raise ParseError("positional argument follows keyword argument", child.span)
            args.append(child)
        return args, keywords

    def genexp_argument(self, meta: Any, children: list[Any]) -> tuple[list[Any], list[nodes.Keyword]]:
        elt, generators = children[0]
        return [nodes.GeneratorExp(elt, generators, _meta_span(meta))], []

    def keyword_argument(self, meta: Any, children: list[Any]) -> nodes.Keyword:
        name, value = children
        if not isinstance(name, nodes.Name):
            raise ParseError('expression cannot contain assignment, perhaps you meant "=="?', name.span)
        return nodes.Keyword(name.id, value, _meta_span(meta))

    def star_argument(self, meta: Any, children: list[Any]) -> nodes.Starred:
        return nodes.Starred(children[0], _meta_span(meta))

    def starstar_argument(self, meta: Any, children: list[Any]) -> nodes.Keyword:
        return nodes.Keyword(None, children[0], _meta_span(meta))

    def getitem(self, meta: Any, children: list[Any]) -> nodes.Subscript:
        return nodes.Subscript(children[0], children[1], _meta_span(meta))

    def getattr(self, meta: Any, children: list[Any]) -> nodes.Attribute:
        return nodes.Attribute(children[0], _check_name(children[1]), _meta_span(meta))

    def subscript_tuple(self, meta: Any, children: list[Any]) -> nodes.Tuple:
        return nodes.Tuple([child for child in children if child is not None], _meta_span(meta))

    def slice(self, meta: Any, children: list[Any]) -> nodes.Slice:
        lower, upper, step = children
        if step is not None and self.loose_imaginary:
            self.loose_imaginary = [constant for constant in self.loose_imaginary
                                    if not _within(constant.span, step.span)]
        return nodes.Slice(lower, upper, step, _meta_span(meta))

    def sliceop(self, meta: Any, children: list[Any]) -> Any:
        return children[0] if children else None

    def tuple(self, meta: Any, children: list[Any]) -> nodes.Tuple:
        return nodes.Tuple([child for child in children if child is not None], _meta_span(meta))

    def list(self, meta: Any, children: list[Any]) -> nodes.List:
        return nodes.List([child for child in children if child is not None], _meta_span(meta))

    def key_value(self, meta: Any, children: list[Any]) -> tuple[Any, Any]:
        return children[0], children[1]

    def dict_unpack(self, meta: Any, children: list[Any]) -> tuple[None, Any]:
        return None, children[0]

    def dict(self, meta: Any, children: list[Any]) -> nodes.Dict:
        pairs = [child for child in children if child is not None]
        return nodes.Dict([k for k, _ in pairs], [v for _, v in pairs], _meta_span(meta))

    def star_expr(self, meta: Any, children: list[Any]) -> nodes.Starred:
        return nodes.Starred(children[0], _meta_span(meta))

    def comprehension(self, meta: Any, children: list[Any]) -> tuple[Any, list[nodes.Comprehension]]:
        elt, *generators = children
        if isinstance(elt, nodes.Starred):
            raise ParseError("iterable unpacking cannot be used in comprehension", elt.span)
        return elt, generators

    def comp_for(self, meta: Any, children: list[Any]) -> nodes.Comprehension:
        target, iterable, *ifs = children
        _check_target(target)
        return nodes.Comprehension(target, iterable, ifs, _meta_span(meta))

    def comp_if(self, meta: Any, children: list[Any]) -> Any:
        return children[0]

    def listcomp(self, meta: Any, children: list[Any]) -> nodes.ListComp:
        elt, generators = children[0]
        return nodes.ListComp(elt, generators, _meta_span(meta))

    def genexp(self, meta: Any, children: list[Any]) -> nodes.GeneratorExp:
        elt, generators = children[0]
        return nodes.GeneratorExp(elt, generators, _meta_span(meta))

    def dictcomp(self, meta: Any, children: list[Any]) -> nodes.DictComp:
        (key, value), generators = children[0]
        return nodes.DictComp(key, value, generators, _meta_span(meta))

    def var(self, meta: Any, children: list[Any]) -> nodes.Name:
        return nodes.Name(_check_name(children[0]), _meta_span(meta))

    def number(self, meta: Any, children: list[Any]) -> nodes.Constant:
        token = children[0]
        text = str(token)
        span = _meta_span(meta)
        if token.type == "IMAG_NUMBER":
            constant = nodes.Constant(complex(text.replace("_", "")), span)
            self.loose_imaginary.append(constant)
            return constant
        if token.type == "FLOAT_NUMBER":
            value: Any = float(text.replace("_", ""))
        else:
            try:
                value = int(text.replace("_", ""), 0)
            except ValueError as exc:  # more digits than Python converts (sys.get_int_max_str_digits)
                raise ParseError(f"{exc} - Consider hexadecimal for huge integer literals to avoid decimal "
                                 "conversion limits.", span) from None
        return nodes.Constant(value, span)

    def ellipsis(self, meta: Any, children: list[Any]) -> nodes.Constant:
        return nodes.Constant(Ellipsis, _meta_span(meta))

    def const_none(self, meta: Any, children: list[Any]) -> nodes.Constant:
        return nodes.Constant(None, _meta_span(meta))

    def const_true(self, meta: Any, children: list[Any]) -> nodes.Constant:
        return nodes.Constant(True, _meta_span(meta))

    def const_false(self, meta: Any, children: list[Any]) -> nodes.Constant:
        return nodes.Constant(False, _meta_span(meta))

    # -- strings -----------------------------------------------------------------------------

    def string(self, meta: Any, children: list[Any]) -> Any:
        return children[0]

    def strings(self, meta: Any, children: list[Any]) -> Any:
        tokens = [(str(token), token.start_pos, _token_span(token)) for token in children]
        return self.string_builder.strings(tokens, _meta_span(meta))

