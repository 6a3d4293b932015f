"""`python -m autodiff`: the command line."""

from autodiff.cli.entry import console

console()
