"""What keeps a script's start-up short (docs/benchmarks.md, cold start) without changing what it does: Lark,
rich and prompt_toolkit are not imported to run a script, numpy.random only once a script draws, torch's
namespaces other than `torch` itself (nn, optim, utils.data, autograd's) only once a script reads them, the syntax
tree's classes behave as the dataclasses they replaced, and torch's argument aliases see the parameters
inspect.signature sees."""

from __future__ import annotations

import inspect
import math
import subprocess
import sys

import pytest

from autodiff.engine import rng
from autodiff.errors import AutodiffError, Span
from autodiff.language import nodes

PROBE = """
import sys
from autodiff.cli import scripts
scripts.import_for_scripts()
status = scripts.run_script(open(sys.argv[1]).read(), sys.argv[1])
print(status, sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in sys.argv[2].split(',')}),
      'numpy.random' in sys.modules)
"""


def run_probe(tmp_path, source: str) -> str:
    script = tmp_path / "script.py"
    script.write_text(source)
    done = subprocess.run([sys.executable, "-c", PROBE, str(script), "lark,rich,prompt_toolkit"],
                          capture_output=True, text=True, timeout=120)
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr


def test_a_script_runs_without_lark_rich_prompt_toolkit_or_numpy_random(tmp_path):
    source = "import torch\nx = torch.ones(2, requires_grad=True)\n(x * x).sum().backward()\nprint(f'{x.grad}')\n"
    assert run_probe(tmp_path, source) == "0 [] False"


def test_a_script_that_draws_imports_numpy_random_then(tmp_path):
    assert run_probe(tmp_path, "import torch\ntorch.manual_seed(0)\nprint(torch.rand(2))\n") == "0 [] True"


def test_a_generator_made_lazily_draws_what_an_eager_one_draws():
    lazy, eager = rng.Generator(1234), rng.Generator(1234)
    eager._bg  # noqa: B018 - makes the NumPy engine at once
    assert lazy.initial_seed() == eager.initial_seed() == 1234
    for _ in range(2):
        assert (lazy._raw32(5) == eager._raw32(5)).all() and (lazy._raw64(3) == eager._raw64(3)).all()
    reseeded = rng.Generator(1)
    reseeded.manual_seed(1234)  # seeding before the first draw, too
    assert (reseeded.get_state() == rng.Generator(1234).get_state()).all()


def test_syntax_nodes_behave_as_the_dataclasses_they_replaced():
    span = Span(1, 1, 1, 2)
    nan = float("nan")
    assert nodes.Constant(nan, span) == nodes.Constant(nan, span)  # fields compared as a tuple: identity first
    assert nodes.Name("x", span) != nodes.Name("y", span)
    assert nodes.Name("x", span).__eq__(nodes.Constant("x", span)) is NotImplemented
    assert repr(nodes.Name("x", span)) == "Name(id='x', span=Span(line=1, column=1, end_line=1, end_column=2))"
    assert nodes.FunctionDef("f", [], [], span).header is None
    assert nodes.Module([], span).filename == "<script>"
    assert nodes.Call(func=nodes.Name("f", span), args=[], keywords=[], span=span).func.id == "f"
    with pytest.raises(TypeError):
        hash(nodes.Name("x", span))
    with pytest.raises(AttributeError):
        nodes.Name("x", span).other = 1  # slots, like dataclass(slots=True)
    assert nodes.BinOp.__match_args__ == ("op", "left", "right", "span")
    assert math.isnan(nodes.Constant(nan, span).value)


def test_numpy_aliases_see_the_parameters_inspect_sees(monkeypatch):
    from autodiff.prelude import build_namespace
    from autodiff.torch import arguments
    from autodiff.views.graphview import ViewHost

    checked = []
    fast = arguments._parameters

    def compare(function):
        try:
            expected = set(inspect.signature(function).parameters)
        except (TypeError, ValueError):
            expected = set()
        assert fast(function) == expected, function
        checked.append(function)
        return expected

    from autodiff.torch import namespace, tensor

    monkeypatch.setattr(arguments, "_parameters", compare)
    monkeypatch.setattr(tensor, "_registered", False)  # the tables and torch's members are made once per process:
    tensor.tensor_table.cache_clear()  # made again here, through `compare`
    namespace._torch_members.cache_clear()
    try:
        build_namespace(lambda text: None, ViewHost())
    finally:
        tensor.tensor_table.cache_clear()
        namespace._torch_members.cache_clear()
    assert len({id(function) for function in checked}) > 200  # distinct functions (each table asks once)


# The torch API's modules behind the namespaces a script may never touch (torch.namespace.LAZY_EXTENSIONS).
LAZY_PACKAGES = {"nn": "autodiff.torch.nn", "optim": "autodiff.torch.optim", "data": "autodiff.torch.utils.data",
                 "functional": "autodiff.torch.autograd.functional"}
TORCH_PROBE = """
import sys
from autodiff.cli import scripts
scripts.import_for_scripts()
status = scripts.run_script(open(sys.argv[1]).read(), sys.argv[1])
packages = dict(arg.split("=") for arg in sys.argv[2:])
print(status, sorted(short for short, package in packages.items()
                     if any(m == package or m.startswith(package + ".") for m in sys.modules)))
"""


def torch_modules_imported(tmp_path, source: str) -> str:
    script = tmp_path / "script.py"
    script.write_text(source)
    done = subprocess.run([sys.executable, "-c", TORCH_PROBE, str(script),
                           *(f"{short}={package}" for short, package in LAZY_PACKAGES.items())],
                          capture_output=True, text=True, timeout=120)
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr


def test_a_tensor_script_imports_no_nn_optim_data_or_autograd_functional(tmp_path):
    source = ("import torch\nx = torch.ones(2, requires_grad=True)\nwith torch.no_grad():\n    y = x * 2\n"
              "(x * x).sum().backward()\nprint(x.grad, y, torch.autograd)\n")
    assert torch_modules_imported(tmp_path, source) == "0 []"


def test_each_namespace_is_imported_when_a_script_reads_it(tmp_path):
    nn_only = "import torch.nn as nn\nm = nn.Linear(2, 1)\nprint(m)\n"
    assert torch_modules_imported(tmp_path, nn_only) == "0 ['nn']"
    by_attribute = "import torch\nprint(torch.optim.SGD)\n"
    assert torch_modules_imported(tmp_path, by_attribute) == "0 ['optim']"
    from_import = "from torch.utils.data import DataLoader\nprint(DataLoader)\n"
    assert torch_modules_imported(tmp_path, from_import) == "0 ['data']"
    functional = "import torch\nprint(torch.autograd.functional.jacobian(lambda x: x * 2, torch.ones(1)))\n"
    assert torch_modules_imported(tmp_path, functional) == "0 ['functional']"


def test_bare_names_of_every_namespace_are_found_on_first_use(tmp_path):
    bare = "m = Linear(2, 1)\nopt = SGD(m.parameters(), lr=0.1)\nprint(type(m), type(opt), jacobian)\n"
    assert torch_modules_imported(tmp_path, bare) == "0 ['data', 'functional', 'nn', 'optim']"


def test_lazy_namespaces_fill_what_their_modules_declare():
    from autodiff.torch import namespace

    for module, declared in namespace.LAZY_EXTENSIONS.items():
        assert set(namespace._extension_members(module)) == set(declared), module


def test_bare_names_found_lazily_are_the_namespaces_members():
    from autodiff.language.builtins import make_stdlib
    from autodiff.language.protocol import is_built
    from autodiff.prelude import build_namespace, view_builtins
    from autodiff.torch import namespace

    names, modules = build_namespace(lambda text: None)
    assert not is_built(modules["torch.nn"]) and not is_built(modules["torch.optim"])
    torch_modules = {dotted: module for dotted, module in modules.items() if dotted.split(".")[0] == "torch"}
    with pytest.raises(KeyError):
        names["no_such_name"]  # noqa: B018 - a miss looks in every namespace, then fails
    assert is_built(modules["torch.nn"]) and is_built(modules["torch.optim"])
    expected = namespace._bare_members(torch_modules)  # every namespace built now: the members, converted
    own = {*make_stdlib(lambda text: None), *view_builtins(lambda text: None)}
    assert len(expected) > 400
    assert names["backward"].function is expected.pop("backward")  # the design card's, wrapped as a builtin
    for name, value in expected.items():
        if name not in own:
            assert names[name] is value, name
    assert names["Linear"] is modules["torch.nn"].members["Linear"]


def test_a_pending_namespace_reads_as_a_dict_and_is_built_once():
    from autodiff.language.protocol import Namespace, get_attribute, is_built

    built = []

    def build():
        built.append(1)
        return {"a": 1, "b": 2}

    namespace = Namespace.pending("m", build)
    pending = namespace.members
    assert type(namespace) is Namespace and repr(namespace) == "<module 'm'>" and not is_built(namespace)
    assert "a" in pending and len(pending) == 2 and sorted(pending) == ["a", "b"] and pending.get("c") is None
    assert dict(pending.items()) == {"a": 1, "b": 2} and list(pending.values()) == [1, 2]
    assert is_built(namespace) and type(namespace.members) is dict and built == [1]
    assert get_attribute(namespace, "b") == 2 and pending["a"] == 1 and built == [1]
    with pytest.raises(AutodiffError, match="module 'm' has no attribute 'c'"):
        get_attribute(Namespace.pending("m", build), "c")


def test_a_misspelt_name_is_still_matched_against_every_namespace(tmp_path):
    done = subprocess.run([sys.executable, "-m", "autodiff", "run", "-e", "m = Linaer(2, 1)"],
                          capture_output=True, text=True, timeout=120)
    assert "NameError: name 'Linaer' is not defined; did you mean 'Linear'?" in done.stderr


def test_the_dim_and_out_wrappers_look_like_functools_wraps():
    import functools

    from autodiff.torch import arguments, namespace

    wrappers = [value for value in namespace.torch_members().values() if hasattr(value, "__wrapped__")]
    assert len(wrappers) > 100
    for wrapper in wrappers:
        function = wrapper.__wrapped__
        expected = functools.update_wrapper(lambda *args, **kwargs: None, function)
        for name in ("__module__", "__name__", "__qualname__", "__doc__", "__annotations__", "__dict__"):
            assert getattr(wrapper, name) == getattr(expected, name), (wrapper, name)
        assert inspect.signature(wrapper) == inspect.signature(function)
    plain = arguments.with_out(math.hypot, "hypot")  # not a Python function: functools' own copy
    assert plain.__wrapped__ is math.hypot and plain.__name__ == "hypot"
