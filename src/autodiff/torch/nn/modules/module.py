"""nn.Module: ordered parameters and submodules, train/eval mode, PyTorch's printing, and the attribute
table scripts reach modules through."""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

from autodiff.engine.autograd import HookHandle as RemovableHandle
from autodiff.engine.tensor import DType, Tensor, reset_grad, to_numpy_dtype
from autodiff.errors import AutodiffError, runtime_error, type_error, value_error, warn
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
    # The state_dict format's version, kept in its metadata (PyTorch's `_version`).
    _version = 1

    def __init__(self) -> None:
        set_plain = object.__setattr__
        set_plain(self, "training", True)
        set_plain(self, "_parameters", OrderedDict())
        set_plain(self, "_buffers", OrderedDict())
        set_plain(self, "_non_persistent_buffers_set", set())
        set_plain(self, "_modules", OrderedDict())
        # Hooks by handle key, each with its options: {key: (hook, with_kwargs, always_call)}.
        set_plain(self, "_forward_pre_hooks", {})
        set_plain(self, "_forward_hooks", {})
        set_plain(self, "_backward_pre_hooks", {})
        set_plain(self, "_backward_hooks", {})
        # Whether _backward_hooks holds full hooks (True) or deprecated register_backward_hook ones (False): a
        # module takes one kind only, from its first such registration.
        set_plain(self, "_is_full_backward_hook", None)

    # calling and printing
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        state = self.__dict__
        if "_parameters" not in state:  # __init__ never ran: PyTorch fails on its first look at a hook
            raise _missing_attribute(self, "_backward_hooks")
        if state["_forward_pre_hooks"] or state["_forward_hooks"] or state["_backward_hooks"] or \
                state["_backward_pre_hooks"] or GLOBAL_HOOKS.any():
            return self._call_with_hooks(args, kwargs)
        return self.forward(*args, **kwargs)

    def _backward_hook_lists(self) -> tuple[list[Callable[..., Any]], list[Callable[..., Any]]]:
        """(full hooks, deprecated non-full hooks) for this call: the global ones first, then the module's."""
        full: list[Callable[..., Any]] = []
        non_full: list[Callable[..., Any]] = []
        for is_full, hooks in ((GLOBAL_HOOKS.is_full_backward_hook, GLOBAL_HOOKS.backward),
                               (self.__dict__.get("_is_full_backward_hook"), self._backward_hooks)):
            if is_full is not None:
                (full if is_full else non_full).extend(entry[0] for entry in hooks.values())
        return full, non_full

    def _call_with_hooks(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """PyTorch's Module._call_impl: forward pre-hooks may replace the arguments, backward hooks wrap the tensor
        arguments and results, forward hooks may replace the result, deprecated backward hooks go on the result's
        grad_fn; the hooks registered for all modules run before the module's own; hooks with always_call run even
        when forward fails."""
        from autodiff.torch.utils.hooks import BackwardHook

        called_always: set[int] = set()
        result: Any = None
        forward_hooks = (*GLOBAL_HOOKS.forward.items(), *self._forward_hooks.items())
        try:
            backward_pre_hooks = [entry[0] for entry in (*GLOBAL_HOOKS.backward_pre.values(),
                                                         *self._backward_pre_hooks.values())]
            full_backward_hooks, non_full_backward_hooks = self._backward_hook_lists()
            for hook, with_kwargs, _ in (*GLOBAL_HOOKS.forward_pre.values(), *self._forward_pre_hooks.values()):
                if with_kwargs:
                    replaced = hook(self, args, kwargs)
                    if replaced is not None:
                        if not (isinstance(replaced, tuple) and len(replaced) == 2):
                            raise runtime_error("forward pre-hook must return None or a tuple of (new_args, "
                                                f"new_kwargs), but got {replaced}.")
                        args, kwargs = replaced
                else:
                    replaced = hook(self, args)
                    if replaced is not None:
                        args = replaced if isinstance(replaced, tuple) else (replaced,)
            backward_hook = None
            if full_backward_hooks or backward_pre_hooks:
                backward_hook = BackwardHook(self, full_backward_hooks, backward_pre_hooks)
                args = backward_hook.setup_input_hook(args)
            result = self.forward(*args, **kwargs)
            for key, (hook, with_kwargs, always_call) in forward_hooks:
                if always_call:
                    called_always.add(key)
                replaced = hook(self, args, kwargs, result) if with_kwargs else hook(self, args, result)
                if replaced is not None:
                    result = replaced
            if backward_hook is not None:
                if not isinstance(result, (Tensor, tuple)):
                    warn("UserWarning", "For backward hooks to be called, module output should be a Tensor or a "
                                        f"tuple of Tensors but received {_python_type(result)}")
                result = backward_hook.setup_output_hook(result)
            if non_full_backward_hooks:
                self._attach_non_full_backward_hooks(non_full_backward_hooks, args, result)
            return result
        except Exception:
            global_keys = set(GLOBAL_HOOKS.forward)
            for key, (hook, with_kwargs, always_call) in forward_hooks:
                if not always_call or key in called_always:
                    continue
                # PyTorch calls a global hook without kwargs here, even one registered with_kwargs
                with_kwargs = with_kwargs and key not in global_keys
                try:
                    replaced = hook(self, args, kwargs, result) if with_kwargs else hook(self, args, result)
                    if replaced is not None:
                        result = replaced
                except Exception as error:  # noqa: BLE001 - PyTorch silences it: forward's error is the one raised
                    which = "global module" if key in global_keys else "module"
                    warn("UserWarning", f"{which} forward hook with ``always_call=True`` raised an exception that "
                                        f"was silenced as another error was raised in forward: {error}")
            raise

    def _attach_non_full_backward_hooks(self, hooks: list[Callable[..., Any]], args: tuple[Any, ...],
                                        result: Any) -> None:
        """register_backward_hook's hooks become hooks of the grad_fn of the result's first tensor (looking into
        the first element of tuples and lists, the first tensor value of dicts): they see that one node's
        gradients, which is why PyTorch warns when the module is more than one node."""
        found = result
        while type(found) is not Tensor:
            if isinstance(found, dict):
                found = next(value for value in found.values() if type(value) is Tensor)
            else:
                found = found[0]
        node = found.grad_fn
        if node is None:
            return
        for hook in hooks:
            node.hook_table().register("post", _ModuleNodeHook(hook, self))
        _warn_non_full_backward_hook(args, result, node)

    # hooks
    def _add_hook(self, hooks: dict[int, Any], entry: tuple[Any, bool, bool], prepend: bool) -> RemovableHandle:
        handle = RemovableHandle(hooks)
        if prepend:
            existing = list(hooks.items())
            hooks.clear()
            hooks[handle.key] = entry
            hooks.update(existing)
        else:
            hooks[handle.key] = entry
        return handle

    def register_forward_pre_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        return self._add_hook(self._forward_pre_hooks, (hook, bool(with_kwargs), False), prepend)

    def register_forward_hook(self, hook: Callable[..., Any], *, prepend: bool = False, with_kwargs: bool = False,
                              always_call: bool = False) -> RemovableHandle:
        return self._add_hook(self._forward_hooks, (hook, bool(with_kwargs), bool(always_call)), prepend)

    def register_full_backward_pre_hook(self, hook: Callable[..., Any], prepend: bool = False) -> RemovableHandle:
        return self._add_hook(self._backward_pre_hooks, (hook, False, False), prepend)

    def register_full_backward_hook(self, hook: Callable[..., Any], prepend: bool = False) -> RemovableHandle:
        self._set_backward_hook_kind(True)
        return self._add_hook(self._backward_hooks, (hook, False, False), prepend)

    def register_backward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """The deprecated hook: called with the gradients of the one autograd node that made the module's output
        (see _attach_non_full_backward_hooks), not the module's own inputs and outputs."""
        self._set_backward_hook_kind(False)
        return self._add_hook(self._backward_hooks, (hook, False, False), False)

    def _set_backward_hook_kind(self, full: bool) -> None:
        # (removing every hook does not reset the kind, as in PyTorch)
        if self.__dict__.get("_is_full_backward_hook") is (not full):
            raise runtime_error("Cannot use both regular backward hooks and full backward hooks on a single Module. "
                                "Please use only one of them.")
        object.__setattr__(self, "_is_full_backward_hook", full)

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
        buffers = state.get("_buffers")
        if type(value) is Tensor and value.is_parameter:
            if parameters is None:
                raise AutodiffError("AttributeError", "cannot assign parameters before Module.__init__() call")
            state.pop(name, None)
            modules.pop(name, None)
            buffers.pop(name, None)
            state["_non_persistent_buffers_set"].discard(name)
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
            buffers.pop(name, None)
            state["_non_persistent_buffers_set"].discard(name)
            modules[name] = value
        elif modules is not None and name in modules:
            if value is not None:
                raise type_error(f"cannot assign '{_type_name(value)}' as child module '{name}' (torch.nn.Module "
                                 "or None expected)")
            modules[name] = None
        elif buffers is not None and name in buffers:
            if value is not None and type(value) is not Tensor:
                raise type_error(f"cannot assign '{_type_name(value)}' as buffer '{name}' (torch.nn.Buffer, "
                                 "torch.Tensor or None expected)")
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        state = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            members = state.get(store)
            if members is not None and name in members:
                del members[name]
                if store == "_buffers":
                    state["_non_persistent_buffers_set"].discard(name)
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
        state = self.__dict__
        if "_buffers" not in state:
            raise AutodiffError("AttributeError", "cannot assign buffer before Module.__init__() call")
        if not isinstance(name, str):
            raise type_error(f"buffer name should be a string. Got {_python_type_name(name)}")
        if "." in name:
            raise _key_error('buffer name can\'t contain "."')
        if name == "":
            raise _key_error('buffer name can\'t be empty string ""')
        if name not in self._buffers and (name in state or _has_attribute(self, name)):
            raise _key_error(f"attribute '{name}' already exists")
        if tensor is not None and type(tensor) is not Tensor:
            raise type_error(f"cannot assign '{_type_name(tensor)}' object to buffer '{name}' (torch Tensor or None "
                             "required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

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

    def _named_members(self, kind: str, prefix: str, recurse: bool,
                       remove_duplicate: bool) -> Iterator[tuple[str, Tensor]]:
        """The tensors of each module's `_parameters` or `_buffers` (`kind`), with their dotted names."""
        seen: set[int] = set()
        owners = self.named_modules(prefix=prefix) if recurse else iter([(prefix, self)])
        for owner_prefix, owner in owners:
            for name, member in getattr(owner, kind).items():
                if member is None or (remove_duplicate and id(member) in seen):
                    continue
                seen.add(id(member))
                yield owner_prefix + ("." if owner_prefix else "") + name, member

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

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
        for child in self.children():  # children first, then this module's own tensors, as PyTorch's _apply
            child._convert(dtype)
        for param in self.parameters(recurse=False):
            if param.array.dtype.kind == "f" and param.array.dtype != target:
                param.array = param.array.astype(target)
                if param.grad is not None:
                    param.grad.array = param.grad.array.astype(target)
        for name, buffer in self._buffers.items():
            if buffer is not None and buffer.array.dtype.kind == "f" and buffer.array.dtype != target:
                self._buffers[name] = Tensor(buffer.array.astype(target))
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

    def state_dict(self, *args: Any, destination: Any = None, prefix: str = "",
                   keep_vars: bool = False) -> OrderedDict[str, Tensor]:
        """Each module's parameters, then its persistent buffers, then its children's, as PyTorch orders them."""
        if "_parameters" not in self.__dict__:
            raise _missing_attribute(self, "_state_dict_pre_hooks")
        if args:  # PyTorch's deprecated positional form: state_dict(destination, prefix, keep_vars)
            destination = args[0]
            prefix = args[1] if len(args) > 1 else prefix
            keep_vars = args[2] if len(args) > 2 else keep_vars
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()  # type: ignore[attr-defined]
        metadata = getattr(destination, "_metadata", None)
        if metadata is not None:
            metadata[prefix[:-1]] = {"version": self._version}
        for name, tensor in self._own_state():
            destination[prefix + name] = tensor if keep_vars else tensor.detach()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
        return destination

    def _own_state(self) -> list[tuple[str, Tensor]]:
        own = [(name, param) for name, param in self._parameters.items() if param is not None]
        own += [(name, buffer) for name, buffer in self._buffers.items()
                if buffer is not None and name not in self._non_persistent_buffers_set]
        return own

    def _complete_state_dict(self, state_dict: dict[str, Any], prefix: str, version: int | None) -> None:
        """Keys a checkpoint of an older `version` (None: unknown) may lack and the module fills in (BatchNorm's
        num_batches_tracked)."""

    def load_state_dict(self, state_dict: dict[str, Any], strict: bool = True) -> _IncompatibleKeys:
        """PyTorch's loading: each parameter found is copied in; every problem (missing and unexpected keys with
        strict, values that are not tensors, shape mismatches) is collected into one RuntimeError."""
        from autodiff.language.protocol import type_name

        if "_parameters" not in self.__dict__:
            raise _missing_attribute(self, "_load_state_dict_pre_hooks")
        if not isinstance(state_dict, dict):
            raise type_error(f"Expected state_dict to be dict-like, got <class '{type_name(state_dict)}'>.")
        metadata = getattr(state_dict, "_metadata", None)
        state_dict = OrderedDict(state_dict)
        for prefix, module in self.named_modules(remove_duplicate=False):
            version = metadata.get(prefix, {}).get("version") if metadata is not None else None
            module._complete_state_dict(state_dict, prefix + "." if prefix else "", version)
        own = {prefix + ("." if prefix else "") + name: tensor
               for prefix, module in self.named_modules(remove_duplicate=False) for name, tensor in module._own_state()}
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


def _key_error(text: str) -> AutodiffError:
    return AutodiffError("KeyError", repr(text))  # a KeyError prints its argument's repr


class _GlobalHooks:
    """The hooks torch.nn.modules.module's register_module_*_hook functions add for every module, each dict as a
    module's own: {handle key: (hook, with_kwargs, always_call)}. A script run starts with none (reset)."""

    def __init__(self) -> None:
        self.forward_pre: dict[int, tuple[Callable[..., Any], bool, bool]] = {}
        self.forward: dict[int, tuple[Callable[..., Any], bool, bool]] = {}
        self.backward_pre: dict[int, tuple[Callable[..., Any], bool, bool]] = {}
        self.backward: dict[int, tuple[Callable[..., Any], bool, bool]] = {}
        self.is_full_backward_hook: bool | None = None

    def any(self) -> bool:
        return bool(self.forward_pre or self.forward or self.backward_pre or self.backward)

    def reset(self) -> None:
        self.__init__()  # type: ignore[misc]


GLOBAL_HOOKS = _GlobalHooks()


def _add_global_hook(hooks: dict[int, Any], entry: tuple[Callable[..., Any], bool, bool]) -> RemovableHandle:
    handle = RemovableHandle(hooks)
    hooks[handle.key] = entry
    return handle


def register_module_forward_pre_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """`hook(module, args)` before every module's forward (and before the module's own pre-hooks)."""
    return _add_global_hook(GLOBAL_HOOKS.forward_pre, (hook, False, False))


def register_module_forward_hook(hook: Callable[..., Any], *, with_kwargs: bool = False,
                                 always_call: bool = False) -> RemovableHandle:
    """`hook(module, args, output)` after every module's forward (before the module's own forward hooks)."""
    return _add_global_hook(GLOBAL_HOOKS.forward, (hook, bool(with_kwargs), bool(always_call)))


def register_module_full_backward_pre_hook(hook: Callable[..., Any]) -> RemovableHandle:
    return _add_global_hook(GLOBAL_HOOKS.backward_pre, (hook, False, False))


def register_module_full_backward_hook(hook: Callable[..., Any]) -> RemovableHandle:
    _set_global_backward_hook_kind(True)
    return _add_global_hook(GLOBAL_HOOKS.backward, (hook, False, False))


def register_module_backward_hook(hook: Callable[..., Any]) -> RemovableHandle:
    _set_global_backward_hook_kind(False)
    return _add_global_hook(GLOBAL_HOOKS.backward, (hook, False, False))


def _set_global_backward_hook_kind(full: bool) -> None:
    if GLOBAL_HOOKS.is_full_backward_hook is (not full):
        raise runtime_error("Cannot use both regular backward hooks and full backward hooks as a global Module hook. "
                            "Please use only one of them.")
    GLOBAL_HOOKS.is_full_backward_hook = full


class _ModuleNodeHook:
    """A deprecated module backward hook as a hook of a graph node: `hook(module, grad_input, grad_output)`. The
    node holds the module weakly, as PyTorch's _WrappedHook does: a module gone before backward is an error."""

    __slots__ = ("hook", "module", "__name__")

    def __init__(self, hook: Callable[..., Any], module: Module) -> None:
        self.hook = hook
        self.module = weakref.ref(module)
        self.__name__ = getattr(hook, "__name__", "hook")

    def __call__(self, grad_inputs: tuple[Any, ...], grad_outputs: tuple[Any, ...]) -> Any:
        module = self.module()
        if module is None:
            raise runtime_error("You are trying to call the hook of a dead Module!")
        return self.hook(module, grad_inputs, grad_outputs)


def _warn_non_full_backward_hook(args: tuple[Any, ...], result: Any, node: Any) -> None:
    """PyTorch's FutureWarnings for a deprecated backward hook that will miss gradients: the module does not take
    or return tensors only, or its output comes from several nodes, or from more than one (its node's inputs are
    not the module's inputs' nodes)."""
    advice = "Please use register_full_backward_hook to get the documented behavior."
    results = (result,) if type(result) is Tensor else result
    if not (isinstance(results, tuple) and all(type(r) is Tensor for r in results)):
        warn("FutureWarning", "Using non-full backward hooks on a Module that does not return a single Tensor or a "
                              "tuple of Tensors is deprecated and will be removed in future versions. This hook will "
                              f"be missing some of the grad_output. {advice}")
        return
    if not all(type(a) is Tensor for a in args):
        warn("FutureWarning", "Using non-full backward hooks on a Module that does not take as input a single Tensor "
                              "or a tuple of Tensors is deprecated and will be removed in future versions. This hook "
                              f"will be missing some of the grad_input. {advice}")
        return
    output_nodes = {id(r.grad_fn): r.grad_fn for r in results if r.grad_fn is not None}
    if not output_nodes or (len(output_nodes) == 1 and id(node) not in output_nodes):
        warn("FutureWarning", "Using a non-full backward hook when outputs are nested in python data structure is "
                              "deprecated and will be removed in future versions. This hook will be missing some "
                              "grad_output.")
    elif len(output_nodes) > 1:
        warn("FutureWarning", "Using a non-full backward hook when outputs are generated by different autograd Nodes "
                              "is deprecated and will be removed in future versions. This hook will be missing some "
                              f"grad_output. {advice}")
    else:
        input_nodes = {id(a.grad_fn) for a in args if a.grad_fn is not None}
        next_nodes = {id(next_node) for next_node, _ in node.next_functions}  # None (no gradient) counts too
        if input_nodes != next_nodes:
            warn("FutureWarning", "Using a non-full backward hook when the forward contains multiple autograd Nodes "
                                  "is deprecated and will be removed in future versions. This hook will be missing "
                                  f"some grad_input. {advice}")


def _python_type(value: Any) -> str:
    from autodiff.language.protocol import type_name

    return f"<class '{type_name(value)}'>"


def _python_type_name(value: Any) -> str:
    from autodiff.language.protocol import type_name

    return type_name(value)


def _has_attribute(module: Module, name: str) -> bool:
    """Whether `module.name` finds something (a method, a property, a class attribute): register_buffer refuses it."""
    try:
        getattr(module, name)
    except AttributeError:
        return False
    return True


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
    "register_forward_pre_hook": Module.register_forward_pre_hook,
    "register_forward_hook": Module.register_forward_hook,
    "register_full_backward_pre_hook": Module.register_full_backward_pre_hook,
    "register_full_backward_hook": Module.register_full_backward_hook,
    "register_backward_hook": Module.register_backward_hook,
}
