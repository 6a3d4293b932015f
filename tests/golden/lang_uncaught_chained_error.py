# An error the script raises itself, from inside an except clause, and lets escape: Python reports the exception
# it was handling first, then the new one with the script's own class name.
import torch


class ShapeMismatchError(ValueError):
    pass


def check(a, b):
    try:
        return a + b
    except RuntimeError as error:
        raise ShapeMismatchError(f"shapes {tuple(a.shape)} and {tuple(b.shape)} differ") from error


print(check(torch.ones(2), torch.ones(2)))
print(check(torch.ones(2), torch.ones(3)))
