"""The sandbox with the real torch namespace: a script reaches only the language's builtins and the attribute
tables. Known escape routes from Python sandboxes each end in autodiff's own error, and an audit walks every
value reachable through names, module members and table getters to check that nothing raw leaks out (a
Python module, class, frame or function that is not part of the designed API).
"""

from __future__ import annotations

import io
import types

import numpy as np
import pytest
from click.testing import CliRunner

from autodiff import errors
from autodiff.cli.main import main
from autodiff.errors import AutodiffError
from autodiff.language import protocol
from autodiff.language.interpreter import Interpreter
from autodiff.prelude import build_namespace
from autodiff.torch.tensor import UnboundMethod

PRELUDE = ("import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\nfrom torch import ones\n"
           "x = torch.ones(2, requires_grad=True)\ny = x * 2\nm = nn.Linear(2, 2)\n"
           "opt = torch.optim.SGD(m.parameters(), lr=0.1)\n")


def fails(source: str) -> AutodiffError:
    names, modules = build_namespace(io.StringIO().write)
    interpreter = Interpreter(names, modules, filename="<sandbox>", stderr=io.StringIO())
    with pytest.raises(AutodiffError) as info:
        interpreter.run_source(PRELUDE + source)
    return info.value


INTERNALS = "scripts cannot reach Python internals"

ESCAPES = {
    # dunder attributes, on every kind of value
    "class_of_tensor": ("x.__class__", "AttributeError", INTERNALS),
    "class_of_int": ("(1).__class__.__subclasses__()", "AttributeError", INTERNALS),
    "mro_of_str": ("''.__class__.__mro__[1].__subclasses__()", "AttributeError", INTERNALS),
    "self_of_print": ("print.__self__", "AttributeError", INTERNALS),
    "self_of_len": ("len.__self__", "AttributeError", INTERNALS),
    "globals_of_builtin": ("ones.__globals__", "AttributeError", INTERNALS),
    "globals_of_user_function": ("def f():\n    pass\nf.__globals__", "AttributeError", INTERNALS),
    "code_of_user_function": ("def f():\n    pass\nf.__code__", "AttributeError", INTERNALS),
    "closure_of_print": ("print.__closure__", "AttributeError", INTERNALS),
    "module_dict": ("torch.__dict__", "AttributeError", INTERNALS),
    "submodule_dict": ("F.__dict__['relu']", "AttributeError", INTERNALS),
    "module_loader": ("torch.__loader__", "AttributeError", INTERNALS),
    "module_private": ("torch._C", "AttributeError", INTERNALS),
    "node_init": ("y.grad_fn.__init__.__globals__", "AttributeError", INTERNALS),
    "node_internals": ("y.grad_fn.next_functions[0][0].__dict__", "AttributeError", INTERNALS),
    "node_rule": ("y.grad_fn.rule", "AttributeError", "'Node' object has no attribute 'rule'"),
    "dtype_class": ("torch.float32.__class__", "AttributeError", INTERNALS),
    "size_class": ("x.shape.__class__", "AttributeError", INTERNALS),
    "device_class": ("x.device.__class__", "AttributeError", INTERNALS),
    "module_object_dict": ("m.__dict__", "AttributeError", INTERNALS),
    "module_object_private": ("m._parameters", "AttributeError", INTERNALS),
    "optimizer_class": ("opt.__class__", "AttributeError", INTERNALS),
    "grad_mode_exit": ("torch.no_grad().__exit__(None, None, None)", "AttributeError", INTERNALS),
    "tensor_type_subclasses": ("torch.Tensor.__subclasses__()", "AttributeError", INTERNALS),
    "bound_method_self": ("x.sum.__self__", "AttributeError", INTERNALS),
    "bound_method_function": ("x.sum.function", "AttributeError", "has no attribute 'function'"),
    "list_method_self": ("[].append.__self__", "AttributeError", INTERNALS),
    "tensor_storage": ("x.array", "AttributeError", "'Tensor' object has no attribute 'array'"),
    "tensor_private": ("x._accumulator_node", "AttributeError", INTERNALS),
    "generator_frame": ("g = (i for i in [1])\ng.gi_frame.f_back.f_globals", "AttributeError", "gi_frame"),
    "generator_code": ("g = (i for i in [1])\ng.gi_code", "AttributeError", "gi_code"),
    "class_attribute_of_builtin_class": ("str.mro()", "AttributeError", "has no attribute 'mro'"),
    "dict_view_mapping": ("{}.keys().mapping", "AttributeError", "has no attribute 'mapping'"),
    # format strings resolve fields through the tables too
    "fstring": ("f'{x.__class__}'", "AttributeError", INTERNALS),
    "fstring_nested_spec": ("f'{x:{x.__class__}}'", "AttributeError", INTERNALS),
    "format_attribute": ("'{0.__class__}'.format(x)", "AttributeError", INTERNALS),
    "format_deep": ("'{0.grad_fn.__init__.__globals__}'.format(y)", "AttributeError", INTERNALS),
    "format_keyword": ("'{a.__class__}'.format(a=1)", "AttributeError", INTERNALS),
    "format_map": ("'{0.__class__}'.format_map({})", "AttributeError", "has no attribute 'format_map'"),
    # builtins left out on purpose
    "getattr": ("getattr(x, '__class__')", "NameError", "getattr() is not available"),
    "setattr": ("setattr(x, 'array', 1)", "NameError", "setattr() is not available"),
    "type": ("type(x)", "NameError", "type() is not available"),
    "vars": ("vars()", "NameError", "vars() is not available"),
    "globals": ("globals()", "NameError", "globals() is not available"),
    "locals": ("locals()", "NameError", "locals() is not available"),
    "open": ("open('/etc/passwd')", "NameError", "open() is not available"),
    "eval": ("eval('1')", "NameError", "eval() is not available"),
    "exec": ("exec('1')", "NameError", "exec() is not available"),
    "compile": ("compile('1', 'f', 'exec')", "NameError", "compile() is not available"),
    "dunder_import": ("__import__('os')", "NameError", "__import__() is not available"),
    "dunder_builtins": ("__builtins__", "NameError", "name '__builtins__' is not defined"),
    "breakpoint": ("breakpoint()", "NameError", "breakpoint() is not available"),
    "input": ("input()", "NameError", "input() is not available"),
    "object": ("object.__subclasses__()", "NameError", "object() is not available"),
    "print_to_a_file": ("print(1, file=None)", "TypeError", "unexpected keyword argument 'file'"),
    # imports
    "import_os": ("import os", "ModuleNotFoundError", "module 'os' is not available in autodiff scripts"),
    "import_sys": ("import sys", "ModuleNotFoundError", "module 'sys' is not available in autodiff scripts"),
    "import_builtins": ("import builtins", "ModuleNotFoundError", "module 'builtins' is not available"),
    "from_os": ("from os import path", "ModuleNotFoundError", "module 'os' is not available in autodiff scripts"),
    "import_pickle": ("import pickle", "ModuleNotFoundError", "module 'pickle' is not available in autodiff scripts"),
    "torch_submodule": ("import torch.os", "ModuleNotFoundError", "module 'torch.os' is not available"),
    "from_torch_os": ("from torch import os", "ImportError", "cannot import name 'os' from 'torch'"),
    "torch_load": ("torch.load('model.pt')", "AttributeError", "module 'torch' has no attribute 'load'"),
    "torch_save": ("torch.save(x, 'x.pt')", "AttributeError", "module 'torch' has no attribute 'save'"),
    "numpy_bridge": ("x.detach().numpy()", "AttributeError", "NumPy arrays are not available"),
    # changing the engine from a script
    "set_module_member": ("torch.ones = print", "AttributeError", "'module' object has no attribute 'ones'"),
    "set_dunder": ("x.__class__ = int", "AttributeError", INTERNALS),
    "set_node_attribute": ("y.grad_fn.name = 'x'", "AttributeError", "attribute 'name' of 'Node' objects is not"),
}


@pytest.mark.parametrize("source, category, fragment", ESCAPES.values(), ids=ESCAPES.keys())
def test_escape_routes_end_in_autodiff_errors(source, category, fragment):
    err = fails(source)
    assert err.category == category, err
    assert fragment in err.message, err.message
    assert err.span is not None


@pytest.mark.parametrize("source", [
    "class A:\n    pass", "f = lambda: 1", "try:\n    pass\nexcept:\n    pass", "def g():\n    yield 1",
    "async def f():\n    pass", "import os as o", "raise Exception()", "x = {1, 2}", "x = [y async for y in z]",
])
def test_constructs_that_could_reach_internals_are_refused(source):
    err = fails(source)
    assert err.category in ("SyntaxError", "ModuleNotFoundError")


def test_cli_reports_an_escape_attempt_as_a_script_error():
    result = CliRunner().invoke(main, ["run", "-e", "x = (1).__class__.__base__.__subclasses__()"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "AttributeError: 'int' object has no attribute '__class__' (scripts cannot reach Python internals)")
    assert "Traceback" not in result.stderr


# -- the audit: everything a script can reach by names and attribute reads -------------------------------

SAMPLES = PRELUDE + """
z = (x * x).sum()
z.backward(retain_graph=True)
w = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
pair = w.max(0)
parts = [torch.nn.ReLU(), torch.nn.Sigmoid(), torch.nn.Tanh(), torch.nn.Softmax(dim=0), torch.nn.LogSoftmax(dim=0),
         torch.nn.Flatten(), torch.nn.LeakyReLU(), torch.nn.Identity(), torch.nn.GELU(), torch.nn.ELU(),
         torch.nn.MSELoss(), torch.nn.L1Loss(), torch.nn.SmoothL1Loss(), torch.nn.CrossEntropyLoss(),
         torch.nn.BCELoss(), torch.nn.BCEWithLogitsLoss(), torch.nn.NLLLoss()]
seq = torch.nn.Sequential(m, torch.nn.ReLU())
mods = torch.nn.ModuleList([m])
adam = torch.optim.Adam(m.parameters())
adamw = torch.optim.AdamW(m.parameters())
(m(x) ** 2).sum().backward()
opt.step()
adam.step()
keys = m.load_state_dict(m.state_dict())
mode = torch.no_grad()
device = x.device
kind = torch.FloatTensor
"""

SAFE_LEAVES = (type(None), bool, int, float, str, complex, range, slice, type(Ellipsis))


def _allowed_callables(names: dict, modules: dict) -> set[int]:
    allowed = {id(value) for value in names.values() if callable(value)}
    for namespace in modules.values():
        allowed |= {id(value) for value in namespace.members.values() if callable(value)}
    return allowed


def test_every_reachable_value_is_part_of_the_designed_api():
    names, modules = build_namespace(io.StringIO().write)
    interpreter = Interpreter(names, modules, filename="<audit>", stderr=io.StringIO())
    interpreter.run_source(SAMPLES)
    allowed = _allowed_callables(names, modules)
    seen: set[int] = set()
    queue = [(name, value) for name, value in interpreter.globals.items()]
    queue += [(name, module) for name, module in modules.items()]
    leaks = []
    kept = []  # getters build new values (x.T); keep them alive so that ids stay unique
    while queue:
        path, value = queue.pop()
        if id(value) in seen or isinstance(value, SAFE_LEAVES) or path.count(".") + path.count("[") > 5:
            continue
        seen.add(id(value))
        kept.append(value)
        if isinstance(value, (list, tuple)):
            queue += [(f"{path}[{i}]", item) for i, item in enumerate(value)]
            continue
        if isinstance(value, dict):
            queue += [(f"{path}[{key!r}]", item) for key, item in value.items()]
            queue += [(f"{path} key", key) for key in value]
            continue
        if isinstance(value, (types.ModuleType, types.FrameType, types.CodeType, types.TracebackType,
                              np.ndarray, np.generic)) or type(value) is type and id(value) not in allowed:
            leaks.append(f"{path}: {type(value).__name__}")
            continue
        if type(value) is protocol.Namespace:
            queue += [(f"{path}.{name}", member) for name, member in value.members.items()]
            continue
        table = protocol.table_of(value)
        if table is None:
            if callable(value) and id(value) not in allowed and type(value) not in (protocol.BoundMethod,
                                                                                    UnboundMethod):
                leaks.append(f"{path}: unlisted callable {value!r}")
            continue
        if isinstance(value, (types.FunctionType, types.BuiltinFunctionType)) and id(value) not in allowed:
            leaks.append(f"{path}: unlisted function {value!r}")
        for name, getter in table.getters.items():
            previous = errors.set_warning_sink(lambda category, message: None)
            try:
                result = getter(value)
            except Exception:  # noqa: BLE001 - a getter may refuse (grad of a non-leaf): nothing leaks then
                continue
            finally:
                errors.set_warning_sink(previous)
            queue.append((f"{path}.{name}", result))
        for name in table.methods:
            assert not name.startswith("_") or name == "_version", f"{path}.{name}"
    assert not leaks, "\n".join(leaks)
    assert len(seen) > 100  # the walk did reach the tables


def test_tables_never_offer_private_names():
    for python_type, table in protocol._TABLES.items():
        for name in (*table.getters, *table.methods, *table.setters):
            assert not name.startswith("__"), f"{python_type.__name__}.{name}"


def test_scripts_do_not_share_state():
    first_names, modules = build_namespace(io.StringIO().write)
    first = Interpreter(first_names, modules)
    first.run_source("import torch\nsecret = torch.ones(1)\nlen = 5")
    second_names, second_modules = build_namespace(io.StringIO().write)
    second = Interpreter(second_names, second_modules)
    with pytest.raises(AutodiffError) as info:
        second.run_source("print(secret)")
    assert info.value.category == "NameError"
    second.run_source("x = len([1, 2])")
    assert second.globals["x"] == 2
