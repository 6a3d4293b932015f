"""`import numpy as np` in scripts: every snippet runs through autodiff and through the CPython running the tests
(with the same NumPy, so the same SIMD kernels on both sides), comparing the printed output, NumPy's warnings and
the error. The bridge with torch (`x.numpy()`, `torch.from_numpy`, `torch.tensor(array)`, operators between
tensors and arrays) is compared with real PyTorch 2.13 (oracle) and kept checked without torch by the
tests/golden/numpy_*.py programs.
"""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pytest

from autodiff.language.stdlib import numpy as facade
from autodiff.prelude import build_namespace
from goldentools import reduce_stderr
from pyoracle import check, run_autodiff, same_as_cpython


@pytest.fixture(autouse=True)
def _numpy_print_defaults():
    """Snippets that change NumPy's print options must not change them for the next snippet's CPython run."""
    options = np.get_printoptions()
    yield
    np.set_printoptions(**options)


ARRAYS = {
    "create_and_print": "import numpy as np\na = np.array([[1.0, 2.5], [3.0, 4.0]])\nprint(a)\nprint(f'{a!r}')\n"
                        "print(np.array([1, 2, 3]), np.array([True, False]), np.array([1.5, 2], dtype=np.float32))\n"
                        "print(f'{np.array([1, 2], dtype=np.int32)!r}', f'{np.array([0.1, 0.25])!r}')",
    "creators": "import numpy as np\nprint(np.zeros(3), np.ones((2, 2), dtype=int), np.full((2, 3), 7.5),"
                " np.arange(5), np.arange(0, 1, 0.25), np.linspace(0, 1, 5), np.eye(3), np.identity(2),"
                " np.zeros_like(np.ones(2)), np.ones_like([[1, 2]]), np.full_like(np.ones(3), 2), np.diag([1, 2]),"
                " np.tril(np.ones((3, 3))), np.logspace(0, 2, 3))",
    "empty_is_zeros": "import numpy as np\nprint(np.empty(0), np.empty((0, 2)).shape)",
    "attributes": "import numpy as np\na = np.arange(12.0).reshape(3, 4)\nprint(a.shape, a.ndim, a.size, a.dtype, a.T,"
                  " a.itemsize, a.nbytes, a.T.shape, a.strides, a.real, a.imag, a.dtype.name, a.dtype.kind,"
                  " a.dtype.itemsize, a.dtype.type)",
    "methods": "import numpy as np\na = np.array([[3.0, 1.0, 2.0], [6.0, 5.0, 4.0]])\nprint(a.sum(), a.sum(axis=0),"
               " a.mean(axis=1), a.max(), a.min(axis=0), a.argmax(), a.argmin(axis=1), a.std(), a.var(axis=0),"
               " a.cumsum(), a.prod(), a.reshape(3, 2), a.reshape(-1), a.flatten(), a.ravel(), a.transpose(),"
               " a.astype(int), a.round(1), a.clip(2, 5), a.tolist(), a[0, 1].item(), a.copy(), a.squeeze(),"
               " a.any(), a.all(), a.nonzero(), a.dot(np.ones(3)), a.swapaxes(0, 1), a.repeat(2), a.trace(),"
               " a.diagonal(), a.take([0, 2]), a.argsort(), np.sort(a, axis=None))",
    "in_place_methods": "import numpy as np\na = np.array([3, 1, 2])\na.sort()\nb = np.zeros(3)\nb.fill(4)\n"
                        "print(a, b)",
    "indexing": "import numpy as np\na = np.arange(12).reshape(3, 4)\nprint(a[0], a[:, 1], a[1:, ::2], a[a > 5],"
                " a[[0, 2]],"
                " a[-1, -1], a[..., 0], a[None].shape, a[:, np.newaxis].shape)\na[0] = 0\na[:, -1] += 100\n"
                "a[a % 2 == 1] = -1\nprint(a)",
    "operators": "import numpy as np\na = np.array([1.0, 2.0, 3.0])\nb = np.array([[1], [2]])\n"
                 "print(a + 1, 2 * a, a - a, a / 2, a // 2, a % 2, a ** 2, -a, abs(-a), a @ a, a + b, a > 1, a == 2,"
                 " 1 / a, 2 ** a, a != a, (a > 1) & (a < 3), ~(a > 1))\nc = a.copy()\nc += 1\nc *= 2\nprint(c)",
    "functions": "import numpy as np\na = np.array([1.0, 4.0, 9.0])\nprint(np.sqrt(a), np.exp(np.zeros(2)),"
                 " np.log(np.ones(2)), np.abs([-1, 2]), np.maximum(a, 5), np.minimum(a, 5), np.clip(a, 2, 5),"
                 " np.sum(a), np.mean(a), np.std(a), np.var(a), np.max(a), np.min(a), np.argmax(a), np.cumsum(a),"
                 " np.prod(a), np.median(a), np.percentile(a, 50), np.round(np.array([1.25, 2.5]), 1), np.floor(a / 2),"
                 " np.ceil(a / 2), np.where(a > 3, a, 0), np.square(a), np.sign(a - 4), np.power(a, 2), np.dot(a, a),"
                 " np.matmul(np.eye(2), [1, 2]), np.outer([1, 2], [3, 4]), np.allclose(a, a + 1e-9),"
                 " np.isclose(a, [1, 4, 9.1]), np.array_equal(a, a), np.any(a > 5), np.all(a > 0))",
    "reshape_join_split": "import numpy as np\na = np.arange(6)\nprint(np.reshape(a, (2, 3)), np.concatenate([a, a]),"
                          " np.stack([a, a]), np.vstack([a, a]), np.hstack([a, a]), np.split(a, 3),"
                          " np.expand_dims(a, 0).shape, np.squeeze(np.ones((1, 3, 1))).shape,"
                          " np.transpose(np.ones((2, 3)))"
                          ".shape, np.flip(a), np.roll(a, 2), np.tile([1, 2], 2), np.repeat([1, 2], 2),"
                          " np.concatenate([np.ones((1, 2)), np.zeros((1, 2))], axis=1), np.column_stack([a, a]).shape,"
                          " np.broadcast_to(a, (2, 6)).shape, np.pad(a, 1), np.append(a, 9), np.delete(a, 0))",
    "sorting_searching": "import numpy as np\na = np.array([3, 1, 2, 3, 1])\nprint(np.sort(a), np.argsort(a),"
                         " np.unique(a), np.unique(a, return_counts=True), np.nonzero(a > 1), np.argwhere(a > 2),"
                         " np.searchsorted([1, 2, 3], 2), np.isin(a, [1, 3]), np.bincount(a), np.count_nonzero(a),"
                         " np.diff(a), np.intersect1d(a, [1, 5]), np.histogram([1, 2, 2, 3], bins=3))",
    "linalg": "import numpy as np\nm = np.array([[2.0, 0.0], [0.0, 4.0]])\nprint(np.linalg.inv(m), np.linalg.det(m),"
              " np.linalg.norm([3, 4]), np.linalg.solve(m, [2, 4]), np.linalg.matrix_rank(m), np.trace(m),"
              " np.linalg.matrix_power(m, 2), np.linalg.eigvals(m))\nw, v = np.linalg.eig(m)\nprint(w, v)\n"
              "u, s, vh = np.linalg.svd(m)\nprint(s, np.linalg.svd(m).S, np.linalg.eigh(m).eigenvalues)",
    "linalg_singular": "import numpy as np\nnp.linalg.inv(np.zeros((2, 2)))",
    "dtypes_and_scalars": "import numpy as np\nx = np.float32(1.5)\ny = np.int64(7)\nprint(x, y, x * 2, y // 2,"
                          " x.dtype, y.item(),"
                          " np.float64(0.1) + 0.2, np.dtype('float32'), np.dtype(np.int64).itemsize, np.float32,"
                          " np.array([1, 2]).dtype == np.int64, np.issubdtype(np.float32, np.floating),"
                          " np.finfo(np.float32).eps, np.finfo(np.float64).max, np.iinfo(np.int8).min,"
                          " np.array([1.5]).astype(np.float16), np.pi, np.e, np.inf, -np.inf, np.nan, x.is_integer(),"
                          " np.bool_(True), np.result_type(np.int32, np.float32), np.promote_types('i4', 'f8'))",
    "scalar_reprs": "import numpy as np\nprint([np.float64(1.5), np.int32(2), np.float32(0.1), np.bool_(False)],"
                    " f'{np.mean([1, 2])!r}', (np.float64(2.0),))",
    "ndarray_class": "import numpy as np\nprint(np.ndarray, np.ndarray == np.ndarray, np.ndarray((2, 3)).shape,"
                     " np.ndarray(2, dtype=int).dtype)",
    "printoptions": "import numpy as np\na = np.array([1 / 3, 2 / 3, 1e-5])\nprint(a)\nwith"
                    " np.printoptions(precision=3,"
                    " suppress=True):\n    print(a)\nprint(a)\nnp.set_printoptions(precision=2)\nprint(a,"
                    " np.arange(2000))\n"
                    "print(np.array2string(a, precision=1), np.array_str(a), np.array_repr(np.arange(3)))",
    "big_array_summarised": "import numpy as np\nprint(np.arange(10000).reshape(100, 100))",
    "ufunc_methods": "import numpy as np\nprint(np.add.reduce([1, 2, 3]), np.multiply.accumulate([1, 2, 3]),"
                     " np.add.outer([1, 2], [10, 20]), np.maximum.reduce([3, 9, 2]), np.exp, np.add.nin)",
    "meshgrid_einsum": "import numpy as np\nxx, yy = np.meshgrid([1, 2, 3], [4, 5])\nprint(xx, yy,"
                       " np.einsum('ij,j->i', np.ones((2, 3)), [1, 2, 3]), np.cross([1, 0, 0], [0, 1, 0]))",
    "warnings": "import numpy as np\nprint(np.log(0.0), np.log(np.array([-1.0, 0.0])), np.sqrt(-1.0),"
                " np.divide(1.0, 0.0), np.array([1.0]) / np.array([0.0]) if False else 0)",
    "mean_of_empty": "import numpy as np\nprint(np.mean(np.array([])))",
    "broadcast_error": "import numpy as np\nnp.ones(3) + np.ones(4)",
    "reshape_error": "import numpy as np\nnp.arange(6).reshape(4, 2)",
    "index_error": "import numpy as np\nnp.arange(3)[5]",
    "axis_error": "import numpy as np\nnp.ones(3).sum(axis=2)",
    "unknown_function": "import numpy as np\nnp.frobnicate(1)",
    "unknown_attribute": "import numpy as np\nnp.ones(2).frobnicate",
    "dtype_error": "import numpy as np\nnp.zeros(2, dtype='nope')",
    "negative_dimension": "import numpy as np\nnp.zeros(-1)",
    "from_list_of_lists": "import numpy as np\ndata = [[1, 2], [3, 4], [5, 6]]\nX = np.array(data, dtype=np.float32)\n"
                          "y = X @ np.array([0.5, -1.0], dtype=np.float32)\nprint(X.shape, y, y.dtype, X.mean(axis=0),"
                          " (X - X.mean(axis=0)) / X.std(axis=0))",
    "import_forms": "import numpy\nimport numpy.random\nimport numpy.linalg as la\nfrom numpy import array, zeros\n"
                    "from numpy.random import rand, seed\nseed(1)\nprint(numpy.ones(1), array([1]), zeros(1),"
                    " la.norm([3, 4]),"
                    " rand(2), numpy.random.rand(1))",
    "interpolation_fits_and_indices": "import numpy as np\n"
        "a = np.arange(9.0).reshape(3, 3)\n"
        "print(np.diagonal(a), np.diagonal(a, 1))\n"
        "print(np.interp(2.5, [1, 2, 3], [10, 20, 30]), np.interp([0, 5], [1, 2], [3, 4]))\n"
        "x = np.array([0.0, 1.0, 2.0, 3.0])\n"
        "y = 2 * x + 1\n"
        "coef = np.polyfit(x, y, 1)\n"
        "print(np.round(coef, 6), np.polyval([2, 1], 3), np.digitize([0.5, 1.5, 3.0], [1, 2]))\n"
        "print(np.select([x < 1, x > 2], [x, -x], default=9), np.lexsort(([1, 0, 1], [0, 0, 1])))\n"
        "print(np.partition(np.array([3, 1, 2]), 1), np.argpartition(np.array([3, 1, 2]), 1))\n"
        "print(np.unravel_index(5, (3, 3)))\n"
        "print(np.ravel_multi_index(([0, 1], [2, 0]), (3, 3)), np.tril_indices(3))\n"
        "print(np.triu_indices(3, 1), np.triu_indices(2, 0, 3))\n"
        "np.fill_diagonal(a, 0)\n"
        "print(a)\n"
        "b = np.zeros(4)\n"
        "np.put(b, [0, 2], [5, 6])\n"
        "np.putmask(b, b > 5, 1)\n"
        "c = np.ones(4)\n"
        "np.copyto(c, b)\n"
        "print(b, c, a[np.triu_indices(3)])",
}
test_arrays = check(ARRAYS, with_warnings=True)


# -- np.r_, np.c_, np.mgrid, np.ogrid: compared with real NumPy ------------------------------------------------

INDEX_TRICKS = {
    "r_slices_and_numbers": "import numpy as np\nprint(np.r_[1:4, 0, 4], np.r_[0:1:5j], np.r_[-1:1:0.5],"
                            " np.r_[0:10:3], np.r_[5:0:-2], np.r_[0:5:-1], np.r_[:3], np.r_[0:2, 1.5], np.r_[True:3])",
    "r_arrays_and_lists": "import numpy as np\nprint(np.r_[np.array([1, 2]), 3, [4, 5]], np.r_[[1, 2], np.zeros(2)],"
                          " np.r_[np.float32(1), np.array([2], dtype=np.float32)], np.r_[np.ones((2, 2)), [[5, 6]]],"
                          " np.r_[np.array([1, 2]), 0:1:3j].dtype, np.r_[3], np.r_[[1.5]], len(np.r_), len(np.c_))",
    "r_variable_point_count": "import numpy as np\nn = 4\nprint(np.r_[0:1:n * 1j], np.r_[0:1:1j * n],"
                              " np.r_[-2:2:3j], np.mgrid[0:1:n*1j], np.r_[0:1:(n + 1) * 1j])",
    "r_directives": "import numpy as np\nprint(np.r_['0,2', [1, 2, 3], [4, 5, 6]],"
                    " np.r_['-1,2,0', [1, 2, 3], [4, 5, 6]], np.r_['1,2,0', [1, 2, 3], [4, 5, 6]],"
                    " np.r_['1', np.ones((2, 2)), np.zeros((2, 1))],"
                    " np.r_['0,3', [1, 2]].shape, np.r_['-1', [[1], [2]], [[3], [4]]], np.r_['0,2', 0:3])",
    "c_columns": "import numpy as np\nprint(np.c_[np.array([1, 2, 3]), np.array([4, 5, 6])], np.c_[[1, 2]],"
                 " np.c_[np.array([[1, 2, 3]]), 0, 0, np.array([[4, 5, 6]])], np.c_[1, 2], np.c_[0:1:3j, 0:3],"
                 " np.c_[np.ones((2, 2)), [5, 6]])\nX = np.c_[np.ones(3), np.arange(3.0)]\nprint(X.shape, X @ [1, 2])",
    "mgrid": "import numpy as np\nprint(np.mgrid[0:3, 0:2], np.mgrid[0:1:3j], np.mgrid[-1:1:0.5], np.mgrid[:3],"
             " np.mgrid[0.5:2], np.mgrid[0:1:3j, 0:2], np.mgrid[0:4:2, 1:3:3j].dtype, np.mgrid[0:1:1j],"
             " np.mgrid[0:1:0j], np.mgrid[()], np.mgrid[[slice(0, 2), slice(0, 3)]], np.mgrid[0:2, 0:2, 0:2].shape)"
             "\nxx, yy = np.mgrid[-1:1:5j, -1:1:5j]\nprint(xx.shape, (xx ** 2 + yy ** 2).round(2),"
             " np.mgrid[0:3, 0:2].reshape(2, -1).T)",
    "ogrid": "import numpy as np\nprint(np.ogrid[0:3, 0:2], np.ogrid[0:1:3j], np.ogrid[0:1:3j, 0:2], np.ogrid[()],"
             " np.ogrid[:2])\nx, y = np.ogrid[0:3, 0:4]\nprint(x + y, (x * y).shape)",
    "reprs_and_attributes": "import numpy as np\nprint(type(np.r_).__name__, type(np.mgrid).__name__)\n"
                            "np.r_.frobnicate",
    "mgrid_zero_step": "import numpy as np\nnp.mgrid[0:3, 0:2:0]",
    "mgrid_infinite": "import numpy as np\nnp.mgrid[0:np.inf]",
    "r_infinite": "import numpy as np\nnp.r_[0:np.inf]",
    "r_zero_step": "import numpy as np\nnp.r_[0:3:0]",
    "mgrid_number": "import numpy as np\nnp.mgrid[1]",
    "mgrid_number_after_slice": "import numpy as np\nnp.mgrid[0:2, 1]",
    "mgrid_array": "import numpy as np\nnp.mgrid[np.arange(2)]",
    "mgrid_string": "import numpy as np\nnp.mgrid['ab']",
    "ogrid_list": "import numpy as np\nnp.ogrid[[1, 2]]",
    "r_bad_directive": "import numpy as np\nnp.r_['0,a', 1]",
    "r_unknown_directive": "import numpy as np\nnp.r_['x', 1]",
    "r_directive_not_first": "import numpy as np\nnp.r_[1, '0']",
    "r_nothing": "import numpy as np\nnp.r_[()]",
    "c_mismatched": "import numpy as np\nnp.c_[np.ones(2), np.ones(3)]",
    "imaginary_step_of_a_list": "print([1, 2, 3][0:2:1j])",
}
test_index_tricks = check(INDEX_TRICKS, with_warnings=True)


@pytest.mark.parametrize("call", ["np.mgrid[0:10**6, 0:10**6]", "np.ogrid[0:10**9, 0:10**9]", "np.r_[0:10**10]",
                                  "np.r_[0:1:10**10*1j]", "np.mgrid[0:1:10**10*1j]", "np.c_[0:10**10, 0:10**10]"])
def test_index_tricks_are_bounded_before_numpy_allocates(call):
    output, error = run_autodiff(f"import numpy as np\n{call}")
    assert error is not None and error.startswith("LimitError: an array of shape"), (call, error)


@pytest.mark.parametrize("call", ["np.r_['a']", "np.c_['a, b']", "np.r_['r', [1, 2]]", "np.r_['c', [1, 2], [3, 4]]",
                                  "np.mgrid[0:torch.tensor(3)]", "np.r_[0:[1, 2]]"])
def test_index_tricks_refuse_matrices_and_unusual_slices(call):
    """A lone string is NumPy's matrix builder (it reads the caller's variables by name): never run; 'r'/'c' make
    np.matrix values; slices of anything but numbers are refused before NumPy does arithmetic on them."""
    output, error = run_autodiff(f"import numpy as np\nimport torch\nnp_value = 1\n{call}")
    assert error is not None and error.startswith("TypeError: np."), (call, error)
    assert "matrices are not available" in error or "takes numbers in its slices" in error, error


@pytest.mark.parametrize("source", ["x = 1j", "x = [1, 2][1j:2]", "x = [1, 2][0:1j]", "x = [1j][0:1:1]",
                                    "x = (1, 2j)", "x = [1, 2][0:1:2][1j]"])
def test_imaginary_literals_stay_refused_outside_a_slice_step(source):
    output, error = run_autodiff(source)
    assert error is not None and "complex numbers are not supported in autodiff scripts" in error, (source, error)


# -- np.random: the legacy global RandomState, and Generators --------------------------------------------------

RANDOM_CALLS = {
    "rand": "np.random.rand(3)", "randn": "np.random.randn(2, 2)", "randint": "np.random.randint(0, 10, size=5)",
    "random": "np.random.random(3)", "random_sample": "np.random.random_sample((2,))", "ranf": "np.random.ranf(2)",
    "sample": "np.random.sample(2)", "choice": "np.random.choice(10, 3)", "shuffle": "(np.random.shuffle(xs), xs)[1]",
    "permutation": "np.random.permutation(6)", "uniform": "np.random.uniform(-1, 1, 3)",
    "normal": "np.random.normal(5, 2, size=3)", "standard_normal": "np.random.standard_normal(2)",
    "binomial": "np.random.binomial(10, 0.3, 4)", "poisson": "np.random.poisson(3, 4)",
    "exponential": "np.random.exponential(2, 3)", "beta": "np.random.beta(2, 3, 2)",
    "gamma": "np.random.gamma(2, 1, 2)", "multinomial": "np.random.multinomial(10, [0.2, 0.8])",
    "multivariate_normal": "np.random.multivariate_normal([0, 0], [[1, 0], [0, 1]], 2)",
    "laplace": "np.random.laplace(0, 1, 2)", "logistic": "np.random.logistic(0, 1, 2)",
    "lognormal": "np.random.lognormal(0, 1, 2)", "geometric": "np.random.geometric(0.3, 3)",
    "standard_t": "np.random.standard_t(3, 2)", "chisquare": "np.random.chisquare(2, 2)",
    "dirichlet": "np.random.dirichlet([1, 2])", "standard_exponential": "np.random.standard_exponential(2)",
    "standard_gamma": "np.random.standard_gamma(2, 2)", "triangular": "np.random.triangular(0, 1, 3, 2)",
    "weibull": "np.random.weibull(2, 2)", "pareto": "np.random.pareto(3, 2)", "rayleigh": "np.random.rayleigh(1, 2)",
    "vonmises": "np.random.vonmises(0, 1, 2)", "wald": "np.random.wald(1, 1, 2)", "zipf": "np.random.zipf(2, 3)",
    "negative_binomial": "np.random.negative_binomial(3, 0.5, 3)",
    "hypergeometric": "np.random.hypergeometric(5, 5, 3, 3)", "gumbel": "np.random.gumbel(0, 1, 2)",
    "power": "np.random.power(2, 2)", "f": "np.random.f(2, 3, 2)",
    "noncentral_chisquare": "np.random.noncentral_chisquare(2, 1, 2)",
    "standard_cauchy": "np.random.standard_cauchy(2)",
}


@pytest.mark.parametrize("seed", [0, 1, 42, 2024])
@pytest.mark.parametrize("name", RANDOM_CALLS)
def test_np_random_gives_numpys_numbers_after_seed(name, seed):
    source = (f"import numpy as np\nnp.random.seed({seed})\nxs = list(range(8))\n"
              f"for _ in range(3):\n    print({RANDOM_CALLS[name]})\n")
    output, error = same_as_cpython(source)
    assert error is None and len(output.splitlines()) >= 3


def test_every_legacy_random_function_is_covered():
    covered = set(RANDOM_CALLS) | {"seed", "get_state", "set_state"}
    assert {name for name in facade.RANDOM_FUNCTIONS if hasattr(np.random.RandomState, name)} <= covered


GENERATOR_CALLS = {
    "random": "rng.random(3)", "integers": "rng.integers(0, 10, 4)", "normal": "rng.normal(0, 1, 3)",
    "standard_normal": "rng.standard_normal(2)", "uniform": "rng.uniform(-1, 1, 2)", "choice": "rng.choice(5, 2)",
    "shuffle": "(rng.shuffle(xs), xs)[1]", "permutation": "rng.permutation(5)",
    "permuted": "rng.permuted(np.arange(4))", "binomial": "rng.binomial(5, 0.5, 3)", "poisson": "rng.poisson(2, 3)",
    "exponential": "rng.exponential(1, 2)", "beta": "rng.beta(1, 2, 2)", "gamma": "rng.gamma(1, 1, 2)",
    "multinomial": "rng.multinomial(5, [0.5, 0.5])",
    "multivariate_normal": "rng.multivariate_normal([0, 0], [[1, 0], [0, 1]])",
}


@pytest.mark.parametrize("name", GENERATOR_CALLS)
def test_default_rng_gives_numpys_numbers(name):
    source = (f"import numpy as np\nrng = np.random.default_rng(7)\nxs = list(range(6))\n"
              f"for _ in range(3):\n    print({GENERATOR_CALLS[name]})\n")
    output, error = same_as_cpython(source)
    assert error is None and output


RANDOM = {
    "interleaved": "import numpy as np\nnp.random.seed(3)\nprint(np.random.rand(2), np.random.randint(5),"
                   " np.random.randn(), np.random.choice([1, 2, 3], size=2, replace=False), np.random.random())",
    "state_round_trip": "import numpy as np\nnp.random.seed(5)\nstate = np.random.get_state()\na = np.random.rand(3)\n"
                        "np.random.set_state(state)\nprint(np.array_equal(a, np.random.rand(3)), state[0])",
    "own_random_state": "import numpy as np\nr = np.random.RandomState(0)\nnp.random.seed(0)\n"
                        "print(r.rand(2), np.random.rand(2), r.randint(0, 5, 3))",
    "seeding_after_use": "import numpy as np\nnp.random.rand(5)\nnp.random.seed(9)\nprint(np.random.randn(3))",
    "choice_with_p": "import numpy as np\nnp.random.seed(1)\nprint(np.random.choice(['a', 'b', 'c'], 5, p=[0.1,"
                     " 0.1, 0.8]))",
    "bad_seed": "import numpy as np\nnp.random.seed(-1)",
    "randint_empty": "import numpy as np\nnp.random.randint(5, 5)",
    "choice_bad_p": "import numpy as np\nnp.random.choice(3, p=[0.5, 0.6, 0.1])",
}
test_random = check(RANDOM, with_warnings=True)


def test_each_run_has_its_own_legacy_generator():
    first = build_namespace(io.StringIO().write)[1]["numpy.random"].members["rand"]
    second = build_namespace(io.StringIO().write)[1]["numpy.random"].members["rand"]
    assert first is not second
    output, error = run_autodiff("import numpy as np\nimport torch\nnp.random.seed(2)\ntorch.manual_seed(0)\n"
                                 "t = torch.rand(2)\nprint(np.random.rand(2))")
    assert error is None
    assert output == f"{np.random.RandomState(2).rand(2)}\n"


def test_np_ndarray_is_the_array_class_for_isinstance_and_comparisons():
    array_class = build_namespace(io.StringIO().write)[1]["numpy"].members["ndarray"]
    assert isinstance(np.ones(2), array_class) and not isinstance([1], array_class)
    assert issubclass(np.ndarray, array_class)
    assert type(np.ones(2)) == array_class and array_class == np.ndarray  # noqa: E721 - what scripts write
    assert hash(array_class) == hash(np.ndarray)


def test_numpys_errors_are_instances_of_numpys_exception_classes():
    """A script's `except np.linalg.LinAlgError` (or `except ValueError`) catches them, as in Python."""
    from autodiff.errors import AutodiffError
    from autodiff.language.interpreter import Interpreter

    for source, kind in (("np.linalg.inv(np.zeros((2, 2)))", np.linalg.LinAlgError),
                         ("np.ones(2).sum(axis=3)", np.exceptions.AxisError)):
        names, modules = build_namespace(io.StringIO().write)
        with pytest.raises(AutodiffError) as info:
            Interpreter(names, modules, stderr=io.StringIO()).run_source(f"import numpy as np\n{source}")
        assert isinstance(info.value, kind) and isinstance(info.value, ValueError)
        assert f"{type(info.value).__module__}.{type(info.value).__name__}" == f"{kind.__module__}.{kind.__name__}"


def test_array_sizes_are_bounded_before_numpy_allocates():
    for call in ("np.zeros(10**9)", "np.ones((10**5, 10**5))", "np.empty(10**10)", "np.arange(10**10)",
                 "np.random.rand(10**5, 10**5)", "np.eye(10**5)", "np.linspace(0, 1, 10**10)", "np.ndarray(10**10)"):
        output, error = run_autodiff(f"import numpy as np\n{call}")
        assert error is not None and error.startswith("LimitError: an array of shape"), (call, error)


# -- the bridge with torch, against real PyTorch ---------------------------------------------------------------

BRIDGE = {
    "numpy_shares_memory": "import torch\nx = torch.ones(3)\na = x.numpy()\na[0] = 5\nprint(x, a)\nx.add_(1)\n"
                           "print(a)\nx[1] = 9\nprint(a, a.dtype)",
    "from_numpy_shares_memory": "import torch\nimport numpy as np\nb = np.arange(3.0)\nt = torch.from_numpy(b)\n"
                                "b[1] = 7\nt[2] = -1\nprint(t, b)\nt.mul_(2)\nprint(b)",
    "tensor_copies": "import torch\nimport numpy as np\nb = np.array([1.0, 2.0])\nt = torch.tensor(b)\nb[0] = 9\n"
                     "print(t, torch.as_tensor(b), torch.Tensor(b), torch.FloatTensor(np.ones(2)))",
    "dtypes_follow_numpy": "import torch\nimport numpy as np\nprint(torch.from_numpy(np.arange(3)).dtype,"
                           " torch.from_numpy(np.ones(2, dtype=np.float32)).dtype, torch.tensor(np.array([True])),"
                           " torch.tensor(np.arange(2, dtype=np.int32)), torch.tensor(np.ones(2), dtype=torch.float32),"
                           " torch.ones(2).numpy().dtype, torch.ones(2, dtype=torch.int64).numpy())",
    "numpy_scalars": "import torch\nimport numpy as np\nprint(torch.tensor(np.float64(2.5)),"
                     " torch.tensor(np.float32(1.5)),"
                     " torch.tensor([np.float32(1.5)]), torch.tensor([np.float64(1.5), 2.0]),"
                     " torch.tensor([np.int64(1),"
                     " 2]), torch.ones(2) * np.float32(2), np.float32(2) * torch.ones(2), torch.ones(2) * np.int64(2),"
                     " torch.ones(2, dtype=torch.int64) * np.float64(2.5), torch.zeros(np.int64(2)))",
    "requires_grad_refuses": "import torch\nx = torch.ones(2, requires_grad=True)\nx.numpy()",
    "detach_then_numpy": "import torch\nx = torch.ones(2, requires_grad=True)\ny = x * 2\nprint(y.detach().numpy(),"
                         " y.numpy(force=True))",
    "from_numpy_needs_an_array": "import torch\ntorch.from_numpy([1, 2])",
    "from_numpy_negative_strides": "import torch\nimport numpy as np\ntorch.from_numpy(np.arange(4)[::-1])",
    "from_numpy_strings": "import torch\nimport numpy as np\ntorch.from_numpy(np.array(['a']))",
    "from_numpy_read_only": "import torch\nimport numpy as np\na = np.ones(3)\nb = np.broadcast_to(a, (2, 3))\n"
                            "print(torch.from_numpy(b))",
    "tensor_from_list_of_arrays": "import torch\nimport numpy as np\nprint(torch.tensor([np.ones(2), np.zeros(2)]))",
    "array_from_tensor": "import torch\nimport numpy as np\nprint(np.asarray(torch.ones(2)),"
                         " np.array(torch.tensor(1.5)),"
                         " np.array(torch.ones(2), dtype=np.float64))",
    "array_from_grad_tensor": "import torch\nimport numpy as np\nnp.asarray(torch.ones(2, requires_grad=True))",
    "numpy_functions_on_tensors": "import torch\nimport numpy as np\nprint(np.exp(torch.zeros(2)),"
                                  " np.maximum(torch.ones(2), 0))",
    "tensor_op_array": "import torch\nimport numpy as np\nprint(torch.ones(2) + np.ones(2), torch.ones(2) @ np.ones(2),"
                       " np.ones(2) == torch.ones(2), torch.ones(2) != np.zeros(2))",
    "array_plus_tensor": "import torch\nimport numpy as np\nnp.ones(2) + torch.ones(2)",
    "array_times_tensor": "import torch\nimport numpy as np\nnp.ones(2) * torch.ones(2)",
    "tensor_less_than_array": "import torch\nimport numpy as np\ntorch.ones(2) < np.ones(2)",
    "gradient_through_numpy_data": "import torch\nimport numpy as np\nnp.random.seed(0)\nX ="
                                   " torch.tensor(np.random.rand(4, 2),"
                                   " dtype=torch.float32)\nw = torch.zeros(2, requires_grad=True)\nloss = ((X @ w -"
                                   " 1) ** 2)"
                                   ".mean()\nloss.backward()\nprint(w.grad.numpy().round(4), loss.item())",
    "torch_function_on_array": "import torch\nimport numpy as np\ntorch.exp(np.ones(2))",
    "nonzero_of_tensor": "import torch\nimport numpy as np\nt = torch.tensor([[0.0, 2.0], [3.0, 0.0]])\n"
                         "print(np.nonzero(t), np.argwhere(t), np.argwhere(torch.tensor([0, 1, 1])))",
    "boolean_results_of_tensors": "import torch\nimport numpy as np\nt = torch.tensor([1.0, float('nan')])\n"
                                  "print(np.isnan(t), np.isfinite(t), np.greater(t, 0), np.logical_not(t))",
    "index_tricks_with_tensors": "import torch\nimport numpy as np\nt = torch.arange(3.0)\nprint(np.r_[t, 5],"
                                 " np.c_[t, t.numpy()], np.r_[t.numpy(), 0:1:3j])\n"
                                 "np.r_[torch.ones(2, requires_grad=True), 1]",
    "reductions_of_lists_of_tensors": "import torch\nimport numpy as np\n"
                                      "losses = [torch.tensor(0.5), torch.tensor(1.5)]\n"
                                      "print(np.mean(losses), np.sum(losses), np.max([torch.tensor(2.0)]),"
                                      " np.std([t.item() for t in losses]))",
}

# NumPy's reductions call the tensor's own method with NumPy's keywords, which PyTorch's parser refuses.
REDUCTIONS_OF_TENSORS = ["np.sum(t)", "np.sum(t, axis=0)", "np.sum(t, dtype=np.float64)", "np.mean(t)",
                         "np.mean(t, axis=1)", "np.mean(t, axis=1, keepdims=True)", "np.mean(t, dtype=np.float64)",
                         "np.max(t)", "np.max(t, axis=0)", "np.min(t, axis=(0, 1))", "np.amax(t, keepdims=True)",
                         "np.amin(t, axis=1, keepdims=True)", "np.prod(t)", "np.prod(t, axis=0)", "np.std(t)",
                         "np.std(t, axis=0, keepdims=True)", "np.var(t, ddof=1)", "np.all(t)",
                         "np.any(t, axis=0)", "np.any(t, keepdims=True)"]


def run_real_torch(source: str) -> tuple[str, list[str], int]:
    done = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, timeout=120)
    return done.stdout, reduce_stderr(done.stderr), done.returncode


@pytest.mark.oracle
@pytest.mark.parametrize("source", BRIDGE.values(), ids=BRIDGE.keys())
def test_bridge_with_torch_is_pytorchs(source):
    pytest.importorskip("torch")
    expected_out, expected_lines, code = run_real_torch(source)
    output, error, warned = run_autodiff(source, with_warnings=True)
    assert output == expected_out
    lines = [line for line in warned if "Warning" in line.split(":", 1)[0]]
    if error is not None:
        lines.append(error.split("\n", 1)[0])  # the reduced stderr keeps an error's first line
    assert lines == expected_lines
    assert (error is not None) == (code != 0)


@pytest.mark.oracle
@pytest.mark.parametrize("call", REDUCTIONS_OF_TENSORS)
def test_numpy_reductions_of_tensors_fail_as_with_pytorch(call):
    torch = pytest.importorskip("torch")
    source = f"import torch\nimport numpy as np\nt = torch.tensor([[1.0, 2.0], [3.0, 4.0]])\n{call}"
    with pytest.raises(TypeError) as raised:
        eval(call, {"np": np, "t": torch.tensor([[1.0, 2.0], [3.0, 4.0]])})  # noqa: S307 - the oracle
    assert run_autodiff(source) == ("", f"TypeError: {raised.value}")
