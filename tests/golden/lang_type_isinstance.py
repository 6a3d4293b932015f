# type(x) and x.__class__ for every kind of value a script holds (PyTorch's classes included), isinstance, issubclass,
# callable, and the names of classes and functions.
import torch
import torch.nn as nn
x = torch.ones(2, requires_grad=True)
y = x * 2
print(type(y.grad_fn), type(y.grad_fn).__name__)
print(type(x.shape), type(x.dtype), type(x.device), type(torch.no_grad()))
print(type(nn.Linear(1, 1)), type(nn.Parameter(torch.ones(1))), type(torch.optim.SGD([x], lr=0.1)))
print(type(lambda: 1), type(len), type(torch.ones), type(range(3)), type(zip([], [])), type(map(str, [])))
print(type(iter([])), type(x.tolist()), type(x.sum().item()), type({1}), type(frozenset()))
def g():
    yield 1
print(type(g), type(g()), type((i for i in [])), type(Exception()), type(ValueError))
class A:
    def m(self):
        pass
    @property
    def p(self):
        return 1
print(type(A().m), type(A.m), type(A), type(A()), A().__class__, type(super(A, A())))
print(isinstance(x, torch.Tensor), isinstance(3, (int, float)), isinstance(True, int), type(True) == bool)
print(x.__class__.__name__, A.__name__, A.__qualname__, A.m.__name__, A.m.__qualname__, g.__name__)
print(isinstance(A, type), isinstance(3, type), issubclass(bool, int), issubclass(A, (int, object)))
print(callable(A), callable(A()), callable(A().m))
