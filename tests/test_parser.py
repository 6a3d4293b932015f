"""The parser: every construct of the language becomes the right node, with the right span; mistakes
become SyntaxErrors that say what was found and what was expected, at the right place."""

from __future__ import annotations

import pytest

from autodiff.errors import Span
from autodiff.language import nodes
from autodiff.language.parser import ParseError, input_status, parse, parse_expression


def one(source: str):
    module = parse(source, "t.py")
    assert len(module.body) == 1, module.body
    return module.body[0]


def expr(source: str):
    statement = one(source)
    assert isinstance(statement, nodes.ExprStmt)
    return statement.value


def error(source: str) -> ParseError:
    with pytest.raises(ParseError) as info:
        parse(source, "t.py")
    return info.value


# -- statements --------------------------------------------------------------------------------------


def test_assignment_and_spans():
    statement = one("x = 1\n")
    assert isinstance(statement, nodes.Assign)
    assert statement.targets == [nodes.Name("x", Span(1, 1, 1, 2))]
    assert statement.value == nodes.Constant(1, Span(1, 5, 1, 6))
    assert statement.span == Span(1, 1, 1, 6)


def test_chained_and_tuple_assignment():
    statement = one("a = b = 3")
    assert [t.id for t in statement.targets] == ["a", "b"]
    statement = one("a, b = 1, 2")
    assert isinstance(statement.targets[0], nodes.Tuple)
    assert isinstance(statement.value, nodes.Tuple)
    statement = one("first, *rest = xs")
    assert isinstance(statement.targets[0].elts[1], nodes.Starred)


def test_subscript_and_attribute_targets():
    statement = one("y[0] = x1*x2*x3")
    assert isinstance(statement.targets[0], nodes.Subscript)
    statement = one("a[:, 1] = 0")
    index = statement.targets[0].index
    assert isinstance(index, nodes.Tuple) and isinstance(index.elts[0], nodes.Slice)
    statement = one("w.data = w.data - 0.01*w.grad.data")
    assert isinstance(statement.targets[0], nodes.Attribute) and statement.targets[0].attr == "data"


@pytest.mark.parametrize("op", ["+=", "-=", "*=", "/=", "//=", "%=", "**=", "@="])
def test_augmented_assignment(op):
    for target in ("x", "a[0]", "x.y"):
        statement = one(f"{target} {op} 1")
        assert isinstance(statement, nodes.AugAssign)
        assert statement.op == op[:-1]


def test_annotated_assignment_is_plain_assignment():
    statement = one("x: float = 1.0")
    assert isinstance(statement, nodes.Assign)
    assert isinstance(one("x: float"), nodes.Pass)


def test_if_elif_else():
    statement = one("if a:\n    x = 1\nelif b:\n    x = 2\nelse:\n    x = 3\n")
    assert isinstance(statement, nodes.If)
    nested = statement.orelse[0]
    assert isinstance(nested, nodes.If) and nested.test.id == "b"
    assert nested.orelse[0].value.value == 3


def test_loops_and_flow():
    statement = one("while x < 3:\n    x += 1\n    if x: break\n    continue\nelse:\n    pass\n")
    assert isinstance(statement, nodes.While) and len(statement.body) == 3 and statement.orelse
    statement = one("for a, b in zip(xs, ys):\n    pass\n")
    assert isinstance(statement, nodes.For) and isinstance(statement.target, nodes.Tuple)


def test_function_definition():
    statement = one("def f(a, b=1, *args, c, d=2, **kw):\n    return a\n")
    assert isinstance(statement, nodes.FunctionDef)
    kinds = [(p.name, p.kind, p.default is not None) for p in statement.params]
    assert kinds == [("a", "positional", False), ("b", "positional", True), ("args", "varargs", False),
                     ("c", "keyword_only", False), ("d", "keyword_only", True), ("kw", "varkw", False)]
    assert isinstance(statement.body[0], nodes.Return)
    assert statement.header == Span(1, 1, 1, 35)


def test_with_import_global_del_assert():
    statement = one("with torch.no_grad() as g, enable_grad():\n    pass\n")
    assert isinstance(statement, nodes.With) and len(statement.items) == 2
    assert statement.items[0].target.id == "g"
    assert one("import torch.nn as nn").names == [nodes.Alias("torch.nn", "nn", Span(1, 8, 1, 22))]
    statement = one("from torch import ones, tensor as T")
    assert statement.module == "torch" and [(a.name, a.asname) for a in statement.names] == [
        ("ones", None), ("tensor", "T")]
    assert one("from torch.autograd import Variable").module == "torch.autograd"
    assert one("from torch import *").names[0].name == "*"
    assert one("global a, b").names == ["a", "b"]
    assert isinstance(one("del x, y[0]"), nodes.Delete)
    assert one("assert x, 'message'").msg.value == "message"


def test_semicolons_blank_lines_comments_and_continuations():
    source = ("# coding utf-8\n\nx = 1; y = 2;\n\n# 中文注释\nif x:\n\n    z = (1 +\n         2)  # 注释\n\n"
              "    w = 1 + \\\n        2\n\n")
    module = parse(source)
    assert [type(s).__name__ for s in module.body] == ["Assign", "Assign", "If"]
    assert len(module.body[2].body) == 2


def test_crlf_tabs_and_no_trailing_newline():
    module = parse("if x:\r\n\ty = 1\r\nz = 2")
    assert len(module.body) == 2


# -- expressions --------------------------------------------------------------------------------------


def test_literals():
    assert expr("1e-3").value == 1e-3
    assert expr("0x1F").value == 31
    assert expr("1_000").value == 1000
    assert expr(".5").value == 0.5
    assert expr("'a\\tb\\u00e9' \"c\"").value == "a\tb\u00e9c"
    assert expr("r'\\n'").value == "\\n"
    assert expr("'''multi\nline'''").value == "multi\nline"
    assert expr("'中文'").value == "中文"
    assert [expr(s).value for s in ("True", "False", "None", "...")] == [True, False, None, Ellipsis]


def test_displays():
    assert isinstance(expr("()"), nodes.Tuple) and expr("()").elts == []
    assert len(expr("(x,)").elts) == 1
    assert isinstance(expr("(x)"), nodes.Name)
    assert isinstance(expr("[1, 2,]"), nodes.List)
    dictionary = expr("{'a': 1, **m}")
    assert isinstance(dictionary, nodes.Dict) and dictionary.keys[1] is None


def test_operators_and_precedence():
    node = expr("a + b * c ** -d @ e")
    assert node.op == "+" and node.right.op == "@"
    assert node.right.left.op == "*" and node.right.left.right.op == "**"
    assert expr("-x ** 2").op == "-"
    assert expr("a // b % c").op == "%"
    assert expr("~a").op == "~"
    assert expr("not a").op == "not"


def test_comparisons_and_boolean_operators():
    node = expr("a < b <= c != d")
    assert node.ops == ["<", "<=", "!="]
    assert expr("a not in b").ops == ["not in"]
    assert expr("a is not None").ops == ["is not"]
    node = expr("a and b or not c")
    assert node.op == "or" and node.values[0].op == "and"
    node = expr("x if c else y")
    assert isinstance(node, nodes.IfExp) and node.test.id == "c"


def test_calls():
    node = expr("f(a, b=2, *c, **d)")
    assert isinstance(node, nodes.Call)
    assert isinstance(node.args[1], nodes.Starred)
    assert [k.name for k in node.keywords] == ["b", None]
    node = expr("x.backward(torch.ones(2, 2))")
    assert isinstance(node.func, nodes.Attribute) and node.func.attr == "backward"
    node = expr("sum(x * x for x in xs)")
    assert isinstance(node.args[0], nodes.GeneratorExp)


def test_subscripts_and_slices():
    assert expr("a[0]").index.value == 0
    assert expr("a[-1]").index.op == "-"
    node = expr("a[1:3]").index
    assert isinstance(node, nodes.Slice) and node.step is None
    node = expr("a[::2]").index
    assert node.lower is None and node.upper is None and node.step.value == 2
    node = expr("a[:, 0]").index
    assert isinstance(node, nodes.Tuple) and isinstance(node.elts[0], nodes.Slice)
    node = expr("a[..., None]").index
    assert node.elts[0].value is Ellipsis and node.elts[1].value is None


def test_comprehensions():
    node = expr("[f(x) for x in xs if c if d for y in x]")
    assert isinstance(node, nodes.ListComp) and len(node.generators) == 2
    assert len(node.generators[0].ifs) == 2
    assert isinstance(expr("{k: v for k, v in d}"), nodes.DictComp)
    assert isinstance(expr("(x for x in y)"), nodes.GeneratorExp)


def test_fstrings():
    node = expr("f'x={x:.3f} {y!r} {z=} {{lit}} {w:{width}.{p}f}'")
    assert isinstance(node, nodes.JoinedStr)
    kinds = [type(p).__name__ for p in node.parts]
    assert kinds == ["Constant", "FormattedValue", "Constant", "FormattedValue", "Constant", "FormattedValue",
                     "Constant", "FormattedValue"]
    first = node.parts[1]
    assert first.value.id == "x" and first.format_spec.parts[0].value == ".3f"
    assert first.value.span == Span(1, 6, 1, 7)
    assert node.parts[3].conversion == "r"
    assert node.parts[4].value.endswith("z=")
    assert node.parts[5].conversion == "r"
    assert isinstance(node.parts[7].format_spec.parts[0], nodes.FormattedValue)
    node = expr("f'{d[\"k\"]} {f(a, b)}' 'tail'")
    assert isinstance(node.parts[0].value, nodes.Subscript) and node.parts[-1].value.endswith("tail")


def test_parse_expression():
    node = parse_expression("a + 1")
    assert isinstance(node, nodes.BinOp) and node.span == Span(1, 1, 1, 6)


# -- errors -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("source, message, line, column", [
    ("x = )", "unmatched ')'", 1, 5),
    ("x = (1 +)", "unexpected ')': expected an expression", 1, 9),
    ("print(x))", "unmatched ')'", 1, 9),
    ("x = foo(1,\ny = 2\n", "'(' was never closed", 1, 8),
    ("x = [1, 2", "'[' was never closed", 1, 5),
    ("(1]", "closing parenthesis ']' does not match opening parenthesis '('", 1, 3),
    ("if x\n  pass\n", "expected ':'", 1, 5),
    ("print(1 2)", "unexpected number '2': expected ',' or ')'", 1, 9),
    ("x = 1 if y", "expected 'else'", 1, 11),
    ("x = 'abc\n", "unterminated string literal", 1, 5),
    ("x = '''abc\n", "unterminated triple-quoted string literal", 1, 5),
    ("x = $", "invalid character '$'", 1, 5),
    ("x = 1，2", "invalid character '，' (U+FF0C)", 1, 6),
    ("f() = 3", "cannot assign to function call", 1, 1),
    ("1 = x", "cannot assign to literal", 1, 1),
    ("a, b += 1", "'tuple' is an illegal expression for augmented assignment", 1, 1),
    ("f(a=1, 2)", "positional argument follows keyword argument", 1, 8),
    ("f(x=1, x=2)", "keyword argument repeated: x", 1, 8),
    ("def f(a=1, b): pass", "non-default argument follows default argument", 1, 12),
    ("def f(a, a): pass", "duplicate argument 'a' in function definition", 1, 10),
    ("x = class", "unexpected keyword 'class': expected an expression", 1, 5),
    ("print 'hi'", "missing parentheses in call to 'print'", 1, 7),
    ("f'{x'", "f-string: expecting '}'", 1, 3),
    ("f'}'", "f-string: single '}' is not allowed", 1, 3),
    ("x = 1j", "complex numbers are not supported in autodiff scripts", 1, 5),
    ("b'x'", "bytes literals are not supported in autodiff scripts", 1, 1),
    ("from . import x", "relative imports are not supported in autodiff scripts", 1, 1),
])
def test_syntax_errors(source, message, line, column):
    err = error(source)
    assert err.category == "SyntaxError"
    assert err.message == message
    assert (err.span.line, err.span.column) == (line, column)


@pytest.mark.parametrize("source, message, line", [
    ("  x = 1", "unexpected indent", 1),
    ("x = 1\n    y = 2\n", "unexpected indent", 2),
    ("if x:\npass\n", "expected an indented block after 'if' statement on line 1", 2),
    ("def f():\n\nx = 1\n", "expected an indented block after function definition on line 1", 3),
    ("while x:\n    pass\n  y\n", "unindent does not match any outer indentation level", 3),
])
def test_indentation_errors(source, message, line):
    err = error(source)
    assert err.category == "IndentationError"
    assert err.message == message
    assert err.span.line == line


def test_tab_error():
    err = error("for x in y:\n\tif x:\n        pass\n")
    assert err.category == "TabError" and err.span.line == 3
    assert "inconsistent use of tabs and spaces" in err.message


@pytest.mark.parametrize("source, what, column", [
    ("async def f(): pass", "`async` code is", 1),
    ("x = await y", "`await` is", 5),
    ("x = [y async for y in z]", "`async` code is", 8),
])
def test_unsupported_constructs_are_named(source, what, column):
    err = error(source)
    assert err.message == f"{what} not supported in autodiff scripts"
    assert err.span.column == column


def test_deep_nesting_is_a_clear_error():
    assert error("x = " + "(" * 250 + "1" + ")" * 250).message == "too many nested parentheses"
    parse("x = " + "(" * 150 + "1" + ")" * 150)


def test_input_status_for_a_repl():
    assert input_status("x = 1") == "complete"
    assert input_status("") == "complete"
    assert input_status("x = (1,") == "incomplete"
    assert input_status("if x:") == "incomplete"
    assert input_status("for i in y:\n    z = 1\n") == "incomplete"
    assert input_status("for i in y:\n    z = 1\n\n") == "complete"
    assert input_status("s = '''abc") == "incomplete"
    assert input_status("x = 1 +\\\n") == "incomplete"
    assert input_status("x = )") == "invalid"
    assert input_status("class A: pass") == "incomplete"
    assert input_status("class A: pass\n\n") == "complete"
    assert input_status("try:\n    x = 1\nexcept ValueError:\n    pass\n") == "incomplete"


@pytest.mark.parametrize("source, message, line", [
    ("try:\n    pass\n", "expected 'except' or 'finally' block", 1),
    ("try:\n    pass\nelse:\n    pass\n", "expected 'except' or 'finally' block", 1),
    ("try:\n    pass\nexcept:\n    pass\nexcept E:\n    pass\n", "default 'except:' must be last", 3),
    ("lambda x, x: 1", "duplicate argument 'x' in function definition", 1),
    ("lambda *, k=1, **kw, z: 1", "arguments cannot follow var-keyword argument", 1),
    ("x = (yield from)", "unexpected ')': expected an expression", 1),
])
def test_errors_in_the_newer_constructs(source, message, line):
    err = error(source)
    assert err.category == "SyntaxError" and err.message == message and err.span.line == line


def test_the_newer_constructs_parse_to_nodes():
    module = parse("@d\nclass A(B):\n    x = lambda a, *b, c=1, **d: a\ntry:\n    raise E from None\n"
                   "except (E, F) as e:\n    pass\nelse:\n    s = {1, *t}\nfinally:\n"
                   "    u = {v for v in w if (n := v)}\n")
    cls, statement = module.body
    assert isinstance(cls, nodes.ClassDef) and cls.name == "A" and [b.id for b in cls.bases] == ["B"]
    assert [d.id for d in cls.decorators] == ["d"] and (cls.header.line, cls.header.end_column) == (2, 11)
    function = cls.body[0].value
    assert isinstance(function, nodes.Lambda) and [p.kind for p in function.params] == [
        "positional", "varargs", "keyword_only", "varkw"]
    assert isinstance(statement, nodes.Try) and statement.handlers[0].name == "e"
    assert statement.body[0].from_cause and isinstance(statement.body[0].cause, nodes.Constant)
    assert isinstance(statement.orelse[0].value, nodes.Set)
    comprehension = statement.finalbody[0].value
    assert isinstance(comprehension, nodes.SetComp)
    assert isinstance(comprehension.generators[0].ifs[0], nodes.NamedExpr)
    generator = parse("def g():\n    x = yield 1\n    yield from x\n").body[0]
    assert isinstance(generator.body[0].value, nodes.Yield)
    assert isinstance(generator.body[1].value, nodes.YieldFrom)


def test_incomplete_flag():
    assert error("x = (1,").incomplete
    assert not error("x = )").incomplete


@pytest.mark.slow
def test_parser_cache_is_written_reused_and_survives_damage(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "AUTODIFF_CACHE_DIR": str(tmp_path)}
    command = [sys.executable, "-c", "from autodiff.language.parser import grammar_parse; "
               "print(type(grammar_parse('x = 1\\n')).__name__)"]
    assert subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout == "Module\n"
    (cache,) = tmp_path.glob("parser-*.pickle")
    cache.write_bytes(b"not a pickle")
    assert subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout == "Module\n"
    assert cache.read_bytes() != b"not a pickle"
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    assert done.stdout == "Module\n" and done.stderr == ""
