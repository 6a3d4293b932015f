"""nn.RNN, nn.LSTM, nn.GRU (any number of layers, batch_first, bidirectional, LSTM projections) and the cells
nn.RNNCell, nn.LSTMCell, nn.GRUCell.

The recurrences are PyTorch's CPU cells written with the op table (linear, add_, sigmoid, tanh, chunk), so
gradients flow through ordinary nodes: outputs are stacked per step (StackBackward0), h_n per layer. PyTorch
runs a float32 LSTM through oneDNN, whose one fused node per layer is MkldnnRnnLayerBackward0: the LSTM's
output and final states carry that name (the graph below them is the composite's).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autodiff.engine import autograd, ops, rng
from autodiff.engine import tensor as tensor_module
from autodiff.engine.tensor import Tensor, check_size, to_numpy_dtype
from autodiff.errors import AutodiffError, runtime_error, type_error, value_error, warn
from autodiff.torch.nn.functional import _type_name, dropout, linear
from autodiff.torch.nn.modules.linear import _parameter
from autodiff.torch.nn.modules.module import Module

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}
_MKLDNN = "MkldnnRnnLayerBackward0"


def _add_inplace(a: Tensor, b: Tensor) -> Tensor:
    """`a.add_(b)` on a fresh non-leaf result: the value and the node (AddBackward0) of an out-of-place add."""
    return ops.add(a, b)


def _rnn_cell(x_gates: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None, relu: bool) -> Tensor:
    total = _add_inplace(linear(h, w_hh, b_hh), x_gates)
    return ops.relu(total) if relu else ops.tanh(total)


def _gru_cell(x_gates: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    x_r, x_z, x_n = ops.chunk(x_gates, 3, 1)
    h_r, h_z, h_n = ops.chunk(linear(h, w_hh, b_hh), 3, 1)
    reset = ops.sigmoid(_add_inplace(h_r, x_r))
    update = ops.sigmoid(_add_inplace(h_z, x_z))
    new = ops.tanh(ops.add(x_n, ops.mul(h_n, reset)))
    return _add_inplace(ops.mul(ops.sub(h, new), update), new)


def _lstm_cell(x_gates: Tensor, h: Tensor, c: Tensor, w_hh: Tensor, b_hh: Tensor | None,
               w_hr: Tensor | None) -> tuple[Tensor, Tensor]:
    gates = _add_inplace(linear(h, w_hh, b_hh), x_gates)
    in_gate, forget_gate, cell_gate, out_gate = ops.chunk(gates, 4, 1)
    c_next = _add_inplace(ops.mul(ops.sigmoid(forget_gate), c), ops.mul(ops.sigmoid(in_gate), ops.tanh(cell_gate)))
    h_next = ops.mul(ops.sigmoid(out_gate), ops.tanh(c_next))
    if w_hr is not None:
        h_next = ops.matmul(h_next, ops.t(w_hr))
    return h_next, c_next


def _parameter_names(layer: int, suffix: str, bias: bool, projection: bool) -> list[str]:
    names = [f"weight_ih_l{layer}{suffix}", f"weight_hh_l{layer}{suffix}"]
    if bias:
        names += [f"bias_ih_l{layer}{suffix}", f"bias_hh_l{layer}{suffix}"]
    if projection:
        names.append(f"weight_hr_l{layer}{suffix}")
    return names


class RNNBase(Module):
    ATTRIBUTES = ("mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout",
                  "bidirectional", "proj_size")
    MODE = "RNN_TANH"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device: Any = None, dtype: Any = None, mode: str | None = None) -> None:
        super().__init__()
        self.mode = mode or self.MODE
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout <= 1:
            raise value_error("dropout should be a number in range [0, 1] representing the probability of an "
                              "element being zeroed")
        if dropout > 0 and num_layers == 1:
            warn("UserWarning", "dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                                f"expects num_layers greater than 1, but got dropout={dropout} and "
                                f"num_layers={num_layers}")
        if isinstance(hidden_size, bool) or not isinstance(hidden_size, int):
            raise type_error(f"hidden_size should be of type int, got: {_type_name(hidden_size)}")
        if hidden_size <= 0:
            raise value_error("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise value_error("num_layers must be greater than zero")
        if proj_size < 0:
            raise value_error("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise value_error("proj_size has to be smaller than hidden_size")
        if proj_size and self.mode != "LSTM":
            raise value_error("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        directions = 2 if bidirectional else 1
        gate_size = _GATES[self.mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        float_dtype = tensor_module.default_float if dtype is None else to_numpy_dtype(dtype)
        for layer in range(num_layers):
            for direction in range(directions):
                layer_input = input_size if layer == 0 else real_hidden * directions
                shapes = [(gate_size, layer_input), (gate_size, real_hidden)]
                if bias:
                    shapes += [(gate_size,), (gate_size,)]
                if proj_size > 0:
                    shapes.append((proj_size, hidden_size))
                names = _parameter_names(layer, "_reverse" if direction else "", bias, proj_size > 0)
                for name, shape in zip(names, shapes):
                    check_size(shape)
                    self._parameters[name] = _parameter(np.empty(shape, dtype=float_dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for param in self.parameters():
            rng.uniform_(param.array, -bound, bound)
            param.bump_version()

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            text += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if self.batch_first is not False:
            text += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            text += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            text += f", bidirectional={self.bidirectional}"
        return text

    # --- the forward pass ---------------------------------------------------------------------------------
    def _name_for_errors(self) -> str:
        return {"RNN_TANH": "RNN", "RNN_RELU": "RNN"}.get(self.mode, self.mode)

    def _weights(self, layer: int, direction: int) -> list[Tensor | None]:
        names = _parameter_names(layer, "_reverse" if direction else "", True, True)
        return [self._parameters.get(name) for name in names]

    def _check_input(self, input: Tensor) -> bool:  # noqa: A002
        if type(input) is not Tensor:
            raise type_error(f"{self._name_for_errors()}.forward() expects a Tensor input, got {_type_name(input)}")
        if input.array.ndim not in (2, 3):
            raise value_error(f"{self._name_for_errors()}: Expected input to be 2D or 3D, got "
                              f"{input.array.ndim}D tensor instead")
        if input.array.shape[-1] != self.input_size:
            raise runtime_error(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                                f"{input.array.shape[-1]}")
        return input.array.ndim == 3

    def _check_hidden(self, hidden: Tensor, expected: tuple[int, ...], label: str = "hidden") -> None:
        if tuple(hidden.array.shape) != expected:
            raise runtime_error(f"Expected {label} size ({', '.join(map(str, expected))}), got "
                                f"[{', '.join(map(str, hidden.array.shape))}]")

    def forward(self, input: Tensor, hx: Any = None) -> Any:  # noqa: A002
        batched = self._check_input(input)
        batch_dim = 0 if self.batch_first else 1
        lstm = self.mode == "LSTM"
        if not batched:
            input = ops.unsqueeze(input, batch_dim)  # noqa: A001
            if hx is not None:
                for state in (hx if lstm else (hx,)):
                    if state.array.ndim != 2:
                        raise runtime_error(f"For unbatched 2-D input, hx{' and cx' if lstm else ''} should also be "
                                            f"2-D but got ({state.array.ndim}-D, {state.array.ndim}-D) tensors"
                                            if lstm else "For unbatched 2-D input, hx should also be 2-D but got "
                                            f"{state.array.ndim}-D tensor")
                hx = tuple(ops.unsqueeze(s, 1) for s in hx) if lstm else ops.unsqueeze(hx, 1)
        elif hx is not None:
            for state in (hx if lstm else (hx,)):
                if state.array.ndim != 3:
                    raise runtime_error(f"For batched 3-D input, hx{' and cx' if lstm else ''} should also be 3-D "
                                        f"but got {state.array.ndim}-D tensor")
        sequence = ops.transpose(input, 0, 1) if self.batch_first else input
        steps, batch = sequence.array.shape[:2]
        directions = 2 if self.bidirectional else 1
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        h_shape = (self.num_layers * directions, batch, real_hidden)
        c_shape = (self.num_layers * directions, batch, self.hidden_size)
        dtype = sequence.array.dtype
        if hx is None:
            h0 = Tensor(np.zeros(h_shape, dtype=dtype))
            c0 = Tensor(np.zeros(c_shape, dtype=dtype)) if lstm else None
        elif lstm:
            h0, c0 = hx
            self._check_hidden(h0, h_shape, "hidden[0]")
            self._check_hidden(c0, c_shape, "hidden[1]")
        else:
            h0, c0 = hx, None
            self._check_hidden(h0, h_shape)
        if steps == 0:
            raise runtime_error("Expected sequence length to be larger than 0 in RNN")
        fused = lstm and self.proj_size == 0 and dtype == np.float32 and autograd._grad_enabled
        if lstm and self.proj_size > 0:
            warn("UserWarning", "LSTM with projections is not supported with oneDNN. Using default implementation.")
        layer_input = sequence
        final_h: list[Tensor] = []
        final_c: list[Tensor] = []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                index = layer * directions + direction
                out, h_last, c_last = self._run_direction(layer_input, layer, direction, ops.select(h0, 0, index),
                                                          ops.select(c0, 0, index) if lstm else None)
                if fused:
                    for tensor in (out, h_last, c_last):
                        ops._renamed(tensor, _MKLDNN)
                outputs.append(out)
                final_h.append(h_last)
                if c_last is not None:
                    final_c.append(c_last)
            layer_output = outputs[0] if directions == 1 else ops.cat(outputs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_output = dropout(layer_output, self.dropout, True)
            layer_input = layer_output
        output = layer_input
        if self.batch_first:
            output = ops._renamed(ops.transpose(output, 0, 1), "TransposeBackward0" if lstm
                                  else "TransposeBackward1")
        h_n = ops.stack(final_h, 0)
        c_n = ops.stack(final_c, 0) if lstm else None
        if not batched:
            output = ops.squeeze(output, batch_dim)
            h_n = ops.squeeze(h_n, 1)
            c_n = ops.squeeze(c_n, 1) if c_n is not None else None
        return (output, (h_n, c_n)) if lstm else (output, h_n)

    def _run_direction(self, sequence: Tensor, layer: int, direction: int, h: Tensor,
                       c: Tensor | None) -> tuple[Tensor, Tensor, Tensor | None]:
        """One layer in one direction over the whole sequence: the input projection of every step at once (as
        PyTorch's CPU path), then the recurrence step by step."""
        w_ih, w_hh, b_ih, b_hh, w_hr = self._weights(layer, direction)
        projected = linear(sequence, w_ih, b_ih)
        steps = list(ops.unbind(projected, 0))
        if direction:
            steps.reverse()
        outputs = []
        for x_gates in steps:
            if self.mode == "LSTM":
                h, c = _lstm_cell(x_gates, h, c, w_hh, b_hh, w_hr)
            elif self.mode == "GRU":
                h = _gru_cell(x_gates, h, w_hh, b_hh)
            else:
                h = _rnn_cell(x_gates, h, w_hh, b_hh, self.mode == "RNN_RELU")
            outputs.append(h)
        if direction:
            outputs.reverse()
        return ops.stack(outputs, 0), h, c


class RNN(RNNBase):
    ATTRIBUTES = (*RNNBase.ATTRIBUTES, "nonlinearity")

    def __init__(self, *args: Any, nonlinearity: str = "tanh", **kwargs: Any) -> None:
        if len(args) > 3:
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise value_error(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(*args, mode=mode, **kwargs)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    MODE = "LSTM"


class GRU(RNNBase):
    MODE = "GRU"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if "proj_size" in kwargs:
            raise value_error("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__(*args, **kwargs)


class RNNCellBase(Module):
    ATTRIBUTES = ("input_size", "hidden_size", "bias")
    GATES = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        float_dtype = tensor_module.default_float if dtype is None else to_numpy_dtype(dtype)
        shapes = {"weight_ih": (self.GATES * hidden_size, input_size),
                  "weight_hh": (self.GATES * hidden_size, hidden_size)}
        if bias:
            shapes.update({"bias_ih": (self.GATES * hidden_size,), "bias_hh": (self.GATES * hidden_size,)})
        for name, shape in shapes.items():
            check_size(shape)
            self._parameters[name] = _parameter(np.empty(shape, dtype=float_dtype))
        if not bias:
            self._parameters["bias_ih"] = None
            self._parameters["bias_hh"] = None
        bound = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0
        for param in self.parameters():
            rng.uniform_(param.array, -bound, bound)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        if nonlinearity != "tanh":
            text += f", nonlinearity={nonlinearity}"
        return text

    def _prepare(self, input: Tensor, hx: Tensor | None) -> tuple[Tensor, Tensor, bool]:  # noqa: A002
        if input.array.ndim not in (1, 2):
            raise value_error(f"{type(self).__name__}: Expected input to be 1D or 2D, got {input.array.ndim}D "
                              "instead")
        if hx is not None and hx.array.ndim not in (1, 2):
            raise value_error(f"{type(self).__name__}: Expected hidden to be 1D or 2D, got {hx.array.ndim}D "
                              "instead")
        batched = input.array.ndim == 2
        if not batched:
            input = ops.unsqueeze(input, 0)  # noqa: A001
        if hx is None:
            hx = Tensor(np.zeros((input.array.shape[0], self.hidden_size), dtype=input.array.dtype))
        elif not batched:
            hx = ops.unsqueeze(hx, 0)
        if input.array.shape[1] != self.input_size:
            raise runtime_error(f"input has inconsistent input_size: got {input.array.shape[1]} expected "
                                f"{self.input_size}")
        if hx.array.shape[0] != input.array.shape[0]:
            raise runtime_error(f"Input batch size {input.array.shape[0]} doesn't match hidden0 batch size "
                                f"{hx.array.shape[0]}")
        return input, hx, batched

    def _params(self) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
        p = self._parameters
        return p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"]


class RNNCell(RNNCellBase):
    ATTRIBUTES = (*RNNCellBase.ATTRIBUTES, "nonlinearity")

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, device, dtype)
        if nonlinearity not in ("tanh", "relu"):
            raise AutodiffError("RuntimeError", f"Unknown nonlinearity: {nonlinearity}")
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        input, hx, batched = self._prepare(input, hx)  # noqa: A001
        w_ih, w_hh, b_ih, b_hh = self._params()
        out = _rnn_cell(linear(input, w_ih, b_ih), hx, w_hh, b_hh, self.nonlinearity == "relu")
        return out if batched else ops.squeeze(out, 0)


class GRUCell(RNNCellBase):
    GATES = 3

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        input, hx, batched = self._prepare(input, hx)  # noqa: A001
        w_ih, w_hh, b_ih, b_hh = self._params()
        out = _gru_cell(linear(input, w_ih, b_ih), hx, w_hh, b_hh)
        return out if batched else ops.squeeze(out, 0)


class LSTMCell(RNNCellBase):
    GATES = 4

    def forward(self, input: Tensor, hx: Any = None) -> tuple[Tensor, Tensor]:  # noqa: A002
        h, c = (None, None) if hx is None else hx
        input, h, batched = self._prepare(input, h)  # noqa: A001
        c = Tensor(np.zeros_like(h.array)) if c is None else (c if batched else ops.unsqueeze(c, 0))
        w_ih, w_hh, b_ih, b_hh = self._params()
        h_next, c_next = _lstm_cell(linear(input, w_ih, b_ih), h, c, w_hh, b_hh, None)
        if not batched:
            return ops.squeeze(h_next, 0), ops.squeeze(c_next, 0)
        return h_next, c_next
