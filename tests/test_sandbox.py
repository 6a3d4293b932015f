"""The sandbox with the real torch namespace: a script reaches only the language's builtins and the attribute
tables. Known escape routes from Python sandboxes each end in autodiff's own error, and an audit walks every
value reachable through names, module members and table getters to check that nothing raw leaks out (a
Python module, class, frame or function that is not part of the designed API).
"""

from __future__ import annotations

import collections
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

PRELUDE = ("import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\nfrom torch import ones\n"
           "x = torch.ones(2, requires_grad=True)\ny = x * 2\nm = nn.Linear(2, 2)\n"
           "opt = torch.optim.SGD(m.parameters(), lr=0.1)\n")


def fails(source: str, **options) -> AutodiffError:
    names, modules = build_namespace(io.StringIO().write)
    interpreter = Interpreter(names, modules, filename="<sandbox>", stderr=io.StringIO(), **options)
    with pytest.raises(AutodiffError) as info:
        interpreter.run_source(PRELUDE + source)
    return info.value


INTERNALS = "scripts cannot reach Python internals"

ESCAPES = {
    # dunder attributes, on every kind of value
    "class_of_tensor": ("x.__class__.__dict__", "AttributeError", INTERNALS),
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
    "dtype_class": ("torch.float32.__class__.__dict__", "AttributeError", INTERNALS),
    "size_class": ("x.shape.__class__.__mro__", "AttributeError", INTERNALS),
    "device_class": ("x.device.__class__.__subclasses__()", "AttributeError", INTERNALS),
    "module_object_dict": ("m.__dict__", "AttributeError", INTERNALS),
    "module_object_private": ("m._parameters", "AttributeError", INTERNALS),
    "optimizer_class": ("opt.__class__.__dict__", "AttributeError", INTERNALS),
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
    "fstring": ("f'{x.__class__.__dict__}'", "AttributeError", INTERNALS),
    "fstring_nested_spec": ("f'{x:{x.__class__.__base__}}'", "AttributeError", INTERNALS),
    "format_attribute": ("'{0.__class__.__dict__}'.format(x)", "AttributeError", INTERNALS),
    "format_deep": ("'{0.grad_fn.__init__.__globals__}'.format(y)", "AttributeError", INTERNALS),
    "format_keyword": ("'{a.__class__.__dict__}'.format(a=1)", "AttributeError", INTERNALS),
    "format_map": ("'{0.__class__}'.format_map({})", "AttributeError", "has no attribute 'format_map'"),
    # getattr and friends go through the tables too
    "getattr": ("getattr(x, '__dict__')", "AttributeError", INTERNALS),
    "getattr_default": ("getattr(x, '__dict__', None).keys()", "AttributeError", "'NoneType' object has no"),
    "setattr": ("setattr(x, 'array', 1)", "AttributeError", "has no attribute 'array'"),
    "type": ("type(x).__subclasses__()", "AttributeError", INTERNALS),
    "type_of_type": ("type(type(x)).__subclasses__()", "AttributeError", INTERNALS),
    "type_three_arguments": ("type('A', (object,), {'__getattribute__': print})", "TypeError", "class statement"),
    "object": ("object.__subclasses__()", "AttributeError", INTERNALS),
    "object_init_globals": ("object.__init__.__globals__", "AttributeError", INTERNALS),
    "module_init_globals": ("nn.Module.__init__.__globals__", "AttributeError", INTERNALS),
    # builtins left out on purpose
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
    # the standard-library façades and NumPy: only their tables
    "array_base": ("x.detach().numpy().base", "AttributeError", "'numpy.ndarray' object has no attribute 'base'"),
    "array_ctypes": ("import numpy as np\nnp.ones(2).ctypes", "AttributeError", "has no attribute 'ctypes'"),
    "array_tofile": ("import numpy as np\nnp.ones(2).tofile('x')", "AttributeError", "has no attribute 'tofile'"),
    "array_dump": ("import numpy as np\nnp.ones(2).dump('x')", "AttributeError", "has no attribute 'dump'"),
    "array_view": ("import numpy as np\nnp.ones(2).view(np.ndarray)", "AttributeError", "has no attribute 'view'"),
    "array_interface": ("import numpy as np\nnp.ones(2).__array_interface__", "AttributeError", INTERNALS),
    "array_data": ("import numpy as np\nnp.ones(2).data", "AttributeError", "has no attribute 'data'"),
    "array_flags": ("import numpy as np\nnp.ones(2).flags", "AttributeError", "has no attribute 'flags'"),
    "np_save": ("import numpy as np\nnp.save('x.npy', np.ones(2))", "AttributeError",
                "module 'numpy' has no attribute 'save'"),
    "np_load": ("import numpy as np\nnp.load('x.npy')", "AttributeError", "module 'numpy' has no attribute 'load'"),
    "np_fromfile": ("import numpy as np\nnp.fromfile('/etc/passwd')", "AttributeError", "has no attribute 'fromfile'"),
    "np_loadtxt": ("import numpy as np\nnp.loadtxt('/etc/passwd')", "AttributeError", "has no attribute 'loadtxt'"),
    "np_memmap": ("import numpy as np\nnp.memmap('x')", "AttributeError", "has no attribute 'memmap'"),
    "np_ctypeslib": ("import numpy as np\nnp.ctypeslib", "AttributeError", "has no attribute 'ctypeslib'"),
    "np_lib": ("import numpy as np\nnp.lib", "AttributeError", "module 'numpy' has no attribute 'lib'"),
    "np_private": ("import numpy as np\nnp._core", "AttributeError", INTERNALS),
    "np_random_private": ("import numpy as np\nnp.random._rand", "AttributeError", INTERNALS),
    "np_random_self": ("import numpy as np\nnp.random.seed.__self__", "AttributeError", INTERNALS),
    "np_object_array": ("import numpy as np\nnp.array([print], dtype='O')", "TypeError", "dtype=object"),
    "np_object_astype": ("import numpy as np\nnp.ones(2).astype('object')", "TypeError", "dtype=object"),
    "np_ndarray_class": ("import numpy as np\nnp.ndarray.__subclasses__()", "AttributeError", INTERNALS),
    "np_ndarray_buffer": ("import numpy as np\nnp.ndarray((2,), buffer=np.ones(2))", "TypeError",
                          "unexpected keyword argument 'buffer'"),
    "np_dtype_type": ("import numpy as np\nnp.ones(2).dtype.type.__subclasses__()", "AttributeError", INTERNALS),
    "np_ufunc_inner": ("import numpy as np\nnp.add.ufunc", "AttributeError", "has no attribute 'ufunc'"),
    "np_scalar_class": ("import numpy as np\nnp.float64(1).__class__.__dict__", "AttributeError", INTERNALS),
    "random_self": ("import random\nrandom.seed.__self__", "AttributeError", INTERNALS),
    "random_class": ("import random\nrandom.Random.__init__", "AttributeError", INTERNALS),
    "math_loader": ("import math\nmath.__loader__", "AttributeError", INTERNALS),
    "itertools_inner": ("import itertools\nitertools.count()._iterator", "AttributeError", INTERNALS),
    "partial_func_self": ("import functools\nfunctools.partial(print).func.__self__", "AttributeError", INTERNALS),
    "lru_wrapped": ("import functools\nfunctools.lru_cache(len).__wrapped__", "AttributeError", INTERNALS),
    "counter_dict": ("import collections\ncollections.Counter().__dict__", "AttributeError", INTERNALS),
    "deque_subclasses": ("import collections\ncollections.deque.__subclasses__()", "AttributeError", INTERNALS),
    "namedtuple_class_private": ("import collections\ncollections.namedtuple('P', 'x')._make.__func__",
                                 "AttributeError", INTERNALS),
    "namedtuple_private": ("import collections\ncollections.namedtuple('P', 'x')(1)._tuple_new", "AttributeError",
                           INTERNALS),
    "typing_origin": ("import typing\ntyping.List[int].__origin__", "AttributeError", INTERNALS),
    "future_feature": ("import __future__\n__future__.annotations.__class__.__mro__", "AttributeError", INTERNALS),
    "string_formatter": ("import string\nstring.Formatter", "AttributeError", "has no attribute 'Formatter'"),
    # changing the engine from a script
    "set_module_member": ("torch.ones = print", "AttributeError", "'module' object has no attribute 'ones'"),
    "set_dunder": ("x.__class__ = int", "AttributeError", INTERNALS),
    "set_node_attribute": ("y.grad_fn.name = 'x'", "AttributeError", "attribute 'name' of 'Node' objects is not"),
    # classes, instances, methods, super, generators and exceptions of the script itself
    "script_instance_dict": ("class A:\n    pass\nA().__dict__", "AttributeError", INTERNALS),
    "script_class_dict": ("class A:\n    pass\nA.__dict__['x']", "AttributeError", INTERNALS),
    "script_class_subclasses": ("class A:\n    pass\nA.__subclasses__()", "AttributeError", INTERNALS),
    "script_class_mro": ("class A:\n    pass\nA.__mro__[1]", "AttributeError", INTERNALS),
    "script_class_bases": ("class A(nn.Module):\n    pass\nA.__bases__", "AttributeError", INTERNALS),
    "script_class_mro_method": ("class A:\n    pass\nA.mro()", "AttributeError", "has no attribute 'mro'"),
    "method_globals": ("class A:\n    def f(self):\n        pass\nA.f.__globals__", "AttributeError", INTERNALS),
    "method_code": ("class A:\n    def f(self):\n        pass\nA().f.__code__", "AttributeError", INTERNALS),
    "bound_method_self_of_script": ("class A:\n    def f(self):\n        pass\nA().f.__self__", "AttributeError",
                                    INTERNALS),
    "bound_method_func": ("class A:\n    def f(self):\n        pass\nA().f.__func__", "AttributeError", INTERNALS),
    "super_self": ("class A:\n    def f(self):\n        return super()\nA().f().__self__", "AttributeError",
                   INTERNALS),
    "super_thisclass": ("class A:\n    def f(self):\n        return super().__thisclass__\nA().f()",
                        "AttributeError", INTERNALS),
    "super_getattribute": ("class A:\n    def f(self):\n        return super().__getattribute__('x')\nA().f()",
                           "AttributeError", INTERNALS),
    "script_generator_frame": ("def g():\n    yield 1\ng().gi_frame", "AttributeError", "gi_frame"),
    "script_generator_code": ("def g():\n    yield 1\ng().gi_code", "AttributeError", "gi_code"),
    "exception_traceback": ("try:\n    1 / 0\nexcept ZeroDivisionError as e:\n    e.__traceback__",
                            "AttributeError", INTERNALS),
    "exception_with_traceback": ("Exception().with_traceback(None)", "AttributeError", "with_traceback"),
    "exit_gets_no_traceback": ("class M:\n    def __enter__(self):\n        return self\n"
                               "    def __exit__(self, kind, error, traceback):\n        traceback.tb_frame\n"
                               "with M():\n    1 / 0", "AttributeError", "'NoneType' object has no attribute"),
    "function_dict": ("def f():\n    pass\nf.__dict__", "AttributeError", INTERNALS),
    "lambda_code": ("(lambda: 1).__code__", "AttributeError", INTERNALS),
    "lambda_closure": ("(lambda: x).__closure__", "AttributeError", INTERNALS),
    "property_getter_function": ("p = property(lambda s: 1)\np.fget", "AttributeError", "has no attribute 'fget'"),
    "staticmethod_function": ("staticmethod(print).__func__", "AttributeError", INTERNALS),
    "module_private_state": ("class N(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                             "        self._modules\nN()", "AttributeError", "'N' object has no attribute '_modules'"),
    "set_module_private_state": ("class N(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                                 "        self._parameters = {}\nN()", "AttributeError", INTERNALS),
    "dunder_getattribute": ("class A:\n    def __getattribute__(self, name):\n        pass", "TypeError",
                            "defines __getattribute__, which autodiff scripts cannot define"),
    "dunder_init_subclass": ("class A:\n    def __init_subclass__(cls):\n        pass", "TypeError",
                             "defines __init_subclass__"),
    "dunder_class_getitem": ("class A:\n    __slots__ = ()", "TypeError", "defines __slots__"),
    "set_dunder_on_instance": ("class A:\n    pass\na = A()\na.__class__ = int", "AttributeError", INTERNALS),
    "set_dunder_on_class": ("class A:\n    pass\nA.__getattribute__ = print", "AttributeError", INTERNALS),
    "metaclass": ("class A(metaclass=type):\n    pass", "SyntaxError", "metaclasses are not supported"),
    "subclass_tensor": ("class T(torch.Tensor):\n    pass", "TypeError", "cannot derive from <class 'torch.Tensor'>"),
    "subclass_int": ("class I(int):\n    pass", "TypeError", "autodiff scripts cannot subclass int"),
    "subclass_function_type": ("class F(type(print)):\n    pass", "TypeError", "cannot derive from"),
    "function_subclass_init_globals": ("class F(torch.autograd.Function):\n    pass\nF.__init__.__globals__",
                                       "AttributeError", INTERNALS),
    "function_subclass_apply_self": ("class F(torch.autograd.Function):\n    pass\nF.apply.__self__",
                                     "AttributeError", INTERNALS),
    "dataset_subclass_add": ("from torch.utils.data import Dataset\nclass D(Dataset):\n    pass\nD.__add__",
                             "AttributeError", INTERNALS),
    "exception_context_internal": ("try:\n    torch.ones(2) + torch.ones(3)\nexcept RuntimeError as e:\n"
                                   "    e.__context__.__traceback__", "AttributeError", "'NoneType' object"),
    "grad_fn_class_view": ("type((torch.ones(1, requires_grad=True) * 2).grad_fn).__dict__", "AttributeError",
                           INTERNALS),
    "subclass_optimizer": ("class O(torch.optim.SGD):\n    pass", "TypeError", "cannot subclass SGD"),
    "subclass_error_category": ("try:\n    1 / 0\nexcept Exception as e:\n    class Z(type(e)):\n"
                                "        pass\n    Z('x').__dict__", "AttributeError", INTERNALS),
}


@pytest.mark.parametrize("source, category, fragment", ESCAPES.values(), ids=ESCAPES.keys())
def test_escape_routes_end_in_autodiff_errors(source, category, fragment):
    err = fails(source)
    assert err.category == category, err
    assert fragment in err.message, err.message
    assert err.span is not None


@pytest.mark.parametrize("source", ["async def f():\n    pass", "import os as o", "x = [y async for y in z]"])
def test_constructs_that_could_reach_internals_are_refused(source):
    err = fails(source)
    assert err.category in ("SyntaxError", "ModuleNotFoundError")


@pytest.mark.parametrize("handler", ["except:", "except Exception:", "except BaseException:", "finally:"])
def test_limits_pass_through_every_except_clause(handler):
    err = fails(f"try:\n    while True:\n        pass\n{handler}\n    print('caught')\n    x = 1", max_steps=10_000)
    assert err.category == "LimitError" and "statements" in err.message


def test_cli_reports_an_escape_attempt_as_a_script_error():
    result = CliRunner().invoke(main, ["run", "-e", "x = (1).__class__.__base__.__subclasses__()"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "AttributeError: type object 'int' has no attribute '__base__' (scripts cannot reach Python internals)")
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


class Base:
    tag = "base"

    def __init__(self, v):
        self.v = v
        self._own = [v]

    def method(self):
        return self.v

    @property
    def twice(self):
        return self.v * 2

    @staticmethod
    def static():
        return 1

    @classmethod
    def make(cls):
        return cls(0)

    def __repr__(self):
        return "Base()"


class Child(Base):
    def __init__(self, v):
        super().__init__(v)
        self.parent = super()

    def method(self):
        return super().method() + 1


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)
        self.note = "plain"

    def forward(self, t):
        return self.fc(t)


class Oops(ValueError):
    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


def generate():
    yield 1
    yield 2


child = Child(3)
bound = child.method
parent = child.parent
net = Net()
out = net(x)
running = generate()
next(running)
expression = (i for i in [1])
try:
    raise Oops("x", 3)
except Oops as error:
    caught = error
try:
    1 / 0
except ZeroDivisionError as error:
    zero = error
again = (x * x).sum()
again.backward()
try:
    again.backward()
except RuntimeError as error:
    torch_error = error
lam = lambda q: q


@torch.no_grad()
def decorated(t):
    return t


kinds = [type(x), type(child), type(print), type(running), type(net), type(caught), type(zero), type(torch),
         type(type), type(bound), type(parent), type(torch_error), type(nn.Parameter(x)), type(torch.float32)]
classes = [Base, Child, Net, Oops, object, ValueError, nn.Module, nn.Linear, property, staticmethod, classmethod]
from torch.utils.data import Dataset


class Doubler(torch.autograd.Function):
    @staticmethod
    def forward(ctx, t):
        ctx.save_for_backward(t)
        return t * 2

    @staticmethod
    def backward(ctx, g):
        return g * 2


class Items(Dataset):
    def __init__(self):
        self.items = [x, x]

    def __getitem__(self, i):
        return self.items[i]

    def __len__(self):
        return len(self.items)


doubled = Doubler.apply(x.detach().requires_grad_())
items = Items()
node_kind = type(doubled.grad_fn)
""" + """
import math, random, string, time, typing, collections, functools, itertools, __future__
import numpy as np
from collections import defaultdict, Counter, OrderedDict, namedtuple, deque, ChainMap
dd = defaultdict(list)
dd['a'].append(1)
counts = Counter('hello')
od = OrderedDict(a=1)
Point = namedtuple('Point', 'x y')
pt = Point(1, 2)
dq = deque([1, 2], maxlen=3)
cm = ChainMap({'a': 1})
part = functools.partial(max, 1)
def sq(v):
    return v * v
cached = functools.lru_cache(maxsize=None)(sq)
cached(2)
info = cached.cache_info()
keyf = functools.cmp_to_key(sq)
its = [itertools.count(), itertools.cycle([1]), itertools.repeat(1), itertools.product([1], [2]),
       itertools.permutations([1]), itertools.combinations([1], 1), itertools.chain([1]), itertools.islice([1], 1),
       itertools.groupby('aab'), itertools.tee([1]), itertools.accumulate([1]), itertools.zip_longest([1]),
       itertools.pairwise([1, 2]), itertools.starmap(max, [(1, 2)]), itertools.takewhile(sq, [1]),
       itertools.dropwhile(sq, [1]), itertools.filterfalse(sq, [1]), itertools.compress([1], [1]),
       itertools.combinations_with_replacement([1], 1), itertools.chain.from_iterable([[1]])]
grouped = [(k, g) for k, g in itertools.groupby('aab')]
rng = random.Random(1)
arr = np.arange(6.0).reshape(2, 3)
arrs = [arr, arr.T, arr.sum(), arr[0, 0], np.float32(1), np.int64(2), np.bool_(True), arr.dtype, np.finfo(np.float32),
        np.iinfo(np.int8), np.random.RandomState(0), np.random.default_rng(0), np.linalg.eig(np.eye(2)),
        np.linalg.svd(np.eye(2)), np.linalg.qr(np.eye(2)), np.printoptions(precision=3), np.add, np.array(['a']),
        x.detach().numpy(), np.ndarray, np.unique([1, 2, 1], return_counts=True), np.linalg.slogdet(np.eye(2)),
        np.random.get_state(), np.meshgrid([1], [2]), np.complex64(1), torch.from_numpy(arr)]
hints = [typing.List[int], typing.Optional[int], typing.Callable[[int], int], typing.Union[int, str],
         typing.TypeVar('T'), typing.Any, typing.Tuple[int, ...], typing.Literal[1]]
feature = __future__.annotations
"""

# Names a table may list with one leading underscore: public API that Python spells that way.
PUBLIC_UNDERSCORE_NAMES = {"_version", "_asdict", "_replace", "_make", "_fields", "_field_defaults"}

SAFE_LEAVES = (type(None), bool, int, float, str, complex, range, slice, type(Ellipsis))
# Dunders a script may read on some values; the walk follows each of them wherever the wall lets it through.
READABLE_DUNDERS = ("__class__", "__init__", "__name__", "__qualname__", "__doc__", "__module__", "__cause__",
                    "__context__")
# Never readable from any value.
FORBIDDEN = ("__dict__", "__globals__", "__subclasses__", "__code__", "__traceback__", "__closure__", "__self__",
             "__func__", "__builtins__", "__mro__", "__bases__", "__base__", "__thisclass__", "gi_frame",
             "gi_code", "tb_frame", "f_globals", "__getattribute__", "__reduce__", "__reduce_ex__")


def _allowed_callables(names: dict, modules: dict) -> set[int]:
    allowed = {id(value) for value in names.values() if callable(value)}
    for namespace in modules.values():
        allowed |= {id(value) for value in namespace.members.values() if callable(value)}
    stack = list(protocol.SUBCLASSABLE)  # `nn.Module.__init__(self)`: the designed way to run a base's __init__
    while stack:
        cls = stack.pop()
        allowed.add(id(cls.__init__))
        stack.extend(type.__subclasses__(cls))
    allowed |= {id(kind) for kind in protocol._CLASS_TABLES}  # classes a façade made (namedtuple) and listed
    return allowed


def _designed_class(value) -> bool:
    return protocol.is_script_class(value) or value in protocol._PUBLIC_CLASSES or value in protocol._CLASS_TABLES


def test_every_reachable_value_is_part_of_the_designed_api():
    names, modules = build_namespace(io.StringIO().write)
    modules.build_all()  # every standard-library façade, imported or not
    interpreter = Interpreter(names, modules, filename="<audit>", stderr=io.StringIO())
    interpreter.run_source(SAMPLES)
    allowed = _allowed_callables(names, modules)
    seen: set[int] = set()
    queue = [(name, value) for name, value in interpreter.globals.items()]
    queue += [(name, module) for name, module in modules.items()]
    leaks = []
    kept = []  # getters build new values (x.T); keep them alive so that ids stay unique
    kinds_walked: set[str] = set()
    previous = errors.set_warning_sink(lambda category, message: None)
    try:
        while queue:
            path, value = queue.pop()
            if id(value) in seen or isinstance(value, SAFE_LEAVES) or path.count(".") + path.count("[") > 6:
                continue
            seen.add(id(value))
            kept.append(value)
            kinds_walked.add(type(value).__name__)
            if isinstance(value, (list, tuple, set, frozenset, collections.deque)):
                queue += [(f"{path}[{i}]", item) for i, item in enumerate(value)]
                if type(value) in (list, tuple, set, frozenset):
                    continue
            if isinstance(value, dict):
                queue += [(f"{path}[{key!r}]", item) for key, item in value.items()]
                queue += [(f"{path} key", key) for key in value]
                if type(value) is dict:
                    continue
            if isinstance(value, (types.ModuleType, types.FrameType, types.CodeType, types.TracebackType)):
                leaks.append(f"{path}: {type(value).__name__}")
                continue
            if isinstance(value, np.ndarray) and value.dtype.hasobject:
                leaks.append(f"{path}: an array of Python objects")
                continue
            if isinstance(value, type) and not _designed_class(value):
                leaks.append(f"{path}: class {value!r}")
                continue
            if isinstance(value, (types.FunctionType, types.BuiltinFunctionType)) and id(value) not in allowed:
                leaks.append(f"{path}: unlisted function {value!r}")
            if type(value) is protocol.Namespace:
                queue += [(f"{path}.{name}", member) for name, member in value.members.items()]
                continue
            for name in FORBIDDEN:
                try:
                    protocol.get_attribute(value, name)
                except AutodiffError:
                    continue
                leaks.append(f"{path}.{name} is readable")
            for name in (*protocol.attribute_names(value), *READABLE_DUNDERS):
                try:
                    result = protocol.get_attribute(value, name)
                except Exception:  # noqa: BLE001 - refused, or a getter that refuses (grad of a non-leaf)
                    continue
                queue.append((f"{path}.{name}", result))
            table = protocol.table_of(value)
            if table is not None:
                for name in (*table.getters, *table.methods):
                    assert not name.startswith("_") or name in PUBLIC_UNDERSCORE_NAMES, f"{path}.{name}"
    finally:
        errors.set_warning_sink(previous)
    assert not leaks, "\n".join(leaks)
    assert len(seen) > 100  # the walk did reach the tables
    for kind in ("Child", "Net", "Oops", "ZeroDivisionError", "RuntimeError", "method", "super", "generator",
                 "function", "ClassView", "TensorType", "GradModeFunction", "Items", "FunctionCtx"):
        assert kind in kinds_walked, f"the walk never reached a {kind}"


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
