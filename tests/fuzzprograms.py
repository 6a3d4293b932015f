"""Hypothesis strategies for whole autodiff scripts in the subset autodiff shares with PyTorch.

`programs()` draws scripts that are mostly valid: each expression is built for a target shape (elementwise
ops over broadcastable operands, matmul with matching inner sizes, reductions, views, indexing, cat/stack,
where, softmax, losses), so most programs run to the end; a few operands are drawn with a wrong shape or type
on purpose so that error paths are exercised too. Statements cover assignment, user functions with defaults
and keywords, for/while loops, if/else, no_grad blocks, in-place updates, retain_grad, prints, backward with and
without retain_graph, autograd.grad and list/dict/tuple values, and the Python teaching code is written in:
classes (plain ones with dunders, nn.Module subclasses with a Parameter), lambdas, decorators (a script's own and
torch.no_grad()), generators and try/except around operations that may fail. The same text runs under autodiff
and under real PyTorch (`import torch` plus Python builtins), so results can be compared.
"""

from __future__ import annotations

from hypothesis import strategies as st

SHAPES = [(), (1,), (2,), (3,), (2, 3), (3, 2), (1, 3), (2, 1), (2, 2), (2, 1, 3), (2, 3, 2)]
VALUES = [-2.0, -1.5, -1.0, -0.75, -0.5, -0.25, 0.1, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0]

UNARY = [
    "torch.exp({})", "torch.tanh({})", "torch.sigmoid({})", "torch.relu({})", "torch.sin({})", "torch.cos({})",
    "({}).abs()", "(-({}))", "(({}) ** 2)", "torch.sqrt(({}).abs() + 1)", "torch.log(({}).abs() + 1)",
    "({}).clamp(min=-1.0, max=1.0)", "({}).tanh()", "({}).exp()", "(({}) * 0.5)", "(2.0 - ({}))",
    "(1.0 / (({}) ** 2 + 1))", "torch.nn.functional.gelu({})", "torch.nn.functional.leaky_relu({}, 0.1)",
    "torch.nn.functional.elu({})", "torch.square({})", "torch.atan({})", "({}).sigmoid()", "torch.erf({})",
    "(({}) ** 3)", "torch.pow({}, 2)", "({}).clone()", "({}).detach()",
]
BINARY = ["({} + {})", "({} - {})", "({} * {})", "({} / (({}) ** 2 + 1))", "torch.maximum({}, {})",
          "torch.minimum({}, {})", "torch.add({}, {})", "torch.mul({}, {})", "torch.sub({}, {})"]


def _numel(shape: tuple[int, ...]) -> int:
    total = 1
    for n in shape:
        total *= n
    return total


def _literal(draw: st.DrawFn, shape: tuple[int, ...]) -> str:
    if not shape:
        return repr(draw(st.sampled_from(VALUES)))
    return "[" + ", ".join(_literal(draw, shape[1:]) for _ in range(shape[0])) + "]"


def _broadcastable(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[int, ...]:
    """A shape that broadcasts to `shape` without growing it (a suffix, with some sizes set to 1)."""
    start = draw(st.integers(0, len(shape)))
    return tuple(1 if draw(st.integers(0, 3)) == 0 else n for n in shape[start:])


class Context:
    """The variables in scope, with their shapes, while drawing one program."""

    def __init__(self, dtype: str = ", dtype=torch.float64") -> None:
        self.variables: list[tuple[str, tuple[int, ...]]] = []
        self.counter = 0
        self.dtype = dtype  # the keyword every tensor literal gets ("" for the default float32)

    def fresh(self, prefix: str = "v") -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"


def expression(draw: st.DrawFn, ctx: Context, shape: tuple[int, ...], depth: int) -> str:
    """An expression whose value is a float tensor of exactly `shape` (most of the time)."""
    same = [name for name, s in ctx.variables if s == shape]
    if depth <= 0 or draw(st.integers(0, 5)) == 0:
        if same and draw(st.integers(0, 4)):
            return draw(st.sampled_from(same))
        if ctx.variables and draw(st.integers(0, 3)):  # connect to an existing value, so gradients flow
            name, other = draw(st.sampled_from(ctx.variables))
            if not shape:
                return f"{name}.{draw(st.sampled_from(['sum()', 'mean()']))}"
            if _numel(other) == _numel(shape) and other != shape:
                return f"{name}.reshape({', '.join(str(n) for n in shape)})"
            dims = ", ".join(str(n) for n in shape)
            return f"({name}.sum() * torch.ones({dims}{ctx.dtype}))"
        if not shape:
            return f"torch.tensor({draw(st.sampled_from(VALUES))!r}{ctx.dtype})"
        return f"torch.tensor({_literal(draw, shape)}{ctx.dtype})"
    choice = draw(st.integers(0, 15))
    sub = depth - 1
    if choice <= 3:
        return draw(st.sampled_from(UNARY)).format(expression(draw, ctx, shape, sub))
    if choice <= 6:
        other = _broadcastable(draw, shape)
        left, right = expression(draw, ctx, shape, sub), (
            repr(draw(st.sampled_from(VALUES))) if draw(st.integers(0, 3)) == 0 else expression(draw, ctx, other, sub))
        if draw(st.booleans()):
            left, right = right, left
        if draw(st.integers(0, 30)) == 0:  # a deliberate mismatch: both must refuse it the same way
            right = expression(draw, ctx, draw(st.sampled_from(SHAPES)), 0)
        return draw(st.sampled_from(BINARY)).format(left, right)
    if choice == 7 and len(shape) <= 2:
        k = draw(st.integers(1, 3))
        if len(shape) == 2:
            a, b = (shape[0], k), (k, shape[1])
        elif len(shape) == 1:
            a, b = (shape[0], k), (k,)
        else:
            a, b = (k,), (k,)
        op = draw(st.sampled_from(["({} @ {})", "torch.matmul({}, {})"] + (["torch.mm({}, {})"] if len(shape) == 2
                                                                            else [])))
        return op.format(expression(draw, ctx, a, sub), expression(draw, ctx, b, sub))
    if choice == 8 and len(shape) <= 2:
        k = draw(st.integers(1, 3))
        inner = expression(draw, ctx, shape + (k,), sub)
        return draw(st.sampled_from([
            f"({inner}).sum(-1)", f"({inner}).mean(dim=-1)", f"torch.sum({inner}, dim={len(shape)}, keepdim=False)",
            f"({inner}).amax(-1)", f"torch.logsumexp({inner}, -1)", f"({inner}).max(-1)[0]", f"({inner}).prod(-1)",
            f"({inner}).norm(dim=-1)", f"torch.mean({inner}, {len(shape)}, True).squeeze(-1)",
        ]))
    if choice == 9 and len(shape) == 2:
        inner = expression(draw, ctx, (shape[1], shape[0]), sub)
        return draw(st.sampled_from(["({}).t()", "({}).T", "({}).transpose(0, 1)", "torch.transpose({}, 1, 0)",
                                     "({}).permute(1, 0)"])).format(inner)
    if choice == 10 and shape:
        flat = expression(draw, ctx, (_numel(shape),), sub)
        dims = ", ".join(str(n) for n in shape)
        return draw(st.sampled_from([f"({flat}).reshape({dims})", f"({flat}).view({dims})",
                                     f"torch.reshape({flat}, ({dims},))"]))
    if choice == 11:
        k = draw(st.integers(1, 3))
        inner = expression(draw, ctx, (k,) + shape, sub)
        index = draw(st.integers(-k, k - 1))
        if shape and draw(st.booleans()):
            return f"({inner})[{index % k}:{index % k + 1}].squeeze(0)"
        return f"({inner})[{index}]"
    if choice == 12 and shape and shape[0] >= 2:
        first = draw(st.integers(1, shape[0] - 1))
        a = expression(draw, ctx, (first,) + shape[1:], sub)
        b = expression(draw, ctx, (shape[0] - first,) + shape[1:], sub)
        return f"torch.cat([{a}, {b}], dim=0)"
    if choice == 13 and shape:
        parts = ", ".join(expression(draw, ctx, shape[1:], sub) for _ in range(shape[0]))
        return f"torch.stack([{parts}])"
    if choice == 14:
        condition = expression(draw, ctx, shape, sub)
        return f"torch.where({condition} > 0, {expression(draw, ctx, shape, sub)}, {expression(draw, ctx, shape, sub)})"
    if choice == 15 and shape:
        inner = expression(draw, ctx, shape, sub)
        if 1 in shape and draw(st.booleans()):
            dim = shape.index(1)
            squeezed = expression(draw, ctx, shape[:dim] + shape[dim + 1:], sub)
            return f"({squeezed}).unsqueeze({dim})"
        return draw(st.sampled_from([f"torch.softmax({inner}, dim=-1)", f"torch.log_softmax({inner}, -1)",
                                     f"torch.nn.functional.softmax({inner}, dim=0)"]))
    return draw(st.sampled_from(UNARY)).format(expression(draw, ctx, shape, sub))


def _body(lines: list[str], indent: str, statements: list[str]) -> None:
    for statement in statements:
        lines.extend(indent + line for line in statement.splitlines())


def _inner(ctx: Context, variables: list[tuple[str, tuple[int, ...]]]) -> Context:
    """A context for the body of a function or method: only its own names, numbered on from ctx."""
    inner = Context(ctx.dtype)
    inner.counter = ctx.counter
    inner.variables = variables
    return inner


def python_statement(draw: st.DrawFn, ctx: Context, lines: list[str], kind: str, shape: tuple[int, ...]) -> None:
    """A class, lambda, decorator, generator or try/except that computes a new tensor of `shape`."""
    name = ctx.fresh()
    a_shape = draw(st.sampled_from(SHAPES))
    if kind == "class":
        cls = ctx.fresh("C")
        inner = _inner(ctx, [("a", a_shape), ("self.w", shape)])
        body = expression(draw, inner, shape, 2)
        ctx.counter = inner.counter
        lines += [f"class {cls}:", "    scale = 2.0", "", "    def __init__(self, w):", "        self.w = w", "",
                  "    def __call__(self, a):", f"        return {body}", "",
                  "    def __add__(self, other):", "        return self.w + other", "",
                  "    def __radd__(self, other):", "        return other + self.w * self.scale", "",
                  "    @property", "    def doubled(self):", "        return self.w * 2", ""]
        obj = ctx.fresh("obj")
        lines.append(f"{obj} = {cls}({expression(draw, ctx, shape, 2)})")
        use = draw(st.sampled_from([f"{obj}({expression(draw, ctx, a_shape, 2)})", f"{obj} + 1.0", f"1.0 + {obj}",
                                    f"{obj}.doubled", f"{obj}.w * {cls}.scale"]))
        lines.append(f"{name} = {use}")
    elif kind == "module":
        cls = ctx.fresh("M")
        inner = _inner(ctx, [("a", a_shape), ("self.w", shape)])
        body = expression(draw, inner, shape, 2)
        ctx.counter = inner.counter
        lines += [f"class {cls}(torch.nn.Module):", "    def __init__(self):", "        super().__init__()",
                  f"        self.w = torch.nn.Parameter(torch.tensor({_literal(draw, shape)}{ctx.dtype}))", "",
                  "    def forward(self, a):", f"        return {body}", ""]
        model = ctx.fresh("model")
        lines.append(f"{model} = {cls}()")
        lines.append(f"{name} = {model}({expression(draw, ctx, a_shape, 2)})")
        lines.append(f"print([n for n, p in {model}.named_parameters()], {model}.training)")
    elif kind == "lambda":
        function = ctx.fresh("lam")
        inner = _inner(ctx, [("a", a_shape), ("b", shape)])
        body = expression(draw, inner, shape, 2)
        ctx.counter = inner.counter
        lines.append(f"{function} = lambda a, b={draw(st.sampled_from(['1.0', '0.5', '-2.0']))}: {body}")
        lines.append(f"{name} = {function}({expression(draw, ctx, a_shape, 2)}, {expression(draw, ctx, shape, 2)})")
    elif kind == "decorator":
        function = ctx.fresh("f")
        inner = _inner(ctx, [("a", a_shape)])
        body = expression(draw, inner, shape, 2)
        ctx.counter = inner.counter
        decorators = draw(st.sampled_from([["twice"], ["torch.no_grad()"], ["torch.enable_grad()"],
                                           ["twice", "shifted(1.5)"]]))
        if "twice" in decorators:
            lines += ["def twice(fn):", "    def wrapper(*args, **kwargs):", "        return fn(*args, **kwargs) * 2.0",
                      "    return wrapper", "", "def shifted(by):", "    def decorate(fn):",
                      "        return lambda *args: fn(*args) + by", "    return decorate", ""]
        lines += [f"@{decorator}" for decorator in decorators]
        lines += [f"def {function}(a):", f"    return {body}", ""]
        lines.append(f"{name} = {function}({expression(draw, ctx, a_shape, 2)})")
    elif kind == "generator":
        function = ctx.fresh("gen")
        inner = _inner(ctx, [("a", shape)])
        body = expression(draw, inner, shape, 2)
        ctx.counter = inner.counter
        count = draw(st.integers(1, 3))
        lines += [f"def {function}(a, n):", "    for i in range(n):", f"        yield ({body}) * (i + 1)", ""]
        start = expression(draw, ctx, shape, 2)
        lines.append(draw(st.sampled_from([
            f"{name} = sum({function}({start}, {count}))",
            f"{name} = [t for t in {function}({start}, {count})][-1]",
            f"{name} = next(iter({function}({start}, {count})))",
            f"{name} = max({function}({start}, {count}), key=lambda t: t.sum().item())",
        ])))
    else:  # try: the first expression may fail (a shape drawn at random); both must take the same branch
        risky = expression(draw, ctx, shape, 2)
        if draw(st.booleans()):
            risky = f"{risky} + {expression(draw, ctx, draw(st.sampled_from(SHAPES)), 1)}"
        error = draw(st.sampled_from(["RuntimeError", "(RuntimeError, ValueError)", "Exception"]))
        lines += ["try:", f"    {name} = {risky}", f"except {error} as e:", "    print('failed:', type(e).__name__)",
                  f"    {name} = {expression(draw, ctx, shape, 2)}", "else:", "    print('ran')"]
    ctx.variables.append((name, shape))


def statement(draw: st.DrawFn, ctx: Context, lines: list[str], depth: int = 2) -> None:
    kind = draw(st.sampled_from(["assign"] * 6 + ["function", "for", "while", "if", "no_grad", "inplace", "print",
                                                  "retain", "list", "grad", "backward_twice", "class", "module",
                                                  "lambda", "decorator", "generator", "try"]))
    shape = draw(st.sampled_from(SHAPES))
    if kind in ("class", "module", "lambda", "decorator", "generator", "try") and depth > 0 and ctx.variables:
        python_statement(draw, ctx, lines, kind, shape)
    elif kind == "assign" or depth <= 0 or not ctx.variables:
        name = ctx.fresh()
        lines.append(f"{name} = {expression(draw, ctx, shape, 3)}")
        ctx.variables.append((name, shape))
    elif kind == "function":
        fname = ctx.fresh("f")
        a_shape = draw(st.sampled_from(SHAPES))
        inner = Context(ctx.dtype)
        inner.counter = ctx.counter
        inner.variables = [("a", a_shape), ("b", shape)]
        body = expression(draw, inner, shape, 3)
        ctx.counter = inner.counter
        default = draw(st.sampled_from(["", "=2.0", "=0.5"]))
        lines.append(f"def {fname}(a, b{default}):")
        if draw(st.booleans()):
            lines.append(f"    c = {body}")
            lines.append("    return c * 1.0")
        else:
            lines.append(f"    return {body}")
        arg_a = expression(draw, ctx, a_shape, 2)
        arg_b = expression(draw, ctx, shape, 2)
        call = draw(st.sampled_from([f"{fname}({arg_a}, {arg_b})", f"{fname}({arg_a}, b={arg_b})",
                                     f"{fname}(b={arg_b}, a={arg_a})"]))
        name = ctx.fresh()
        lines.append(f"{name} = {call}")
        ctx.variables.append((name, shape))
    elif kind in ("for", "while"):
        name = ctx.fresh()
        lines.append(f"{name} = {expression(draw, ctx, shape, 2)}")
        ctx.variables.append((name, shape))
        count = draw(st.integers(0, 3))
        update = f"{name} = {name} * 0.5 + {expression(draw, ctx, shape, 2)}"
        if kind == "for":
            lines.append(f"for i in range({count}):")
            lines.append(f"    {update}")
            if draw(st.booleans()):
                lines.append(f"    {name} = {name} + i")
        else:
            counter = ctx.fresh("n")
            lines.append(f"{counter} = 0")
            lines.append(f"while {counter} < {count}:")
            lines.append(f"    {update}")
            lines.append(f"    {counter} += 1")
    elif kind == "if":
        name = ctx.fresh()
        test, _ = draw(st.sampled_from(ctx.variables))
        lines.append(f"if {test}.sum() > 0:")
        lines.append(f"    {name} = {expression(draw, ctx, shape, 2)}")
        lines.append("else:")
        lines.append(f"    {name} = {expression(draw, ctx, shape, 2)}")
        ctx.variables.append((name, shape))
    elif kind == "no_grad":
        name = ctx.fresh()
        lines.append("with torch.no_grad():")  # `* 1.0`: a view made under no_grad is a known gap (see tests)
        lines.append(f"    {name} = ({expression(draw, ctx, shape, 2)}) * 1.0")
        ctx.variables.append((name, shape))
    elif kind == "inplace":
        target, target_shape = draw(st.sampled_from(ctx.variables))
        if not target.startswith("x"):  # never a view: in-place changes through views are a known gap
            lines.append(f"{target} = {target} * 1.0")
        operation = draw(st.sampled_from([f"{target}.mul_(0.5)", f"{target}.add_(1.0)", f"{target} += 1.0",
                                          f"{target} *= 2.0", f"{target}.zero_()", f"{target}.clamp_(min=0.0)"]))
        if draw(st.booleans()):
            lines.append("with torch.no_grad():")
            lines.append(f"    {operation}")
        else:
            lines.append(operation)
    elif kind == "print":
        name, _ = draw(st.sampled_from(ctx.variables))
        lines.append(draw(st.sampled_from([f"print({name})", f"print({name}.shape, {name}.requires_grad)",
                                           f"print({name}.grad_fn is None, {name}.is_leaf)", f"print({name}.dim())",
                                           f"print({name}.sum().item() == {name}.sum().item())"])))
    elif kind == "retain":
        name, _ = draw(st.sampled_from(ctx.variables))
        lines.append(f"if {name}.requires_grad:")
        lines.append(f"    {name}.retain_grad()")
    elif kind == "list":
        name = ctx.fresh()
        items = [n for n, _ in ctx.variables[-3:]]
        lines.append(f"{name}_items = [{', '.join(items)}]")
        lines.append(f"{name}_named = {{'first': {items[0]}, 'count': len({name}_items)}}")
        lines.append(f"{name} = {name}_named['first'] * {name}_named['count']")
        ctx.variables.append((name, ctx.variables[-len(items)][1]))
    elif kind == "grad":
        out, _ = draw(st.sampled_from(ctx.variables))
        leaf = draw(st.sampled_from([n for n, _ in ctx.variables if n.startswith("x")] or [out]))
        name = ctx.fresh("g")
        lines.append(f"if {out}.requires_grad and {leaf}.requires_grad:")
        lines.append(f"    {name} = torch.autograd.grad({out}.sum(), {leaf}, retain_graph=True, allow_unused=True)")
    else:  # backward_twice: the second call needs retain_graph on the first
        out, _ = draw(st.sampled_from(ctx.variables))
        retain = draw(st.sampled_from(["True", "False"]))
        lines.append(f"if {out}.requires_grad:")
        lines.append(f"    {out}.sum().backward(retain_graph={retain})")
        lines.append(f"    {out}.sum().backward()")


@st.composite
def programs(draw: st.DrawFn) -> str:
    ctx = Context(draw(st.sampled_from([", dtype=torch.float64"] * 2 + ["", ", dtype=torch.float32"])))
    lines = ["import torch"]
    for i in range(draw(st.integers(1, 3))):
        shape = draw(st.sampled_from(SHAPES))
        requires_grad = i == 0 or draw(st.booleans())
        name = f"x{i}"
        lines.append(f"{name} = torch.tensor({_literal(draw, shape)}{ctx.dtype}, "
                     f"requires_grad={requires_grad})")
        ctx.variables.append((name, shape))
    for _ in range(draw(st.integers(1, 6))):
        statement(draw, ctx, lines)
    final = expression(draw, ctx, (), 3)
    lines.append(f"loss = {final}")
    lines.append("if loss.requires_grad:")
    lines.append("    loss.backward()")
    return "\n".join(lines) + "\n"


# Python values and wrong uses mixed in: only for "never an internal error" (PyTorch may disagree on messages).
WILD_EXPRESSIONS = [
    "x0", "x0.grad", "x0.grad_fn", "x0.shape", "x0.dtype", "x0.T", "x0.data", "None", "1", "2.5", "True", "'s'",
    "[1, 2]", "(1,)", "{}", "{'k': x0}", "range(3)", "len", "print", "torch", "torch.float32", "torch.Size([2])",
    "x0.sum", "x0[0]", "x0[None]", "x0[...]", "x0[:, None]", "x0.item", "x0.tolist()", "x0.size()",
    "x0.grad_fn.next_functions", "x0.grad_fn.name()", "torch.nn", "torch.nn.Linear(2, 3)", "torch.nn.MSELoss()",
    "torch.optim.SGD([x0], lr=0.1)", "torch.no_grad()", "x0.requires_grad_()", "torch.ones(2, 2)", "x0 > 0",
    "x0.long()", "x0.int()", "x0.bool()", "torch.arange(4)", "-1", "10 ** 3", "1e300", "float('nan')",
]
WILD_TEMPLATES = [
    "{a} + {b}", "{a} * {b}", "{a} @ {b}", "{a} / {b}", "{a} ** {b}", "{a} // {b}", "{a} % {b}", "{a}[{b}]",
    "{a}({b})", "{a}.sum({b})", "{a}.backward()", "{a}.backward({b})", "torch.tensor({a})", "{a}.view({b})",
    "{a}.reshape({b}, -1)", "torch.cat([{a}, {b}])", "torch.stack({a})", "len({a})", "float({a})", "int({a})",
    "{a}.item()", "{a}.grad.zero_()", "{a}.expand({b})", "torch.ones({a})", "torch.zeros({a}, {b})",
    "{a}.requires_grad_({b})", "{a}.t()", "{a}.max({b})", "{a}.mean(dim={b})", "{a} < {b}", "{a} == {b}",
    "not {a}", "{a} and {b}", "[{a}, {b}][{b}]", "{a}.data", "{a}.add_({b})", "{a}.mul_({b})", "{a}.copy_({b})",
    "torch.autograd.grad({a}, {b})", "torch.where({a}, {b}, {a})", "sorted({a})", "sum({a})", "max({a}, {b})",
    "list({a})", "dict({a})", "str({a})", "f'{{{a}}}'", "f'{{{a}:.2f}}'", "'{{}}'.format({a})", "{a}.size({b})",
    "torch.manual_seed({a})", "torch.randn({a})", "torch.nn.functional.mse_loss({a}, {b})", "{a}.softmax({b})",
    "{a}.detach().numpy()", "{a}.to({b})", "{a}.type({b})", "{a}.unsqueeze({b})", "{a}.squeeze({b})",
    "{a}.transpose({b}, 0)", "{a}[{b}] = {a}", "{a}.grad = {b}", "{a}.data = {b}", "{a}.requires_grad = {b}",
]


@st.composite
def wild_programs(draw: st.DrawFn) -> str:
    """Valid programs with a few statements of arbitrary (often wrong) uses of values spliced in."""
    lines = draw(programs()).splitlines()
    lines.insert(2, "x0 = torch.tensor([1.0, 2.0], requires_grad=True)")
    for _ in range(draw(st.integers(1, 4))):
        template = draw(st.sampled_from(WILD_TEMPLATES))
        text = template.format(a=draw(st.sampled_from(WILD_EXPRESSIONS)), b=draw(st.sampled_from(WILD_EXPRESSIONS)))
        if "=" not in template.replace("==", ""):
            text = f"w = {text}"
        # between two statements of the top level (not inside a block)
        places = [i for i in range(3, len(lines) + 1)
                  if not lines[i - 1].endswith(":") and (i == len(lines) or not lines[i].startswith(" "))]
        lines.insert(draw(st.sampled_from(places)), text)
    return "\n".join(lines) + "\n"


# -- calls of every builtin with arbitrary arguments ----------------------------------------------------------

ARGUMENTS = [
    "t0", "t1", "t2", "t3", "ti", "tb", "tl", "0", "1", "-1", "2", "3", "-3", "0.5", "-2.5", "True", "False", "None",
    "(2, 3)", "[1, 2]", "[]", "()", "(0, 1)", "[0]", "[[1.0, 2.0]]", "'mean'", "'sum'", "'x'", "torch.float32",
    "torch.float64", "torch.int64", "torch.bool", "t0.shape", "t0.T", "t0 > 0", "tl[0]", "range(2)", "{}", "1e9",
    "-1e9", "float('inf')", "float('nan')", "2 ** 40", "[t0, t0]", "(t0, t1)", "[t1, 1]", "m", "opt", "print",
]
KEYWORDS = ["dim", "keepdim", "dtype", "requires_grad", "out", "alpha", "min", "max", "reduction", "weight",
            "retain_graph", "create_graph", "inputs", "p", "size", "value", "lr", "bias", "inplace", "start_dim",
            "end_dim", "correction", "unbiased", "beta", "approximate", "negative_slope", "ignore_index"]
API_PRELUDE = """import torch
import torch.nn as nn
import torch.nn.functional as F
t0 = torch.tensor([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]], requires_grad=True)
t1 = torch.tensor([0.5, -1.5, 2.0])
t2 = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
t3 = (t0 * 2).sum(0)
ti = torch.tensor([[0, 2], [1, 1]])
tb = torch.tensor([True, False, True])
tl = torch.ones(2, 0)
m = nn.Linear(3, 2)
opt = torch.optim.SGD(m.parameters(), lr=0.1)
"""


def _api_names() -> tuple[list[str], list[str]]:
    from autodiff.engine.tensor import Tensor
    from autodiff.language import protocol
    from autodiff.prelude import build_namespace

    _, modules = build_namespace(lambda text: None)
    functions = []
    for dotted, prefix in (("torch", "torch"), ("torch.nn.functional", "F"), ("torch.nn", "nn"),
                           ("torch.autograd", "torch.autograd"), ("torch.nn.init", "nn.init"),
                           ("torch.optim", "torch.optim")):
        if dotted in modules:
            for name, value in sorted(modules[dotted].members.items()):
                if callable(value) and type(value) is not protocol.Namespace and name not in ("seed",):
                    functions.append(f"{prefix}.{name}")
    methods = protocol.table_of(Tensor(__import__("numpy").ones(1))).names()
    return functions, methods


API_FUNCTIONS, TENSOR_METHODS = _api_names()


@st.composite
def api_calls(draw: st.DrawFn) -> str:
    """One call of a torch function, module class or Tensor method with arbitrary arguments, after a prelude."""
    args = draw(st.lists(st.sampled_from(ARGUMENTS), max_size=4))
    keywords = draw(st.lists(st.tuples(st.sampled_from(KEYWORDS), st.sampled_from(ARGUMENTS)), max_size=2,
                             unique_by=lambda kv: kv[0]))
    text = ", ".join(args + [f"{k}={v}" for k, v in keywords])
    if draw(st.booleans()):
        call = f"{draw(st.sampled_from(API_FUNCTIONS))}({text})"
    else:
        call = f"{draw(st.sampled_from(['t0', 't1', 't2', 't3', 'ti', 'tb', 'tl']))}." \
               f"{draw(st.sampled_from(TENSOR_METHODS))}({text})"
    follow = draw(st.sampled_from(["", "r.sum().backward()", "print(r)", "r.backward()", "print(t0.grad)",
                                   "r[0]", "r.shape", "len(r)", "r.grad_fn", "r.item()"]))
    return API_PRELUDE + f"r = {call}\n{follow}\n"
