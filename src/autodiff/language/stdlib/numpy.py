"""`import numpy as np`: NumPy as learners use it beside torch, over the real NumPy.

Arrays are real `numpy.ndarray`s, so values, printing, operators and errors are NumPy's. What a script may
call is listed here: the functions below (`np.X`), `np.random` (the legacy global RandomState, one per run, so
`np.random.seed(n)` gives NumPy's exact numbers), `np.linalg` and the index tricks `np.r_`, `np.c_`, `np.mgrid`,
`np.ogrid` (without their np.matrix forms); on arrays, numbers, dtypes and generators
only the attributes of their tables. Left out: everything that reaches files or Python internals (`np.save`,
`load`, `fromfile`, `memmap`, `a.tofile`, `a.dump`, `a.ctypes`, `a.base`, `a.__array_interface__`, ...),
arrays of Python objects (`dtype=object`), and uninitialised memory: `np.empty` gives zeros.

Calls through the façade run with NumPy's default floating-point error handling (autodiff's engine silences it
for tensors) and show NumPy's warnings as Python would (`RuntimeWarning: divide by zero encountered in log`).
"""

from __future__ import annotations

import math
import operator
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from autodiff import errors
from autodiff.engine import tensor as engine_tensor
from autodiff.errors import AutodiffError, register_category
from autodiff.language.protocol import Namespace, TypeTable, has_own_table, register, type_name
from autodiff.language.stdlib import cpython_type_name, numpy_tensors
from autodiff.language.stdlib.collections import _register_namedtuple

FUNCTIONS = """
array asarray ascontiguousarray copy zeros ones empty full zeros_like ones_like empty_like full_like arange linspace
logspace geomspace eye identity diag diagflat tri tril triu meshgrid fromiter
add subtract multiply divide true_divide floor_divide power float_power mod remainder fmod divmod negative positive
absolute abs fabs sign sqrt cbrt square reciprocal exp exp2 expm1 log log2 log10 log1p sin cos tan arcsin arccos
arctan arctan2 sinh cosh tanh arcsinh arccosh arctanh degrees radians deg2rad rad2deg hypot floor ceil trunc rint
round around fix clip maximum minimum fmax fmin isnan isinf isfinite nan_to_num logaddexp logaddexp2 sinc heaviside
gcd lcm
equal not_equal greater greater_equal less less_equal logical_and logical_or logical_not logical_xor allclose isclose
array_equal array_equiv bitwise_and bitwise_or bitwise_xor invert
sum prod cumsum cumprod mean average median std var min max amin amax argmin argmax ptp percentile quantile nanmean
nansum nanmax nanmin nanstd nanvar nanargmax nanargmin nanmedian any all count_nonzero diff gradient bincount
histogram cov corrcoef correlate convolve trapezoid cross einsum
sort argsort unique where nonzero argwhere flatnonzero searchsorted isin intersect1d union1d setdiff1d
reshape ravel transpose swapaxes moveaxis squeeze expand_dims concatenate stack vstack hstack dstack column_stack
split array_split hsplit vsplit tile repeat flip fliplr flipud roll rot90 broadcast_to broadcast_arrays atleast_1d
atleast_2d atleast_3d pad take take_along_axis append insert delete
dot vdot inner outer matmul tensordot kron trace diagonal
interp polyfit polyval digitize select lexsort partition argpartition unravel_index ravel_multi_index
tril_indices triu_indices fill_diagonal put putmask copyto
shape ndim size set_printoptions get_printoptions printoptions array2string array_repr array_str isscalar
may_share_memory shares_memory result_type promote_types can_cast finfo iinfo issubdtype
""".split()

# NumPy's scalar types and abstract number classes: constructors, dtype= values and isinstance() targets.
SCALAR_TYPES = """
float16 float32 float64 double single half longdouble int8 int16 int32 int64 intp int_ intc longlong uint8 uint16
uint32 uint64 uintp uintc ulonglong bool_ bool complex64 complex128 clongdouble str_ bytes_ number integer floating
signedinteger unsignedinteger inexact complexfloating generic dtype
""".split()
CONSTANTS = ("pi", "e", "inf", "nan", "newaxis", "euler_gamma")

LINALG = """
norm inv det solve eig eigh eigvals eigvalsh svd pinv qr cholesky matrix_rank lstsq matrix_power slogdet multi_dot
cond LinAlgError
""".split()

# The legacy global generator's functions (np.random.X is a method of one hidden RandomState, as in NumPy).
RANDOM_FUNCTIONS = """
seed get_state set_state rand randn randint random random_sample ranf sample choice shuffle permutation uniform
normal standard_normal binomial poisson exponential beta gamma multinomial multivariate_normal laplace logistic
lognormal geometric standard_t chisquare dirichlet standard_exponential standard_gamma triangular weibull pareto
rayleigh vonmises wald zipf negative_binomial hypergeometric gumbel power f noncentral_chisquare standard_cauchy
""".split()
_RANDOM_ALIASES = {"ranf": "random_sample", "sample": "random_sample"}  # NumPy's module-level aliases
GENERATOR_METHODS = """
random integers normal standard_normal uniform choice shuffle permutation permuted binomial poisson exponential beta
gamma multinomial multivariate_normal laplace logistic lognormal geometric standard_t chisquare dirichlet
standard_exponential standard_gamma triangular weibull pareto rayleigh vonmises wald zipf negative_binomial
hypergeometric gumbel power f noncentral_chisquare standard_cauchy
""".split()

ARRAY_GETTERS = ("shape", "ndim", "size", "dtype", "T", "mT", "itemsize", "nbytes", "real", "imag", "strides")
ARRAY_METHODS = """
all any argmax argmin argsort astype clip copy cumprod cumsum diagonal dot fill flatten item max mean min nonzero
prod ravel repeat reshape round sort squeeze std sum swapaxes take tolist trace transpose var conj conjugate
searchsorted argpartition partition
""".split()
SCALAR_GETTERS = ("dtype", "shape", "ndim", "size", "itemsize", "nbytes", "real", "imag", "T")
SCALAR_METHODS = ("item", "tolist", "astype", "round", "is_integer", "conjugate", "all", "any", "sum", "mean", "max",
                  "min", "argmax", "argmin", "reshape", "squeeze", "flatten", "ravel", "copy")
DTYPE_GETTERS = ("name", "kind", "char", "itemsize", "str", "type", "byteorder", "names", "shape", "ndim", "num")
FINFO_GETTERS = ("bits", "eps", "epsneg", "max", "min", "tiny", "smallest_normal", "resolution", "precision", "dtype")
IINFO_GETTERS = ("bits", "min", "max", "dtype", "kind")

# NumPy's own defaults for floating-point errors (autodiff's engine sets "ignore" for all, as PyTorch is silent).
_NUMPY_ERRSTATE = {"divide": "warn", "over": "warn", "under": "ignore", "invalid": "warn"}
_DEFAULT_PRINTOPTIONS = np.get_printoptions()
_NUMPY_ERRORS = (np.linalg.LinAlgError, np.exceptions.AxisError)


# -- calling NumPy ---------------------------------------------------------------------------------------------

def _refuse_objects(value: Any) -> Any:
    """Arrays of Python objects stay out: NumPy would call methods on the objects by name."""
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            raise AutodiffError("TypeError", "arrays of Python objects (dtype=object) are not available in "
                                "autodiff scripts")
    elif type(value) is tuple or type(value) is list:
        for item in value:
            if isinstance(item, np.ndarray) and item.dtype.hasobject:
                _refuse_objects(item)
    elif isinstance(value, tuple) and hasattr(type(value), "_fields") and not has_own_table(type(value)):
        _register_namedtuple(type(value))  # NumPy's result tuples (EigResult, SVDResult, ...)
    return value


def _call(function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Call NumPy as a Python program would: its error handling and warnings, then the object-array check."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with np.errstate(**_NUMPY_ERRSTATE):
                result = function(*args, **kwargs)
        except _NUMPY_ERRORS as exc:  # NumPy's own exception classes, named as Python names them
            raise AutodiffError(type(exc).__name__, str(exc)) from None
        finally:
            for warning in caught:
                errors.warn(warning.category.__name__, str(warning.message))
    return _refuse_objects(result)


def _wrapped(function: Callable[..., Any], name: str | None = None) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        return _call(function, args, kwargs)

    call.__name__ = call.__qualname__ = name or getattr(function, "__name__", "function")
    call.__doc__ = getattr(function, "__doc__", None)
    return call


def _dispatching(function: Callable[..., Any], name: str) -> Callable[..., Any]:
    """A NumPy function that calls the method of its argument's own (see numpy_tensors), as with PyTorch."""
    def call(*args: Any, **kwargs: Any) -> Any:
        handled, result = numpy_tensors.call_on_tensor(function, args, kwargs)
        return result if handled else _call(function, args, kwargs)

    call.__name__ = call.__qualname__ = name or getattr(function, "__name__", "function")
    call.__doc__ = getattr(function, "__doc__", None)
    return call


def _elements(shape: Any) -> int | None:
    """The number of elements of a shape argument (an int or a sequence of ints), None if it is not one."""
    if isinstance(shape, (int, np.integer)):
        return max(int(shape), 0)
    if isinstance(shape, (tuple, list)) and all(isinstance(n, (int, np.integer)) for n in shape):
        total = 1
        for n in shape:
            total *= max(int(n), 0)
        return total
    return None


def _check_elements(count: int | None, shape: Any) -> None:
    if count is not None and count > engine_tensor.max_elements:
        raise AutodiffError("LimitError", f"an array of shape {shape!r} would have {count:,} elements, more than the "
                            f"limit of {engine_tensor.max_elements:,} (raise it with --max-elements)")


def _sized(function: Callable[..., Any], shape_of: Callable[..., Any]) -> Callable[..., Any]:
    """`function` with the element limit checked before NumPy allocates."""
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            shape = shape_of(*args, **kwargs)
        except TypeError:
            shape = None  # NumPy reports the wrong call itself
        if shape is not None:
            _check_elements(_elements(shape), shape)
        return _call(function, args, kwargs)

    call.__name__ = call.__qualname__ = function.__name__
    call.__doc__ = function.__doc__
    return call


def _shape_argument(shape: Any, *args: Any, **kwargs: Any) -> Any:
    return shape


def _dims(*dims: Any, **kwargs: Any) -> Any:
    return dims


def _size_keyword(*args: Any, size: Any = None, **kwargs: Any) -> Any:
    return size


def _arange_length(*args: Any, **kwargs: Any) -> Any:
    numbers = [a for a in args if isinstance(a, (int, float, np.number))]
    if len(numbers) != len(args) or not numbers or kwargs:
        return None
    start, stop, step = (0, numbers[0], 1) if len(numbers) == 1 else (*numbers[:2], numbers[2] if len(numbers) > 2
                                                                         else 1)
    if step == 0:
        return None
    return max(int(-(-(stop - start) // step)), 0)


def _linspace_length(start: Any, stop: Any, num: Any = 50, *args: Any, **kwargs: Any) -> Any:
    return num


def _triangle_shape(n: Any, k: Any = 0, m: Any = None, *args: Any, **kwargs: Any) -> Any:
    return (n, n if m is None else m)


def _argwhere(a: Any) -> Any:
    if isinstance(a, engine_tensor.Tensor) and a.ndim > 0:
        return numpy_tensors.argwhere_of_tensor(a, _wrapped(np.transpose))
    return _call(np.argwhere, (a,), {})


_argwhere.__name__ = _argwhere.__qualname__ = "argwhere"
_argwhere.__doc__ = np.argwhere.__doc__


def _eye_shape(n: Any, m: Any = None, *args: Any, **kwargs: Any) -> Any:
    return (n, n if m is None else m)


def _zeros_instead_of_uninitialised(function: Callable[..., Any]) -> Callable[..., Any]:
    """np.empty and np.empty_like: NumPy leaves the memory as it was; autodiff fills it with zeros, so a script
    can read no leftover bytes of the process (and prints the same thing every run)."""
    zeros = np.zeros if function is np.empty else np.zeros_like

    def call(*args: Any, **kwargs: Any) -> Any:
        return _call(zeros, args, kwargs)

    call.__name__ = call.__qualname__ = function.__name__
    call.__doc__ = function.__doc__
    return call


class ArrayClass:
    """`np.ndarray` as scripts see it: `isinstance(a, np.ndarray)` and `type(a) == np.ndarray` as in NumPy, and
    it prints as the class; calling it gives zeros rather than uninitialised memory (and takes no buffer)."""

    def __call__(self, shape: Any, dtype: Any = float, order: str = "C") -> np.ndarray:
        _check_elements(_elements(shape), shape)
        return _call(np.zeros, (shape, dtype), {"order": order})

    def __instancecheck__(self, value: Any) -> bool:
        return isinstance(value, np.ndarray)

    def __subclasscheck__(self, kind: type) -> bool:
        return issubclass(kind, np.ndarray)

    def __eq__(self, other: object) -> bool:
        return other is self or other is np.ndarray

    def __hash__(self) -> int:
        return hash(np.ndarray)

    def __repr__(self) -> str:
        return "<class 'numpy.ndarray'>"


UFUNC_METHODS = ("reduce", "accumulate", "outer", "reduceat")


class Ufunc:
    """A NumPy ufunc (`np.add`, `np.exp`) called through the façade; `np.add.reduce(...)` and friends are in its
    table."""

    __slots__ = ("ufunc",)

    def __init__(self, ufunc: np.ufunc):
        self.ufunc = ufunc

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _call(self.ufunc, args, kwargs)

    def __repr__(self) -> str:
        return repr(self.ufunc)


def _ufunc_method(name: str) -> Callable[..., Any]:
    def method(receiver: Ufunc, *args: Any, **kwargs: Any) -> Any:
        return _call(getattr(receiver.ufunc, name), args, kwargs)

    method.__name__ = method.__qualname__ = name
    return method


# -- np.r_, np.c_, np.mgrid, np.ogrid --------------------------------------------------------------------------

_NUMBERS = (int, float, complex, np.number, np.bool_)


def _slice_length(item: slice, owner: str) -> int | None:
    """How many values a slice of np.r_/np.mgrid makes (a complex step is a count, as in linspace); None where
    NumPy itself fails before it allocates (a zero step, an infinite or NaN bound)."""
    for part in (item.start, item.stop, item.step):
        if part is not None and not isinstance(part, _NUMBERS):
            raise AutodiffError("TypeError", f"np.{owner} takes numbers in its slices in autodiff scripts, not "
                                f"{type_name(part)}")
    start = 0 if item.start is None else item.start
    step = 1 if item.step is None else item.step
    try:
        if isinstance(step, (complex, np.complexfloating)):
            return max(int(abs(step)), 0)
        return max(math.ceil((item.stop - start) / step), 0)
    except (ArithmeticError, ValueError, TypeError):
        return None


class _Concatenator:
    """np.r_ and np.c_: `np.r_[1:4, 0, [5, 6]]` joins slices (made with arange, or linspace for a complex step),
    numbers and arrays, with NumPy's `'axis,ndmin,trans1d'` directive first. The matrix forms (a lone string,
    which NumPy evaluates with its caller's variables, and the 'r'/'c' directives) are left out."""

    __slots__ = ("trick", "owner")

    def __init__(self, trick: Any, owner: str):
        self.trick = trick
        self.owner = owner

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            raise AutodiffError("TypeError", f"np.{self.owner}[string] builds a np.matrix from the caller's "
                                "variables; matrices are not available in autodiff scripts")
        items = key if isinstance(key, tuple) else (key,)
        if items and isinstance(items[0], str) and items[0] in ("r", "c"):
            raise AutodiffError("TypeError", f"np.{self.owner}['{items[0]}', ...] makes a np.matrix; matrices are "
                                "not available in autodiff scripts")
        total = 0
        for item in items:
            if isinstance(item, slice):
                total += _slice_length(item, self.owner) or 0
            elif isinstance(item, np.ndarray):
                total += item.size
        _check_elements(total, (total,))
        return _plain_array(_call(self.trick.__getitem__, (key,), {}))

    def __len__(self) -> int:
        return len(self.trick)

    def __repr__(self) -> str:
        return repr(self.trick)


class _Grid:
    """np.mgrid (one array of every coordinate) and np.ogrid (open: one broadcastable array per axis):
    `np.mgrid[0:3, 0:1:5j]`, slices only."""

    __slots__ = ("trick", "owner")

    def __init__(self, trick: Any, owner: str):
        self.trick = trick
        self.owner = owner

    def __getitem__(self, key: Any) -> Any:
        items = list(key) if isinstance(key, (tuple, list, np.ndarray, str)) else [key]
        lengths = []
        for item in items:
            if not isinstance(item, slice):
                # NumPy reads `.step` off each item; only slices have one.
                raise AutodiffError("AttributeError", f"'{type_name(item)}' object has no attribute 'step'")
            lengths.append(_slice_length(item, self.owner))
        if None not in lengths:
            if self.owner == "ogrid":
                _check_elements(sum(lengths), tuple(lengths))
            else:
                shape = tuple(lengths) if isinstance(key, slice) else (len(lengths), *lengths)
                _check_elements(_elements(shape), shape)
        return _plain_array(_call(self.trick.__getitem__, (key,), {}))

    def __repr__(self) -> str:
        return repr(self.trick)


def _plain_array(result: Any) -> Any:
    """What an index trick gives a script: plain arrays (or a tuple of them), never a subclass."""
    for value in result if isinstance(result, tuple) else (result,):
        if type(value) is not np.ndarray:
            raise AutodiffError("TypeError", f"np.{type(value).__name__} values are not available in autodiff "
                                "scripts")
    return result


# Named as NumPy names their classes, for messages such as "'RClass' object has no attribute 'axis'".
class RClass(_Concatenator):
    __slots__ = ()


class CClass(_Concatenator):
    __slots__ = ()


class MGridClass(_Grid):
    __slots__ = ()


class OGridClass(_Grid):
    __slots__ = ()


INDEX_TRICKS: dict[str, type[_Concatenator] | type[_Grid]] = {
    "r_": RClass, "c_": CClass, "mgrid": MGridClass, "ogrid": OGridClass}


# -- tables ----------------------------------------------------------------------------------------------------

def _method(kind: type, name: str) -> Callable[..., Any]:
    function = getattr(kind, name)

    def method(receiver: Any, *args: Any, **kwargs: Any) -> Any:
        return _call(function, (receiver, *args), kwargs)

    method.__name__ = method.__qualname__ = name
    return method


def _getter(name: str) -> Callable[[Any], Any]:
    return operator.attrgetter(name)


_registered: list[bool] = []


def _register_random_tables() -> None:
    """The generators' tables: only once a script imports numpy (numpy.random takes ~50 ms to import)."""
    if has_own_table(np.random.RandomState):
        return
    register(np.random.RandomState, TypeTable(cpython_type_name(np.random.RandomState), methods={
        name: _method(np.random.RandomState, name) for name in RANDOM_FUNCTIONS if hasattr(np.random.RandomState,
                                                                                         name)}))
    register(np.random.Generator, TypeTable(cpython_type_name(np.random.Generator), methods={
        name: _method(np.random.Generator, name) for name in GENERATOR_METHODS if hasattr(np.random.Generator, name)
    }))


def register_tables() -> None:
    """The tables of arrays, NumPy numbers and dtypes: registered for every run, since `x.numpy()` hands out
    arrays without `import numpy`."""
    if _registered:
        return
    _registered.append(True)
    register_category("LinAlgError", np.linalg.LinAlgError, "numpy.linalg")
    register_category("AxisError", np.exceptions.AxisError, "numpy.exceptions")
    register(np.ndarray, TypeTable("numpy.ndarray", getters={name: _getter(name) for name in ARRAY_GETTERS},
                                   methods={name: _method(np.ndarray, name) for name in ARRAY_METHODS}))
    scalar_types = {np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
                    np.float16, np.float32, np.float64, np.longdouble, np.complex64, np.complex128, np.clongdouble,
                    np.str_, np.bytes_, np.longlong, np.ulonglong, np.intc, np.uintc}
    for kind in scalar_types:
        register(kind, TypeTable(cpython_type_name(kind), getters={
            name: _getter(name) for name in SCALAR_GETTERS if hasattr(kind, name)
        }, methods={name: _method(kind, name) for name in SCALAR_METHODS if hasattr(kind, name)}))
    dtype_getters = {name: _getter(name) for name in DTYPE_GETTERS}
    register(np.dtype, TypeTable("numpy.dtype", getters=dict(dtype_getters)))
    for kind in vars(np.dtypes).values():
        if isinstance(kind, type) and issubclass(kind, np.dtype):
            register(kind, TypeTable(cpython_type_name(kind), getters=dict(dtype_getters)))
    register(np.finfo, TypeTable("numpy.finfo", getters={name: _getter(name) for name in FINFO_GETTERS}))
    register(np.iinfo, TypeTable("numpy.iinfo", getters={name: _getter(name) for name in IINFO_GETTERS}))
    register(ArrayClass, TypeTable("type"))
    printoptions = type(np.printoptions())
    register(printoptions, TypeTable(cpython_type_name(printoptions)))
    for trick in INDEX_TRICKS.values():
        register(trick, TypeTable(trick.__name__))
    register(Ufunc, TypeTable("numpy.ufunc", getters={
        "nin": lambda u: u.ufunc.nin, "nout": lambda u: u.ufunc.nout, "nargs": lambda u: u.ufunc.nargs,
        "identity": lambda u: u.ufunc.identity,
    }, methods={name: _ufunc_method(name) for name in UFUNC_METHODS}))


# -- the modules -----------------------------------------------------------------------------------------------

def _numpy_members() -> dict[str, Any]:
    members: dict[str, Any] = {}
    for name in FUNCTIONS:
        if hasattr(np, name):
            function = getattr(np, name)
            members[name] = Ufunc(function) if isinstance(function, np.ufunc) else _wrapped(function, name)
    for name, shape_of in (("zeros", _shape_argument), ("ones", _shape_argument), ("full", _shape_argument),
                           ("arange", _arange_length), ("linspace", _linspace_length), ("logspace", _linspace_length),
                           ("geomspace", _linspace_length), ("eye", _eye_shape), ("identity", _eye_shape),
                           ("tril_indices", _triangle_shape), ("triu_indices", _triangle_shape)):
        members[name] = _sized(getattr(np, name), shape_of)
    for name in numpy_tensors.DISPATCHING:
        members[name] = _dispatching(getattr(np, name), name)
    members["argwhere"] = _argwhere
    members["empty"] = _sized(_zeros_instead_of_uninitialised(np.empty), _shape_argument)
    members["empty_like"] = _zeros_instead_of_uninitialised(np.empty_like)
    for name in SCALAR_TYPES:
        if hasattr(np, name):
            members[name] = getattr(np, name)
    members["ndarray"] = ArrayClass()
    for name, trick in INDEX_TRICKS.items():
        members[name] = trick(getattr(np, name), name)
    for name in CONSTANTS:
        members[name] = getattr(np, name)
    return members


def _random_members(generator: np.random.RandomState) -> dict[str, Any]:
    members: dict[str, Any] = {}
    sized = {"rand": _dims, "randn": _dims}
    for name in RANDOM_FUNCTIONS:
        method = getattr(generator, _RANDOM_ALIASES.get(name, name), None)
        if method is not None:
            members[name] = _sized(method, sized.get(name, _size_keyword))
    members["RandomState"] = np.random.RandomState
    members["default_rng"] = _wrapped(np.random.default_rng, "default_rng")
    return members


def build() -> dict[str, Namespace]:
    register_tables()
    _register_random_tables()
    np.set_printoptions(**_DEFAULT_PRINTOPTIONS)  # a run starts with NumPy's defaults, as a new process would
    numpy = Namespace("numpy", _numpy_members())
    random = Namespace("numpy.random", _random_members(np.random.RandomState()))
    linalg = Namespace("numpy.linalg", {
        name: getattr(np.linalg, name) if name == "LinAlgError" else _wrapped(getattr(np.linalg, name), name)
        for name in LINALG if hasattr(np.linalg, name)})
    numpy.members.update({"random": random, "linalg": linalg})
    return {"numpy": numpy, "numpy.random": random, "numpy.linalg": linalg}
