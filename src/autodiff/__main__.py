"""`python -m autodiff`: the command line."""

from autodiff.cli.main import console

console()
