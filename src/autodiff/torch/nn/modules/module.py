"""nn.Module: ordered parameters and submodules, train/eval mode, PyTorch's printing, and the attribute
table scripts reach modules through."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

from autodiff.engine.tensor import DType, Tensor, reset_grad, to_numpy_dtype
from autodiff.errors import AutodiffError, runtime_error, type_error, value_error
from autodiff.language.protocol import allow_subclassing
from autodiff.torch.nn.functional import _type_name


def _add_indent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


class Module:
    """A torch.nn.Module: ordered parameters and submodules, train/eval mode, PyTorch's printing.

    Attributes work as in PyTorch, at the Python level, so that a script's `class Net(nn.Module)` behaves like
    PyTorch's: assigning a Parameter or a Module in `__init__` registers it (`__setattr__`), reading one finds it
    (`__getattr__`, called when normal lookup fails), and `model(x)` calls `forward` through normal lookup, so a
    subclass's own `forward` runs. Other values are plain instance attributes.
    """

    # Plain attributes scripts may read on this class (besides parameters and submodules by name).
    ATTRIBUTES: tuple[str, ...] = ()

    def __init__(self) -> None:
        set_plain = object.__setattr__
        set_plain(self, "training", True)
        set_plain(self, "_parameters", OrderedDict())
        set_plain(self, "_buffers", OrderedDict())
        set_plain(self, "_non_persistent_buffers_set", set())
        set_plain(self, "_modules", OrderedDict())

    # calling and printing
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if "_parameters" not in self.__dict__:  # __init__ never ran: PyTorch fails on its first look at a hook
            raise _missing_attribute(self, "_backward_hooks")
        return self.forward(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise AutodiffError("NotImplementedError",
                            f'Module [{self._name()}] is missing the required "forward" function')

    def _name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({key}): {_add_indent(repr(module), 2)}" for key, module in self._modules.items()]
        lines = extra_lines + child_lines
        text = self._name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                text += extra_lines[0]
            else:
                text += "\n  " + "\n  ".join(lines) + "\n"
        return text + ")"

    def __str__(self) -> str:
        return repr(self)

    # attributes, as PyTorch's Module keeps them
    def __getattr__(self, name: str) -> Any:
        state = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            members = state.get(store)
            if members is not None and name in members:
                return members[name]
        raise _missing_attribute(self, name)

    def __setattr__(self, name: str, value: Any) -> None:
        state = self.__dict__
        parameters = state.get("_parameters")
        modules = state.get("_modules")
        if type(value) is Tensor and value.is_parameter:
            if parameters is None:
                raise AutodiffError("AttributeError", "cannot assign parameters before Module.__init__() call")
            state.pop(name, None)
            modules.pop(name, None)
            self.register_parameter(name, value)
        elif parameters is not None and name in parameters:
            if value is not None:
                label = value.type_label() if type(value) is Tensor else _type_name(value)
                raise type_error(f"cannot assign '{label}' as parameter '{name}' (torch.nn.Parameter or None "
                                 "expected)")
            parameters[name] = None
        elif isinstance(value, Module):
            if modules is None:
                raise AutodiffError("AttributeError", "cannot assign module before Module.__init__() call")
            state.pop(name, None)
            parameters.pop(name, None)
            modules[name] = value
        elif modules is not None and name in modules:
            if value is not None:
                raise type_error(f"cannot assign '{_type_name(value)}' as child module '{name}' (torch.nn.Module "
                                 "or None expected)")
            modules[name] = None
        elif name in state.get("_buffers", ()):
            if value is not None and not isinstance(value, Tensor):
                raise type_error(f"cannot assign '{_type_name(value)}' as buffer '{name}' (torch.nn.Buffer, "
                                 "torch.Tensor or None expected)")
            state["_buffers"][name] = value
        else:
            object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        state = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            members = state.get(store)
            if members is not None and name in members:
                del members[name]
                state.get("_non_persistent_buffers_set", set()).discard(name)
                return
        if name not in state:
            raise _missing_attribute(self, name)
        object.__delattr__(self, name)

    def _attribute(self, name: str) -> Any:
        """`module.name` for a script (the TypeTable's fallback): a plain attribute, a parameter or a submodule."""
        state = self.__dict__
        if name in state:
            return state[name]
        return self.__getattr__(name)

    def _set_attribute(self, name: str, value: Any) -> None:
        setattr(self, name, value)

    def register_parameter(self, name: str, param: Tensor | None) -> None:
        if "_parameters" not in self.__dict__:
            raise AutodiffError("AttributeError", "cannot assign parameter before Module.__init__() call")
        if param is not None and not (type(param) is Tensor and param.is_parameter):
            label = param.type_label() if type(param) is Tensor else _type_name(param)
            raise type_error(f"cannot assign '{label}' object to parameter '{name}' (torch.nn.Parameter or None "
                             "required)")
        self._modules.pop(name, None)
        self._parameters[name] = param

    def register_buffer(self, name: Any, tensor: Tensor | None, persistent: bool = True) -> None:
        """A tensor the module keeps (running statistics): in state_dict unless not persistent, never a
        parameter; PyTorch's checks, in its order."""
        if "_buffers" not in self.__dict__:
            raise AutodiffError("AttributeError", "cannot assign buffer before Module.__init__() call")
        if not isinstance(name, str):
            raise type_error(f"buffer name should be a string. Got {_type_name(name)}")
        if "." in name:
            raise AutodiffError("KeyError", repr('buffer name can\'t contain "."'))  # str(KeyError) is the repr
        if name == "":
            raise AutodiffError("KeyError", repr('buffer name can\'t be empty string ""'))
        if (name in self.__dict__ or name in self._parameters or name in self._modules) and (
                name not in self._buffers):
            raise AutodiffError("KeyError", repr(f"attribute '{name}' already exists"))
        if tensor is not None and not isinstance(tensor, Tensor):
            raise type_error(f"cannot assign '{_type_name(tensor)}' object to buffer '{name}' (torch Tensor or None "
                             "required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        seen: set[int] = set()
        owners = self.named_modules(prefix=prefix) if recurse else iter([(prefix, self)])
        for owner_prefix, owner in owners:
            for name, buffer in owner.__dict__.get("_buffers", {}).items():
                if buffer is None or (remove_duplicate and id(buffer) in seen):
                    continue
                seen.add(id(buffer))
                yield owner_prefix + ("." if owner_prefix else "") + name, buffer

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def _state_items(self) -> Iterator[tuple[str, Tensor]]:
        """What state_dict holds, in PyTorch's order: per module (in named_modules order) its parameters, then
        its persistent buffers."""
        for prefix, module in self.named_modules(remove_duplicate=False):
            state = module.__dict__
            dotted = prefix + ("." if prefix else "")
            for name, param in state.get("_parameters", {}).items():
                if param is not None:
                    yield dotted + name, param
            skipped = state.get("_non_persistent_buffers_set", ())
            for name, buffer in state.get("_buffers", {}).items():
                if buffer is not None and name not in skipped:
                    yield dotted + name, buffer

    def add_module(self, name: str, module: Module | None) -> None:
        if module is not None and not isinstance(module, Module):
            raise type_error(f"{_type_name(module)} is not a Module subclass")
        self._modules[name] = module

    # traversal
    def named_modules(self, memo: set[int] | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        memo = set() if memo is None else memo
        if remove_duplicate and id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            yield from module.named_modules(memo, prefix + ("." if prefix else "") + name, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen: set[int] = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        seen: set[int] = set()
        owners = self.named_modules(prefix=prefix) if recurse else iter([(prefix, self)])
        for owner_prefix, owner in owners:
            for name, param in owner._parameters.items():
                if param is None or (remove_duplicate and id(param) in seen):
                    continue
                seen.add(id(param))
                yield owner_prefix + ("." if owner_prefix else "") + name, param

    def parameters(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    # state
    def zero_grad(self, set_to_none: bool = True) -> None:
        for param in self.parameters():
            reset_grad(param, set_to_none)

    def train(self, mode: bool = True) -> Module:
        if not isinstance(mode, bool):
            raise value_error("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for param in self.parameters():
            param.requires_grad = bool(requires_grad)
        return self

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    def _convert(self, dtype: DType) -> Module:
        target = to_numpy_dtype(dtype)
        for child in self.children():  # children first, then this module's own parameters, as PyTorch's _apply
            child._convert(dtype)
        for param in self.parameters(recurse=False):
            if param.array.dtype.kind == "f" and param.array.dtype != target:
                param.array = param.array.astype(target)
                if param.grad is not None:
                    param.grad.array = param.grad.array.astype(target)
        for buffer in self.buffers(recurse=False):
            if buffer.array.dtype.kind == "f" and buffer.array.dtype != target:
                buffer.array = buffer.array.astype(target)
        return self

    def to(self, *args: Any, dtype: Any = None, device: Any = None, **kwargs: Any) -> Module:
        for arg in args:
            if isinstance(arg, DType):
                dtype = arg
            elif type(arg) is Tensor:
                dtype = arg.dtype
            elif isinstance(arg, str) and arg.startswith("cuda"):
                raise runtime_error("Torch not compiled with CUDA enabled (autodiff runs on the CPU only)")
        if dtype is not None:
            if not to_numpy_dtype(dtype).kind == "f":
                raise type_error(f"nn.Module.to only accepts floating point or complex dtypes, but got desired "
                                 f"dtype={dtype}")
            self._convert(dtype)
        return self

    def float(self) -> Module:
        from autodiff.engine.tensor import float32

        return self._convert(float32)

    def double(self) -> Module:
        from autodiff.engine.tensor import float64

        return self._convert(float64)

    def cpu(self) -> Module:
        for child in self.children():
            child.cpu()
        return self

    def state_dict(self) -> OrderedDict[str, Tensor]:
        if "_parameters" not in self.__dict__:
            raise _missing_attribute(self, "_state_dict_pre_hooks")
        return OrderedDict((name, value.detach()) for name, value in self._state_items())

    def load_state_dict(self, state_dict: dict[str, Any], strict: bool = True) -> _IncompatibleKeys:
        """PyTorch's loading: each parameter found is copied in; every problem (missing and unexpected keys with
        strict, values that are not tensors, shape mismatches) is collected into one RuntimeError."""
        from autodiff.language.protocol import type_name

        if "_parameters" not in self.__dict__:
            raise _missing_attribute(self, "_load_state_dict_pre_hooks")
        if not isinstance(state_dict, dict):
            raise type_error(f"Expected state_dict to be dict-like, got <class '{type_name(state_dict)}'>.")
        own = dict(self._state_items())
        missing = [name for name in own if name not in state_dict]
        unexpected = [name for name in state_dict if name not in own]
        errors = []
        for name, param in own.items():
            if name not in state_dict:
                continue
            source = state_dict[name]
            if not isinstance(source, Tensor):
                errors.append(f'While copying the parameter named "{name}", expected torch.Tensor or Tensor-like '
                              f"object from checkpoint but received <class '{type_name(source)}'>")
                continue
            if source.array.shape != param.array.shape:
                errors.append(f"size mismatch for {name}: copying a param with shape {source.shape} from checkpoint, "
                              f"the shape in current model is {param.shape}.")
                continue
            param.array[...] = source.array
            param.bump_version()
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ". ")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ". ")
        if errors:
            raise runtime_error(f"Error(s) in loading state_dict for {self._name()}:\n\t" + "\n\t".join(errors))
        return _IncompatibleKeys(missing, unexpected)


# Scripts may subclass nn.Module (class Net(nn.Module)); the private state Module.__init__ keeps stays hidden.
allow_subclassing(Module, hidden=[name for name in vars(Module()) if name.startswith("_")])


def _missing_attribute(module: Module, name: str) -> AutodiffError:
    return AutodiffError("AttributeError", f"'{type(module).__name__}' object has no attribute '{name}'")


class _IncompatibleKeys:
    def __init__(self, missing: list[str], unexpected: list[str]):
        self.missing_keys = missing
        self.unexpected_keys = unexpected

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self.missing_keys}, unexpected_keys={self.unexpected_keys})"


class _ModuleGetters(dict):
    """A module's readable attributes: the fixed ones, then its own parameters and submodules by name."""

    def __init__(self, fixed: dict[str, Callable[[Any], Any]], methods: dict[str, Any]):
        super().__init__(fixed)
        self.methods = methods

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        found = dict.get(self, name)
        if found is not None or name in self.methods:
            return found if found is not None else default
        return lambda module: module._attribute(name)


class _ModuleSetters(dict):
    """Assignable attributes: `training`, parameters (Parameter or None), submodules, and new plain names."""

    def __init__(self, fixed: dict[str, Callable[[Any, Any], None]], methods: dict[str, Any]):
        super().__init__(fixed)
        self.methods = methods

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        found = dict.get(self, name)
        if found is not None or name in self.methods:
            return found if found is not None else default
        return lambda module, value: module._set_attribute(name, value)


def _set_training(module: Module, value: Any) -> None:
    module.training = value


_MODULE_METHODS: dict[str, Callable[..., Any]] = {
    "forward": lambda m, *a, **k: m.forward(*a, **k),
    "parameters": Module.parameters, "named_parameters": Module.named_parameters, "children": Module.children,
    "named_children": Module.named_children, "modules": Module.modules, "named_modules": Module.named_modules,
    "zero_grad": Module.zero_grad, "train": Module.train, "eval": Module.eval,
    "requires_grad_": Module.requires_grad_, "apply": Module.apply, "to": Module.to, "float": Module.float,
    "double": Module.double, "cpu": Module.cpu, "state_dict": Module.state_dict,
    "load_state_dict": Module.load_state_dict, "add_module": Module.add_module,
    "register_parameter": Module.register_parameter, "extra_repr": lambda m: m.extra_repr(),
    "register_buffer": Module.register_buffer, "buffers": Module.buffers, "named_buffers": Module.named_buffers,
}
