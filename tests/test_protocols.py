"""Tensors in Python protocols and the conversion/legacy API, against PyTorch 2.13: truthiness, float/int,
f-strings, len/iteration, dtype conversions, legacy constructors, torch.Tensor's unbound methods, errors."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autodiff.torch import namespace as namespace_api
from autodiff.torch import tensor as tensor_api

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.oracle

NS = namespace_api.build_torch()["torch"].members
AUTODIFF = Path(sys.executable).parent / "autodiff"


def _first_lines(stderr: str) -> list[str]:
    """`Category: message` (first line of each) for every warning and the final error."""
    lines = []
    for line in stderr.splitlines():
        match = re.match(r"^(?:\S.*?:\d+: )?(\w*(?:Warning|Error)): (.*)$", line)
        if match:
            lines.append(f"{match.group(1)}: {match.group(2)}")
    return lines


def _run(program: list[str], expression: str) -> tuple[str, list[str]]:
    done = subprocess.run([*program, f"import torch\nprint({expression})\n"], capture_output=True, text=True,
                          timeout=60)
    return done.stdout, _first_lines(done.stderr)


CASES = {
    "bool_zero": 'bool(torch.tensor(0.0))',
    "bool_many": 'bool(torch.ones(2, 2))',
    "bool_empty": 'bool(torch.tensor([]))',
    "bool_requires_grad": 'bool(torch.tensor(2.5, requires_grad=True))',
    "float_requires_grad": 'float(torch.tensor(2.5, requires_grad=True))',
    "float_one_element": 'float(torch.tensor([2.5]))',
    "int_requires_grad": 'int(torch.tensor(2.5, requires_grad=True))',
    "int_negative": 'int(torch.tensor(-2.7))',
    "float_int_tensor": 'float(torch.tensor(3))',
    "float_many": 'float(torch.ones(2))',
    "int_many": 'int(torch.ones(2))',
    "item_many": 'torch.ones(2).item()',
    "format_spec": 'f"{torch.tensor(2.5, requires_grad=True):.4f}"',
    "format_empty": 'f"{torch.tensor(2.5)}"',
    "format_int": 'f"{torch.tensor(3):5d}"',
    "format_vector_spec": 'f"{torch.tensor([2.5]):.4f}"',
    "format_matrix": 'f"{torch.ones(2, 2)}"',
    "len_0d": 'len(torch.tensor(1.0))',
    "len": 'len(torch.ones(3, 2))',
    "iter_0d": 'list(torch.tensor(1.0))',
    "iter": 'list(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))',
    "index_float": '[1, 2, 3][torch.tensor(1.0)]',
    "index_int": '[1, 2, 3][torch.tensor(1)]',
    "shape": '(torch.ones(2, 3).shape[0], list(torch.ones(2, 3).shape), torch.ones(2, 3).ndim)',
    "compare": 'torch.tensor([1.0, -1.0]) > 0',
    "double": 'torch.tensor(2.5, requires_grad=True).double()',
    "long": 'torch.tensor(2.5, requires_grad=True).long()',
    "int": 'torch.tensor(2.5).int()',
    "bool": 'torch.tensor([2.5, 0.0]).bool()',
    "to_dtype": 'torch.tensor(2.5, requires_grad=True).to(torch.float64)',
    "to_keyword": 'torch.tensor(2.5, requires_grad=True).to(dtype=torch.float64)',
    "type_dtype": 'torch.tensor(2.5, requires_grad=True).type(torch.float64)',
    "type_string": 'torch.tensor(2.5).type("torch.DoubleTensor")',
    "type_legacy": 'torch.tensor(2.5).type(torch.DoubleTensor)',
    "type_none": 'torch.tensor(2.5).type()',
    "Tensor_list": 'torch.Tensor([1, 2])',
    "Tensor_sizes": 'torch.Tensor(2, 3).shape',
    "Tensor_empty": 'torch.Tensor()',
    "Tensor_alias": 'torch.Tensor(torch.tensor(2.5, requires_grad=True))',
    "Tensor_scalar": 'torch.Tensor(3.5)',
    "Tensor_requires_grad": 'torch.Tensor([1.0], requires_grad=True)',
    "FloatTensor": 'torch.FloatTensor([1, 2])',
    "FloatTensor_of_double": 'torch.FloatTensor(torch.ones(2, dtype=torch.float64))',
    "DoubleTensor": 'torch.DoubleTensor([1, 2])',
    "LongTensor": 'torch.LongTensor([1.7, 2])',
    "Tensor_repr": 'torch.Tensor',
    "is_tensor": '(torch.is_tensor(torch.ones(1)), torch.is_tensor([1.0]))',
    "numel": 'torch.numel(torch.ones(2, 3))',
    "unbound_tanh": 'torch.Tensor.tanh(torch.tensor(0.5, requires_grad=True))',
    "unbound_add": 'torch.Tensor.add(torch.tensor(0.5, requires_grad=True), 1)',
    "unbound_repr": 'torch.Tensor.tanh',
    "unbound_wrong": 'torch.Tensor.tanh(3)',
    "relu_": 'torch.relu_(torch.tensor([-1.0, 2.0]))',
    "abs_": 'torch.abs_(torch.tensor([-1.0, 2.0]))',
    "masked_fill": 'torch.masked_fill(torch.tensor([1.0, -2.0]), torch.tensor([True, False]), 0.5)',
    "masked_fill_method": 'torch.tensor([1.0, -2.0], requires_grad=True).masked_fill(torch.tensor([False, True]), 0)',
    "addmm": 'torch.addmm(torch.ones(2), torch.ones(2, 3), torch.ones(3, 2))',
    "device": '(torch.ones(1).device, str(torch.ones(1).device), torch.device("cpu"))',
    "device_eq": 'torch.ones(1).device == "cpu"',
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_protocol_matches_torch_in_scripts(name):
    if not AUTODIFF.exists():
        pytest.skip("the autodiff command is not installed")
    mine = _run([str(AUTODIFF), "run", "-e"], CASES[name])
    reference = _run([sys.executable, "-W", "always", "-c"], CASES[name])
    assert mine == reference


def test_method_only_names_are_not_torch_functions():
    for name in ["view", "expand", "contiguous", "type_as", "view_as", "reshape_as", "expand_as"]:
        assert not hasattr(torch, name)
        assert name not in NS


def test_function_and_method_forms_exist_where_torch_has_both():
    # The table in force: the core Tensor table plus what extension modules (nn, random_api, ...) register.
    from autodiff.engine.tensor import Tensor
    from autodiff.language.protocol import table_of

    table = table_of(Tensor(np.zeros(1, dtype=np.float32)))
    methods = set(table.methods) | set(table.getters)
    for name in methods:
        if hasattr(torch, name) and callable(getattr(torch, name)) and not name.startswith("_"):
            if name in ("dtype", "device"):
                continue
            assert name in NS, name
    for name, value in NS.items():
        if callable(value) and hasattr(torch.Tensor, name) and not isinstance(getattr(torch.Tensor, name), type):
            assert name in methods or name in tensor_api.TENSOR_TYPES or name == "device", name


def test_script_level_protocols():
    import subprocess
    import sys
    from pathlib import Path

    exe = Path(sys.executable).parent / "autodiff"
    if not exe.exists():
        pytest.skip("the autodiff command is not installed")
    script = ("import torch\nx = torch.tensor(0.25, requires_grad=True)\nloss = (x * 4) ** 2\n"
              "print(f'{loss:.4f}', float(loss.detach()), int(loss.detach()), bool(loss > 0))\n"
              "print(torch.Tensor.sqrt(loss), len(torch.ones(3, 2)), [list(r.shape) for r in torch.ones(2, 3)])\n")
    mine = subprocess.run([str(exe), "run", "-e", script], capture_output=True, text=True)
    reference = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert mine.stdout == reference.stdout
    assert mine.returncode == 0
