"""Reads a script with CPython's own parser (`ast.parse`, written in C) into the tree the grammar builds.

The Lark grammar (parser.py) is the language's reference reader; this one is a fast path for text it
can vouch for. It reads every construct the language has (classes, decorators, lambda, try/except/finally,
raise, generators, walrus, sets, with, ...) and returns None (the grammar then reads the text, and reports
any error) whenever: CPython rejects the text; a construct is one the grammar refuses (async, await,
`except*`, match, bytes, complex numbers outside a slice's step, relative imports, positional-only parameters:
every ast type without a method here); a check the grammar's builder makes would fail (a repeated keyword argument, a
duplicate parameter, two starred targets, a bare `except:` before another, `*a, b` where the grammar has no
starred items); CPython reads the text differently from the grammar (`with (a, b):` is two items to
CPython, one tuple to the grammar; `a[*b]`) or normalized a name (NFKC); or a span cannot be placed exactly
as the grammar places it (tabs mixed with spaces, form feeds, a keyword or parenthesis not where the
grammar's tokens put it).

Spans follow Lark's rules (propagate_positions): a node runs from its first to its last token, and a
parenthesized child counts with its parentheses (so `x = (a)` ends at the `)`), as CPython's spans do;
where the grammar's builder joins the children's own spans (`a + b`), so does this reader. A compound
statement ends where the grammar's _NEWLINE token after its last line ends: past blank lines, comment
lines and the next line's indentation. tests/test_syntax_readers.py compares both readers' trees.
"""

from __future__ import annotations

import ast
import bisect
import re
import sys
import warnings
from _thread import _local as thread_local  # threading.local itself: importing threading is ~2 ms of a start
from typing import Any

from autodiff.errors import Span
from autodiff.language import nodes
from autodiff.language.literals import StringBuilder
from autodiff.language.syntax import ParseError

# The grammar's terminals for names and string literals (tests check they match grammar/autodiff.lark).
NAME_PATTERN = r"[^\W\d]\w*"
STRING_PATTERN = r"""([ubf]?r?|r[ubf])("(?!"").*?(?<!\\)(\\\\)*?"|'(?!'').*?(?<!\\)(\\\\)*?')"""
LONG_STRING_PATTERN = r'([ubf]?r?|r[ubf])(""".*?(?<!\\)(\\\\)*?"""' + r"|'''.*?(?<!\\)(\\\\)*?''')"

_NAME = re.compile(NAME_PATTERN)
_STRING_TOKEN = re.compile(f"(?:{LONG_STRING_PATTERN})|(?:{STRING_PATTERN})", re.IGNORECASE | re.DOTALL)
_STRING_SHORT = re.compile(STRING_PATTERN, re.IGNORECASE)
_STRING_LONG = re.compile(LONG_STRING_PATTERN, re.IGNORECASE | re.DOTALL)
_BETWEEN_STRINGS = re.compile(r"(?:[ \t\n]+|#[^\n]*|\\[ \t]*\n)*")
_AFTER_STATEMENT = re.compile(r"(?:[ \t]+|\\[ \t]*\n)*;?(?:[ \t]+|\\[ \t]*\n)*")
_NEWLINE_TOKEN = re.compile(r"(?:\n[\t ]*|#[^\n]*)+")  # the grammar's _NEWLINE
_SPACE = re.compile(r"(?:[ \t\n]+|#[^\n]*|\\[ \t]*\n)*")  # between tokens inside brackets
_COMMENT = re.compile(r"#[^\n]*")
_DEF_NAME = re.compile(r"def[ \t]+(" + NAME_PATTERN + ")")
_CLASS_NAME = re.compile(r"class[ \t]+(" + NAME_PATTERN + ")")
_NAME_LIST = re.compile(r"(?:global|nonlocal)[ \t]+(" + NAME_PATTERN + r"(?:[ \t]*,[ \t]*" + NAME_PATTERN + ")*)")
_COMMA = re.compile(r"[ \t]*,[ \t]*")
_AS_NAME = re.compile(r"[ \t]+as[ \t]+(" + NAME_PATTERN + ")")
_MIXED_INDENT = re.compile(r"^(?: +\t|\t+ )", re.MULTILINE)

_BINARY = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.MatMult: "@", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
    ast.Pow: "**", ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&", ast.LShift: "<<", ast.RShift: ">>",
}
_UNARY = {ast.USub: "-", ast.UAdd: "+", ast.Invert: "~", ast.Not: "not"}
_COMPARE = {
    ast.Lt: "<", ast.Gt: ">", ast.Eq: "==", ast.GtE: ">=", ast.LtE: "<=", ast.NotEq: "!=", ast.In: "in",
    ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not",
}


class _Decline(Exception):
    """The grammar must read this text."""


def read_module(text: str, filename: str) -> nodes.Module | None:
    """The Module of prepared text (syntax.prepare), or None when the grammar must read it."""
    if "\t" in text and _MIXED_INDENT.search(text):
        return None
    body = _read(text, "exec", lambda reader, tree: reader.block(tree.body))
    if body is None:
        return None
    return nodes.Module(body, Span(1, 1, max(text.count("\n"), 1), 1), filename)


def read_expression(text: str) -> Any:
    """The node of `(` + expression + `\\n)\\n` with spans in that text, or None for the grammar."""
    return _read(text, "eval", lambda reader, tree: reader.expr(_not_starred(tree.body)))


_reading = thread_local()  # set while a script is read (its f-string fields are read inside that)


def _read(text: str, mode: str, build: Any) -> Any:
    if "\f" in text or "\0" in text:
        return None
    if getattr(_reading, "active", False):
        return _parse_and_build(text, mode, build)
    limit = sys.getrecursionlimit()
    _reading.active = True
    try:
        if limit < 20000:
            sys.setrecursionlimit(20000)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # CPython's warnings (invalid escapes): the script's run reports its own
            return _parse_and_build(text, mode, build)
    finally:
        _reading.active = False
        if limit < 20000:
            sys.setrecursionlimit(limit)


def _parse_and_build(text: str, mode: str, build: Any) -> Any:
    try:
        tree = ast.parse(text, mode=mode)
    except (SyntaxError, ValueError, OverflowError, MemoryError, RecursionError):
        return None
    try:
        return build(_Reader(text), tree)
    except (_Decline, ParseError, RecursionError):
        return None


def _not_starred(node: Any) -> Any:
    if isinstance(node, ast.Starred):
        raise _Decline
    return node


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.ascii = text.isascii()
        self.line_starts = [0] + [match.end() for match in re.finditer("\n", text)]
        self.lines = text.split("\n") if not self.ascii else None
        self.strings = StringBuilder(text)
        self.slice_steps = 0  # how many slice steps enclose the expression being read
        if self.ascii:  # columns are CPython's byte offsets plus one
            self.span = self._ascii_span  # type: ignore[method-assign]
            self.start = self._ascii_start  # type: ignore[method-assign]

    # -- positions ------------------------------------------------------------------------------------

    def column(self, line: int, byte_offset: int) -> int:
        """1-based character column of CPython's 0-based UTF-8 byte offset."""
        if self.ascii:
            return byte_offset + 1
        text = self.lines[line - 1]
        if text.isascii():
            return byte_offset + 1
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", "replace")) + 1

    def span(self, node: Any) -> Span:
        return Span(node.lineno, self.column(node.lineno, node.col_offset), node.end_lineno,
                    self.column(node.end_lineno, node.end_col_offset))

    def _ascii_span(self, node: Any) -> Span:
        return Span(node.lineno, node.col_offset + 1, node.end_lineno, node.end_col_offset + 1)

    def _ascii_start(self, node: Any) -> int:
        return self.line_starts[node.lineno - 1] + node.col_offset

    def start(self, node: Any) -> int:
        return self.line_starts[node.lineno - 1] + self.column(node.lineno, node.col_offset) - 1

    def end(self, node: Any) -> int:
        return self.line_starts[node.end_lineno - 1] + self.column(node.end_lineno, node.end_col_offset) - 1

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1

    def span_of(self, start: int, end: int) -> Span:
        line, column = self.position(start)
        end_line, end_column = self.position(end)
        return Span(line, column, end_line, end_column)

    def newline_end(self, offset: int) -> int:
        """Where the grammar's _NEWLINE token after a statement ending at `offset` ends."""
        after = _AFTER_STATEMENT.match(self.text, offset).end()
        match = _NEWLINE_TOKEN.match(self.text, after)
        if match is None:
            raise _Decline
        return match.end()

    def code(self, lo: int, hi: int) -> str:
        """text[lo:hi] with its comments blanked out (the same length). Only for the text between two nodes
        (brackets, keywords, commas, spaces), where there is no string literal, so a '#' starts a comment."""
        region = self.text[lo:hi]
        if "#" in region:
            region = _COMMENT.sub(lambda comment: " " * len(comment.group()), region)
        return region

    def opening_parens(self, lo: int, start: int) -> int:
        """How many grouping parentheses open in text[lo:start] (only spaces and '(' expected there)."""
        region = self.code(lo, start)
        if region.strip(" \t\n\\(") != "":
            raise _Decline
        return region.count("(")

    def first_paren(self, lo: int, start: int) -> int:
        """The offset of the first '(' in text[lo:start] (which opening_parens found there)."""
        return lo + self.code(lo, start).index("(")

    def after_closing(self, end: int, count: int) -> int:
        """The offset after `count` closing parentheses that follow `end` (spaces between)."""
        text = self.text
        for _ in range(count):
            end = _SPACE.match(text, end).end()
            if end >= len(text) or text[end] != ")":
                raise _Decline
            end += 1
        return end

    def keyword_end(self, lo: int, hi: int, word: str) -> int:
        """The offset after the last `word` in text[lo:hi] (a keyword between two expressions)."""
        found = self.code(lo, hi).rfind(word)
        if found < 0:
            raise _Decline
        return lo + found + len(word)

    def container_end(self, node: Any, lo: int) -> int:
        """The end of `node` with the grouping parentheses that open between `lo` and its start."""
        end = self.end(node)
        opens = self.opening_parens(lo, self.start(node))
        return self.after_closing(end, opens) if opens else end

    def name(self, name: str, offset: int) -> str:
        """The name CPython read at `offset`, if written so: CPython normalizes identifiers (NFKC, so `ｘ`
        reads as `x`) and allows a few characters the grammar's NAME does not."""
        if self.ascii:
            return name
        if self.text[offset:offset + len(name)] != name or not _NAME.fullmatch(name):
            raise _Decline
        return name

    def ascii_source(self, node: Any) -> None:
        """Decline a node whose names CPython may have normalized (found in text that is not ASCII)."""
        if not self.ascii and not self.text[self.start(node):self.end(node)].isascii():
            raise _Decline

    # -- statements -----------------------------------------------------------------------------------

    def block(self, statements: list[Any]) -> list[Any]:
        out = []
        try:
            for statement in statements:
                out.append(_STATEMENTS[type(statement)](self, statement))
        except KeyError:
            raise _Decline from None
        return out

    def compound_span(self, node: Any, last: Any) -> Span:
        """From the statement's keyword to the end of the _NEWLINE token after `last`, its last statement."""
        start = self.start(node)
        return self.span_of(start, self.newline_end(self.end(last)))

    def expr_stmt(self, node: ast.Expr) -> nodes.ExprStmt:
        if isinstance(node.value, ast.Starred):
            raise _Decline
        return nodes.ExprStmt(self.expr(node.value), self.span(node))

    def assign(self, node: ast.Assign) -> nodes.Assign:
        if isinstance(node.value, ast.Starred):
            raise _Decline
        targets = [self.target(target) for target in node.targets]
        return nodes.Assign(targets, self.expr(node.value), self.span(node))

    def target(self, node: Any) -> Any:
        """An assignment target, with the grammar builder's checks CPython's parser leaves to its compiler (one
        starred item, and only inside a tuple or list: `*x = 1` is the grammar's error)."""
        if isinstance(node, ast.Starred):
            raise _Decline
        if isinstance(node, (ast.Tuple, ast.List)):
            if sum(isinstance(element, ast.Starred) for element in node.elts) > 1:
                raise _Decline
            for element in node.elts:
                self.target(element.value if isinstance(element, ast.Starred) else element)
        return self.expr(node) if node is not None else None

    def no_starred_tuple(self, node: Any) -> None:
        """Decline `*a, b` without parentheses where the grammar reads a testlist (an augmented assignment's
        value, a `for` iterable), which has no starred items: CPython accepts it there, the grammar reports the
        error. (A tuple's span starts at its `(` when it has one, at its first item when not.)"""
        if (isinstance(node, ast.Tuple) and any(isinstance(element, ast.Starred) for element in node.elts)
                and self.start(node) == self.start(node.elts[0])):
            raise _Decline

    def aug_assign(self, node: ast.AugAssign) -> nodes.AugAssign:
        self.no_starred_tuple(node.value)
        return nodes.AugAssign(self.expr(node.target), _BINARY[type(node.op)], self.expr(node.value),
                               self.span(node))

    def ann_assign(self, node: ast.AnnAssign) -> Any:
        if node.value is None:
            return nodes.Pass(self.span(node))
        if isinstance(node.value, ast.Starred):
            raise _Decline
        return nodes.Assign([self.expr(node.target)], self.expr(node.value), self.span(node))

    def pass_stmt(self, node: ast.Pass) -> nodes.Pass:
        return nodes.Pass(self.span(node))

    def break_stmt(self, node: ast.Break) -> nodes.Break:
        return nodes.Break(self.span(node))

    def continue_stmt(self, node: ast.Continue) -> nodes.Continue:
        return nodes.Continue(self.span(node))

    def return_stmt(self, node: ast.Return) -> nodes.Return:
        if isinstance(node.value, ast.Starred):
            raise _Decline
        return nodes.Return(self.expr(node.value) if node.value is not None else None, self.span(node))

    def global_stmt(self, node: ast.Global) -> nodes.Global:
        return nodes.Global(self.names(node), self.span(node))

    def nonlocal_stmt(self, node: ast.Nonlocal) -> nodes.Nonlocal:
        return nodes.Nonlocal(self.names(node), self.span(node))

    def names(self, node: ast.Global | ast.Nonlocal) -> list[str]:
        if not self.ascii:  # the names as written, not as CPython normalized them
            found = _NAME_LIST.match(self.text, self.start(node))
            if found is None or _COMMA.split(found.group(1)) != node.names:
                raise _Decline
        return list(node.names)

    def delete(self, node: ast.Delete) -> nodes.Delete:
        targets = node.targets
        if len(targets) == 1 and isinstance(targets[0], ast.Tuple):
            targets = targets[0].elts  # the grammar reads `del (a, b)` as `del a, b`
        return nodes.Delete([self.expr(target) for target in targets], self.span(node))

    def assert_stmt(self, node: ast.Assert) -> nodes.Assert:
        return nodes.Assert(self.expr(node.test), self.expr(node.msg) if node.msg is not None else None,
                            self.span(node))

    def alias(self, node: ast.alias) -> nodes.Alias:
        self.ascii_source(node)
        return nodes.Alias(node.name, node.asname, self.span(node))

    def import_name(self, node: ast.Import) -> nodes.Import:
        return nodes.Import([self.alias(name) for name in node.names], self.span(node))

    def import_from(self, node: ast.ImportFrom) -> nodes.ImportFrom:
        if node.level or node.module is None:
            raise _Decline
        return nodes.ImportFrom(node.module, [self.alias(name) for name in node.names], self.span(node))

    def if_stmt(self, node: ast.If, elif_clause: bool = False) -> nodes.If:
        body = self.block(node.body)
        orelse: list[Any] = []
        if len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If) and self.text.startswith(
                "elif", self.start(node.orelse[0])):
            orelse = [self.if_stmt(node.orelse[0], elif_clause=True)]
        elif node.orelse:
            orelse = self.block(node.orelse)
        # An elif's node spans its own clause only; the first `if` spans every clause.
        last = node.body[-1] if elif_clause else node
        return nodes.If(self.expr(node.test), body, orelse, self.compound_span(node, last))

    def while_stmt(self, node: ast.While) -> nodes.While:
        return nodes.While(self.expr(node.test), self.block(node.body), self.block(node.orelse),
                           self.compound_span(node, node))

    def for_stmt(self, node: ast.For) -> nodes.For:
        self.no_starred_tuple(node.iter)
        return nodes.For(self.target(node.target), self.expr(node.iter), self.block(node.body),
                         self.block(node.orelse), self.compound_span(node, node))

    def with_stmt(self, node: ast.With) -> nodes.With:
        # `with (a, b):` is one tuple item to the grammar, two items to CPython (`with (a,):` one each): an
        # item's grouping parentheses must close right after its expression, or the reader declines.
        lo = self.start(node) + len("with")
        items = []
        for index, item in enumerate(node.items):
            context = item.context_expr
            start = self.start(context)
            if index:
                comma = self.code(lo, start).find(",")
                if comma < 0:
                    raise _Decline
                lo += comma + 1
            opens = self.opening_parens(lo, start)
            if opens:
                start = self.first_paren(lo, start)
            end = self.container_end(context, lo)
            target = None
            if item.optional_vars is not None:
                target = self.target(item.optional_vars)
                end = self.container_end(item.optional_vars,
                                         self.keyword_end(end, self.start(item.optional_vars), "as"))
            items.append(nodes.WithItem(self.expr(context), target, self.span_of(start, end)))
            lo = end
        return nodes.With(items, self.block(node.body), self.compound_span(node, node))

    def function_def(self, node: ast.FunctionDef) -> nodes.FunctionDef:
        if getattr(node, "type_params", None):
            raise _Decline
        start = self.start(node)
        match = _DEF_NAME.match(self.text, start)
        if match is None or match.group(1) != node.name:
            raise _Decline
        span = self.compound_span(node, node)
        close = self.text.find(")", match.end())
        header_end = close + 1 if close >= 0 else match.end()
        line, column = self.position(header_end)
        header = Span(span.line, span.column, line, column)
        decorators = [self.expr(decorator) for decorator in node.decorator_list]
        return nodes.FunctionDef(node.name, self.parameters(node.args), self.block(node.body), span, header,
                                 decorators)

    def class_def(self, node: ast.ClassDef) -> nodes.ClassDef:
        if getattr(node, "type_params", None):
            raise _Decline
        match = _CLASS_NAME.match(self.text, self.start(node))
        if match is None or match.group(1) != node.name:
            raise _Decline
        decorators = [self.expr(decorator) for decorator in node.decorator_list]
        bases = [self.expr(base) for base in node.bases]
        keywords = self.keywords(node.keywords)
        span = self.compound_span(node, node)
        # The grammar's header: to the name, or to the first `)` after the last argument (after the name
        # when the parentheses are empty).
        header_end = match.end()
        after_name = header_end
        while self.text[after_name] in " \t":
            after_name += 1
        if self.text[after_name] == "(":
            ends = [(part.span.end_line, part.span.end_column) for part in [*bases, *keywords]]
            start = header_end
            if ends:
                line, column = max(ends)
                start = self.line_starts[line - 1] + column - 1
            close = self.text.find(")", start)
            if close >= 0:
                header_end = close + 1
        line, column = self.position(header_end)
        header = Span(span.line, span.column, line, column)
        return nodes.ClassDef(node.name, bases, keywords, self.block(node.body), span, header, decorators)

    def try_stmt(self, node: ast.Try) -> nodes.Try:
        handlers = []
        for index, handler in enumerate(node.handlers):
            if handler.type is None and index < len(node.handlers) - 1:
                raise _Decline  # "default 'except:' must be last": CPython's compiler finds it, not its parser
            if handler.name is not None and not self.ascii:  # the name as written, not as CPython normalized it
                type_end = self.container_end(handler.type, self.start(handler) + len("except"))
                found = _AS_NAME.match(self.text, type_end)
                if found is None or found.group(1) != handler.name:
                    raise _Decline
            handlers.append(nodes.ExceptHandler(self.expr(handler.type) if handler.type is not None else None,
                                                handler.name, self.block(handler.body),
                                                self.compound_span(handler, handler)))
        return nodes.Try(self.block(node.body), handlers, self.block(node.orelse), self.block(node.finalbody),
                         self.compound_span(node, node))

    def raise_stmt(self, node: ast.Raise) -> nodes.Raise:
        exc = self.expr(node.exc) if node.exc is not None else None
        cause = self.expr(node.cause) if node.cause is not None else None
        return nodes.Raise(exc, cause, self.span(node), from_cause=cause is not None)

    def parameters(self, arguments: ast.arguments) -> list[nodes.Param]:
        if arguments.posonlyargs:
            raise _Decline
        params = []
        positional = arguments.args
        defaults = [None] * (len(positional) - len(arguments.defaults)) + list(arguments.defaults)
        for arg, default in zip(positional, defaults):
            params.append(self.param(arg, default, "positional"))
        if arguments.vararg is not None:
            params.append(self.param(arguments.vararg, None, "varargs", "*"))
        for arg, default in zip(arguments.kwonlyargs, arguments.kw_defaults):
            params.append(self.param(arg, default, "keyword_only"))
        if arguments.kwarg is not None:
            params.append(self.param(arguments.kwarg, None, "varkw", "**"))
        names = [param.name for param in params]
        if len(set(names)) != len(names):
            raise _Decline
        return params

    def param(self, arg: ast.arg, default: Any, kind: str, stars: str = "") -> nodes.Param:
        start = self.start(arg)
        if stars:
            text = self.text
            while start > 0 and text[start - 1] in " \t":
                start -= 1
            start -= len(stars)
            if start < 0 or not text.startswith(stars, start):
                raise _Decline
        end = self.end(arg)
        value = None
        if default is not None:
            end = self.container_end(default, self.keyword_end(end, self.start(default), "="))
            value = self.expr(default)
        return nodes.Param(self.name(arg.arg, self.start(arg)), value, kind, self.span_of(start, end))

    # -- expressions ----------------------------------------------------------------------------------

    def expr(self, node: Any) -> Any:
        method = _EXPRESSIONS.get(type(node))
        if method is None:
            raise _Decline
        return method(self, node)

    def name_expr(self, node: ast.Name) -> nodes.Name:
        if self.ascii:
            return nodes.Name(node.id, self.span(node))
        return nodes.Name(self.name(node.id, self.start(node)), self.span(node))

    def constant(self, node: ast.Constant) -> Any:
        value = node.value
        kind = type(value)
        if kind is str:
            return self.string(node)
        if kind is int or kind is float or kind is bool or value is None or value is Ellipsis or (
                kind is complex and self.slice_steps):
            return nodes.Constant(value, self.span(node))
        raise _Decline  # bytes, and complex numbers outside a slice's step

    def string(self, node: Any) -> Any:
        """Adjacent string literals: the grammar's tokens found in the node's text, built as the grammar does."""
        text = self.text
        position = self.start(node)
        end = self.end(node)
        tokens = []
        while position < end:
            match = _STRING_LONG.match(text, position) or _STRING_SHORT.match(text, position)
            if match is None or match.end() > end:
                raise _Decline
            tokens.append((match.group(), position, self.span_of(position, match.end())))
            position = _BETWEEN_STRINGS.match(text, match.end()).end()
            if position > end:
                position = end
        return self.strings.strings(tokens, self.span(node))

    def list_expr(self, node: ast.List) -> nodes.List:
        return nodes.List([self.expr(element) for element in node.elts], self.span(node))

    def tuple_expr(self, node: ast.Tuple) -> nodes.Tuple:
        return nodes.Tuple([self.expr(element) for element in node.elts], self.span(node))

    def dict_expr(self, node: ast.Dict) -> nodes.Dict:
        return nodes.Dict([self.expr(key) if key is not None else None for key in node.keys],
                          [self.expr(value) for value in node.values], self.span(node))

    def starred(self, node: ast.Starred) -> nodes.Starred:
        return nodes.Starred(self.expr(node.value), self.span(node))

    def binary(self, node: ast.BinOp) -> nodes.BinOp:
        op = _BINARY[type(node.op)]
        left, right = self.expr(node.left), self.expr(node.right)
        if op == "**":
            return nodes.BinOp(op, left, right, self.span(node))
        # The grammar's builder joins the operands' own spans (parentheses around them left out).
        return nodes.BinOp(op, left, right, Span(left.span.line, left.span.column, right.span.end_line,
                                                 right.span.end_column))

    def unary(self, node: ast.UnaryOp) -> nodes.UnaryOp:
        return nodes.UnaryOp(_UNARY[type(node.op)], self.expr(node.operand), self.span(node))

    def bool_op(self, node: ast.BoolOp) -> nodes.BoolOp:
        return nodes.BoolOp("and" if isinstance(node.op, ast.And) else "or",
                            [self.expr(value) for value in node.values], self.span(node))

    def compare(self, node: ast.Compare) -> nodes.Compare:
        return nodes.Compare(self.expr(node.left), [_COMPARE[type(op)] for op in node.ops],
                             [self.expr(value) for value in node.comparators], self.span(node))

    def if_exp(self, node: ast.IfExp) -> nodes.IfExp:
        return nodes.IfExp(self.expr(node.test), self.expr(node.body), self.expr(node.orelse), self.span(node))

    def call(self, node: ast.Call) -> nodes.Call:
        func = self.expr(node.func)
        keywords = self.keywords(node.keywords)
        span = self.span(node)
        if (len(node.args) == 1 and not node.keywords and isinstance(node.args[0], ast.GeneratorExp)
                and self.end(node.args[0]) == self.end(node)):
            # `f(x for x in y)`: the grammar's generator runs from its element to its last clause.
            generator = node.args[0]
            lo = self.start(generator) + 1
            element_start = self.start(generator.elt)
            opens = self.opening_parens(lo, element_start)
            start = self.first_paren(lo, element_start) if opens else element_start
            element = self.expr(generator.elt)
            generators, end = self.comprehensions(generator.generators, self.container_end(generator.elt, lo))
            args = [nodes.GeneratorExp(element, generators, self.span_of(start, end))]
        else:
            args = [self.expr(arg) for arg in node.args]
        return nodes.Call(func, args, keywords, span)

    def keywords(self, keywords: list[ast.keyword]) -> list[nodes.Keyword]:
        """A call's or a class's keyword arguments, with the grammar builder's check for a repeated one."""
        out = []
        seen = set()
        for keyword in keywords:
            if keyword.arg is not None:
                if keyword.arg in seen:
                    raise _Decline
                seen.add(keyword.arg)
                self.name(keyword.arg, self.start(keyword))
            out.append(nodes.Keyword(keyword.arg, self.expr(keyword.value), self.span(keyword)))
        return out

    def attribute(self, node: ast.Attribute) -> nodes.Attribute:
        self.name(node.attr, self.end(node) - len(node.attr))
        return nodes.Attribute(self.expr(node.value), node.attr, self.span(node))

    def subscript(self, node: ast.Subscript) -> nodes.Subscript:
        index = node.slice
        if isinstance(index, ast.Tuple) and len(index.elts) == 1 and isinstance(index.elts[0], ast.Starred):
            raise _Decline  # `a[*b]`: a tuple to CPython, the Starred itself to the grammar
        return nodes.Subscript(self.expr(node.value), self.expr(node.slice), self.span(node))

    def slice_expr(self, node: ast.Slice) -> nodes.Slice:
        lower, upper = (self.expr(part) if part is not None else None for part in (node.lower, node.upper))
        step = None
        if node.step is not None:
            self.slice_steps += 1  # the one place an imaginary literal may be (np.mgrid[0:1:5j])
            try:
                step = self.expr(node.step)
            finally:
                self.slice_steps -= 1
        return nodes.Slice(lower, upper, step, self.span(node))

    def comprehensions(self, generators: list[ast.comprehension], lo: int) -> tuple[list[Any], int]:
        """The `for ... in ... if ...` clauses after offset `lo`, and where the last one ends."""
        out = []
        for generator in generators:
            if generator.is_async:
                raise _Decline
            target_start = self.start(generator.target)
            start = self.keyword_end(lo, target_start, "for") - len("for")
            target = self.target(generator.target)
            target_end = self.container_end(generator.target, start + len("for"))
            end = self.container_end(generator.iter, self.keyword_end(target_end, self.start(generator.iter), "in"))
            ifs = []
            for condition in generator.ifs:
                end = self.container_end(condition, self.keyword_end(end, self.start(condition), "if"))
                ifs.append(self.expr(condition))
            out.append(nodes.Comprehension(target, self.expr(generator.iter), ifs, self.span_of(start, end)))
            lo = end
        return out, lo

    def list_comp(self, node: ast.ListComp) -> nodes.ListComp:
        generators, _ = self.comprehensions(node.generators, self.container_end(node.elt, self.start(node) + 1))
        return nodes.ListComp(self.expr(node.elt), generators, self.span(node))

    def generator_exp(self, node: ast.GeneratorExp) -> nodes.GeneratorExp:
        generators, _ = self.comprehensions(node.generators, self.container_end(node.elt, self.start(node) + 1))
        return nodes.GeneratorExp(self.expr(node.elt), generators, self.span(node))

    def dict_comp(self, node: ast.DictComp) -> nodes.DictComp:
        colon = self.container_end(node.key, self.start(node) + 1)
        value_lo = self.text.find(":", colon) + 1
        generators, _ = self.comprehensions(node.generators, self.container_end(node.value, value_lo))
        return nodes.DictComp(self.expr(node.key), self.expr(node.value), generators, self.span(node))

    def set_expr(self, node: ast.Set) -> nodes.Set:
        return nodes.Set([self.expr(element) for element in node.elts], self.span(node))

    def set_comp(self, node: ast.SetComp) -> nodes.SetComp:
        generators, _ = self.comprehensions(node.generators, self.container_end(node.elt, self.start(node) + 1))
        return nodes.SetComp(self.expr(node.elt), generators, self.span(node))

    def lambda_expr(self, node: ast.Lambda) -> nodes.Lambda:
        return nodes.Lambda(self.parameters(node.args), self.expr(node.body), self.span(node))

    def named_expr(self, node: ast.NamedExpr) -> nodes.NamedExpr:
        return nodes.NamedExpr(self.name_expr(node.target), self.expr(node.value), self.span(node))

    def yield_expr(self, node: ast.Yield) -> nodes.Yield:
        return nodes.Yield(self.expr(_not_starred(node.value)) if node.value is not None else None, self.span(node))

    def yield_from(self, node: ast.YieldFrom) -> nodes.YieldFrom:
        return nodes.YieldFrom(self.expr(node.value), self.span(node))




_STATEMENTS = {
    ast.Expr: _Reader.expr_stmt, ast.Assign: _Reader.assign, ast.AugAssign: _Reader.aug_assign,
    ast.AnnAssign: _Reader.ann_assign, ast.Pass: _Reader.pass_stmt, ast.Break: _Reader.break_stmt,
    ast.Continue: _Reader.continue_stmt, ast.Return: _Reader.return_stmt, ast.Global: _Reader.global_stmt,
    ast.Nonlocal: _Reader.nonlocal_stmt, ast.Delete: _Reader.delete, ast.Assert: _Reader.assert_stmt,
    ast.Import: _Reader.import_name, ast.ImportFrom: _Reader.import_from, ast.If: _Reader.if_stmt,
    ast.While: _Reader.while_stmt, ast.For: _Reader.for_stmt, ast.With: _Reader.with_stmt,
    ast.FunctionDef: _Reader.function_def, ast.ClassDef: _Reader.class_def, ast.Try: _Reader.try_stmt,
    ast.Raise: _Reader.raise_stmt,
}
_EXPRESSIONS = {
    ast.Name: _Reader.name_expr, ast.Constant: _Reader.constant, ast.JoinedStr: _Reader.string,
    ast.List: _Reader.list_expr, ast.Tuple: _Reader.tuple_expr, ast.Dict: _Reader.dict_expr,
    ast.Starred: _Reader.starred, ast.BinOp: _Reader.binary, ast.UnaryOp: _Reader.unary,
    ast.BoolOp: _Reader.bool_op, ast.Compare: _Reader.compare, ast.IfExp: _Reader.if_exp, ast.Call: _Reader.call,
    ast.Attribute: _Reader.attribute, ast.Subscript: _Reader.subscript, ast.Slice: _Reader.slice_expr,
    ast.ListComp: _Reader.list_comp, ast.GeneratorExp: _Reader.generator_exp, ast.DictComp: _Reader.dict_comp,
    ast.Set: _Reader.set_expr, ast.SetComp: _Reader.set_comp, ast.Lambda: _Reader.lambda_expr,
    ast.NamedExpr: _Reader.named_expr, ast.Yield: _Reader.yield_expr, ast.YieldFrom: _Reader.yield_from,
}
