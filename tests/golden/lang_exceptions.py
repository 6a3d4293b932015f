# Exceptions as teaching code uses them: custom classes with extra state, except by class and by tuple, as,
# else/finally, raise from, bare re-raise, assert with a message, and PyTorch's errors caught by their Python class.
import torch


class ShapeError(ValueError):
    def __init__(self, message, shape):
        super().__init__(message)
        self.shape = shape


class TrainingDone(Exception):
    pass


def check(t):
    if t.dim() != 2:
        raise ShapeError(f"expected 2 dims, got {t.dim()}", tuple(t.shape))
    return t


try:
    check(torch.ones(3))
except ShapeError as e:
    print("caught:", e, e.shape, type(e).__name__, isinstance(e, ValueError), e.args)
except ValueError:
    print("not here")
else:
    print("no else")
finally:
    print("finally runs")

try:
    raise TrainingDone
except (KeyError, TrainingDone) as e:
    print("tuple caught", repr(e))

x = torch.tensor([1.0, 2.0], requires_grad=True)
y = (x * x).sum()
y.backward()
try:
    y.backward()
except RuntimeError as e:
    print("RuntimeError:", str(e)[:60])

try:
    torch.ones(2) + torch.ones(3)
except RuntimeError as e:
    print(e)

try:
    torch.ones(2)[5]
except IndexError as e:
    print("IndexError", e)

try:
    [1, 2][3]
except IndexError as e:
    print("list", e)

try:
    {}["k"]
except KeyError as e:
    print("KeyError", e, repr(e))

try:
    int("abc")
except ValueError as e:
    print(e)

try:
    1 / 0
except ZeroDivisionError as e:
    print(type(e), e)


def risky(n):
    try:
        if n == 0:
            raise ValueError("zero")
        return 10 / n
    except ValueError as err:
        raise RuntimeError("wrapped") from err
    finally:
        print("cleanup", n)


print(risky(5))
try:
    risky(0)
except RuntimeError as e:
    print(e, "cause:", repr(e.__cause__))


def reraise():
    try:
        raise KeyError("inner")
    except KeyError:
        print("re-raising")
        raise


try:
    reraise()
except LookupError as e:
    print("LookupError caught", e)

assert 1 + 1 == 2, "math"
try:
    assert x.shape == (3,), f"bad shape {tuple(x.shape)}"
except AssertionError as e:
    print("assert:", e)

# __cause__ and __context__ as Python sets them
try:
    try:
        1 / 0
    except ZeroDivisionError as inner:
        raise KeyError("k")
except KeyError as e:
    print(repr(e.__cause__), repr(e.__context__))
try:
    try:
        raise ValueError("a")
    finally:
        pass
except ValueError as e:
    print(repr(e.__cause__), repr(e.__context__))
try:
    raise ValueError("b") from None
except ValueError as e:
    print(repr(e.__cause__), repr(e.__context__))
def f():
    try:
        raise ValueError("c")
    except ValueError as v:
        raise TypeError("d") from v
try:
    f()
except TypeError as e:
    print(repr(e.__cause__), repr(e.__context__))
