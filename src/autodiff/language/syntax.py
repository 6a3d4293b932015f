"""Source text to syntax tree: `parse(source, filename)`, `parse_expression(source)`, `input_status(text)`.

Two readers build the same nodes.py tree. CPython's own parser (`ast.parse`, in C) reads a script first
(pyreader.py): when every construct in it is one the language has and the reader can place every span as
the grammar does, that tree is the answer. Anything else (a construct autodiff refuses, a syntax error,
text the reader cannot vouch for) goes to the Lark grammar (parser.py), the reference reader of the
language and the author of every syntax error, so messages and carets are the grammar's alone. tests/
test_syntax_readers.py checks that both readers give equal trees, spans included, on every program in the
test suite. Lark is imported only when the grammar is needed, which keeps it out of a script's start-up.
"""

from __future__ import annotations

from typing import Any

from autodiff.errors import AutodiffError, Span
from autodiff.language import nodes

SYNTAX_CATEGORIES = frozenset({"SyntaxError", "IndentationError", "TabError"})


class ParseError(AutodiffError):
    """A syntax error. `incomplete` is True when more input could make the text valid (REPL)."""

    def __init__(self, message: str, span: Span | None, *, category: str = "SyntaxError",
                 hint: str | None = None, incomplete: bool = False):
        super().__init__(category, message, span, hint)
        self.incomplete = incomplete


def unsupported(what: str, span: Span, hint: str | None = None) -> ParseError:
    return ParseError(f"{what} not supported in autodiff scripts", span, hint=hint)


def join_spans(first: Span, last: Span) -> Span:
    return Span(first.line, first.column, last.end_line, last.end_column)


def prepare(source: str) -> str:
    """The text both readers see: no byte-order mark, '\\n' line ends, a final newline."""
    if source.startswith("\ufeff"):
        source = source[1:]
    if "\r" in source:
        source = source.replace("\r\n", "\n").replace("\r", "\n")
    if not source.endswith("\n"):
        source += "\n"
    return source


def parse(source: str, filename: str = "<script>") -> nodes.Module:
    """Parse a whole script into a Module, or raise ParseError."""
    from autodiff.language import pyreader

    text = prepare(source)
    module = pyreader.read_module(text, filename)
    if module is not None:
        return module
    from autodiff.language.parser import grammar_parse

    return grammar_parse(text, filename)


def parse_expression(source: str) -> Any:
    """Parse a single expression (as in an f-string field or a REPL `:type` query)."""
    from autodiff.language import pyreader
    from autodiff.language.literals import shift_spans

    text = "(" + source + "\n)\n"
    node = pyreader.read_expression(text)
    if node is None:
        from autodiff.language.parser import grammar_parse_expression

        node = grammar_parse_expression(text)
    shift_spans(node, 0, -1)
    return node


def input_status(source: str) -> str:
    """'complete', 'incomplete' (the REPL should read another line) or 'invalid' (run it to show the error).

    Like Python's REPL, a compound statement (`for ...:` and the like) is complete only once a blank
    line follows it.
    """
    if not source.strip():
        return "complete"
    try:
        module = parse(source)
    except ParseError as err:
        return "incomplete" if err.incomplete else "invalid"
    except AutodiffError:
        return "invalid"
    lines = source.split("\n")
    if source.endswith("\n"):
        lines.pop()
    ends_with_blank = len(lines) >= 2 and lines[-1].strip() == ""
    if module.body and isinstance(module.body[-1], nodes.COMPOUND_STATEMENTS) and not ends_with_blank:
        return "incomplete"
    return "complete"
