"""String literals to syntax-tree nodes: escapes, implicit concatenation and f-strings (split into Constant
and FormattedValue parts, each field's expression parsed with its position in the script).

Both readers of a script (the Lark grammar in parser.py and CPython's own parser in pyreader.py) hand their
string tokens here, so a literal means the same, and an f-string error points at the same place, either way.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

from autodiff.errors import Span
from autodiff.language import nodes
from autodiff.language.syntax import ParseError, join_spans, parse_expression, unsupported

_ESCAPES = {
    "\n": "", "\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r",
    "t": "\t", "v": "\v",
}
_ESCAPE_RE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|N\{[^}\n]*\}|[0-7]{1,3}|.)",
                        re.DOTALL)


def unescape(body: str, span: Span) -> str:
    if "\\" not in body:
        return body

    def replace(match: re.Match[str]) -> str:
        code = match.group(1)
        first = code[0]
        if first in "xuU" and len(code) > 1:
            try:
                return chr(int(code[1:], 16))
            except (ValueError, OverflowError):
                raise ParseError(f"invalid escape sequence '\\{code}'", span) from None
        if first == "N" and len(code) > 1:
            try:
                import unicodedata

                return unicodedata.lookup(code[2:-1])
            except KeyError:
                raise ParseError(f"unknown Unicode character name in '\\{code}'", span) from None
        if first in "01234567":
            return chr(int(code, 8))
        return _ESCAPES.get(code, "\\" + code)

    return _ESCAPE_RE.sub(replace, body)


def shift_spans(node: Any, line_offset: int, column_offset: int) -> None:
    """Move every span under `node`: lines by line_offset; columns on the first line by column_offset."""

    def shift(span: Span) -> Span:
        line, column, end_line, end_column = span.line, span.column, span.end_line, span.end_column
        if line == 1:
            column += column_offset
        if end_line == 1:
            end_column += column_offset
        return Span(line + line_offset, max(column, 1), end_line + line_offset, max(end_column, 1))

    for sub in nodes.walk(node):
        sub.span = shift(sub.span)
        if isinstance(sub, (nodes.FunctionDef, nodes.ClassDef)) and sub.header is not None:
            sub.header = shift(sub.header)


class StringBuilder:
    """Builds string nodes for one script text (offsets and positions refer to it)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._line_starts: list[int] | None = None

    def strings(self, tokens: list[tuple[str, int, Span]], span: Span) -> Any:
        """The node of adjacent string tokens (text, offset in the script, span): a Constant or a JoinedStr."""
        parts: list[Any] = []
        any_f = False
        for text, start, token_span in tokens:
            prefix_length = 0
            while text[prefix_length] not in "'\"":
                prefix_length += 1
            prefix = text[:prefix_length].lower()
            if "b" in prefix:
                raise unsupported("bytes literals are", token_span)
            quote = 3 if text[prefix_length:prefix_length + 3] in ('"""', "'''") else 1
            body = text[prefix_length + quote: len(text) - quote]
            raw = "r" in prefix
            if "f" in prefix:
                any_f = True
                offset = start + prefix_length + quote
                parts.extend(self._fstring(body, offset, raw, token_span, 0))
            else:
                parts.append(nodes.Constant(body if raw else unescape(body, token_span), token_span))
        if not any_f:
            return nodes.Constant("".join(part.value for part in parts), span)
        merged: list[Any] = []
        for part in parts:
            if (isinstance(part, nodes.Constant) and merged and isinstance(merged[-1], nodes.Constant)):
                merged[-1] = nodes.Constant(merged[-1].value + part.value, join_spans(merged[-1].span, part.span))
            elif not (isinstance(part, nodes.Constant) and part.value == ""):
                merged.append(part)
        return nodes.JoinedStr(merged, span)

    def _position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a text offset (a table of line starts: a long script has many f-strings)."""
        if self._line_starts is None:
            self._line_starts = [0] + [match.end() for match in re.finditer("\n", self.text)]
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    def _fstring(self, body: str, offset: int, raw: bool, span: Span, depth: int) -> list[Any]:
        """Split an f-string body (starting at text offset `offset`) into Constant and FormattedValue parts."""
        parts: list[Any] = []
        literal: list[str] = []
        i = 0
        n = len(body)

        def flush() -> None:
            if literal:
                text = "".join(literal)
                parts.append(nodes.Constant(text if raw else unescape(text, span), span))
                literal.clear()

        while i < n:
            char = body[i]
            if char == "\\" and not raw and body[i + 1: i + 3] == "N{":
                end = body.find("}", i)
                end = n - 1 if end < 0 else end
                literal.append(body[i: end + 1])
                i = end + 1
                continue
            if char == "\\" and i + 1 < n:
                literal.append(body[i: i + 2])
                i += 2
                continue
            if char == "{":
                if body[i + 1: i + 2] == "{":
                    literal.append("{")
                    i += 2
                    continue
                flush()
                i = self._field(body, i, offset, raw, span, depth, parts)
                continue
            if char == "}":
                if body[i + 1: i + 2] == "}":
                    literal.append("}")
                    i += 2
                    continue
                line, column = self._position(offset + i)
                raise ParseError("f-string: single '}' is not allowed", Span(line, column, line, column + 1))
            literal.append(char)
            i += 1
        flush()
        return parts

    def _field(self, body: str, start: int, offset: int, raw: bool, span: Span, depth: int,
               parts: list[Any]) -> int:
        """Parse the replacement field starting at body[start] == '{'; append its parts; return the index after it."""
        n = len(body)

        def error(message: str, at: int) -> ParseError:
            line, column = self._position(offset + min(at, n))
            return ParseError(f"f-string: {message}", Span(line, column, line, column + 1))

        if depth > 1:
            raise error("expressions nested too deeply", start)
        i = start + 1
        nesting: list[str] = []
        quote: str | None = None
        while i < n:
            char = body[i]
            if quote:
                if char == "\\":
                    i += 2
                    continue
                if body.startswith(quote, i):
                    i += len(quote)
                    quote = None
                    continue
                i += 1
                continue
            if char in "'\"":
                quote = body[i: i + 3] if body[i: i + 3] in ('"""', "'''") else char
                i += len(quote)
                continue
            if char == "\\":
                raise error("expression part cannot include a backslash", i)
            if char == "#":
                raise error("expression part cannot include '#'", i)
            if char in "([{":
                nesting.append(char)
            elif char in ")]}":
                if not nesting:
                    if char == "}":
                        break
                    raise error(f"unmatched '{char}'", i)
                nesting.pop()
            elif not nesting:
                if char == "!" and body[i + 1: i + 2] != "=":
                    break
                if char == ":":
                    break
                if char == "=" and body[i + 1: i + 2] not in ("=",) and body[i - 1] not in "=!<>":
                    break
            i += 1
        if i >= n:
            raise error("expecting '}'", start)
        expression_text = body[start + 1: i]
        if not expression_text.strip():
            raise error("valid expression required before '}'" if body[i] == "}" else "empty expression not allowed",
                        i)
        self_documenting = None
        if body[i] == "=":
            self_documenting = body[start + 1: i + 1]
            i += 1
            while i < n and body[i] in " \t":
                i += 1
        value = self._sub_expression(expression_text, offset + start + 1)
        conversion = None
        if i < n and body[i] == "!":
            conversion = body[i + 1: i + 2]
            if conversion not in ("r", "s", "a"):
                raise error("invalid conversion character: expected 's', 'r', or 'a'", i + 1)
            i += 2
        format_spec = None
        if i < n and body[i] == ":":
            spec_start = i + 1
            level = 0
            i = spec_start
            while i < n:
                if body[i] == "{":
                    level += 1
                elif body[i] == "}":
                    if level == 0:
                        break
                    level -= 1
                i += 1
            spec_parts = self._fstring(body[spec_start:i], offset + spec_start, raw, span, depth + 1)
            line, column = self._position(offset + spec_start)
            end_line, end_column = self._position(offset + i)
            format_spec = nodes.JoinedStr(spec_parts, Span(line, column, end_line, end_column))
        if i >= n or body[i] != "}":
            raise error("expecting '}'", i)
        line, column = self._position(offset + start)
        end_line, end_column = self._position(offset + i + 1)
        field_span = Span(line, column, end_line, end_column)
        if self_documenting is not None:
            parts.append(nodes.Constant(self_documenting, field_span))
            if conversion is None and format_spec is None:
                conversion = "r"
        parts.append(nodes.FormattedValue(value, conversion, format_spec, field_span))
        return i + 1

    def _sub_expression(self, source: str, offset: int) -> Any:
        line, column = self._position(offset)
        node = parse_expression(source)
        # parse_expression numbers lines from 1 and columns as in `source`: move them to the script.
        shift_spans(node, line - 1, column - 1)
        return node
