"""The compiler from syntax tree to closures, one file per part of the language it compiles."""

from __future__ import annotations

from autodiff.language.compiler.comprehensions import ComprehensionCompiler
from autodiff.language.compiler.core import CompilerCore
from autodiff.language.compiler.definitions import DefinitionCompiler
from autodiff.language.compiler.exceptions import ExceptionCompiler
from autodiff.language.compiler.expressions import ExpressionCompiler
from autodiff.language.compiler.generators import GeneratorCompiler
from autodiff.language.compiler.statements import StatementCompiler


class Compiler(ExpressionCompiler, ComprehensionCompiler, StatementCompiler, DefinitionCompiler, ExceptionCompiler,
               GeneratorCompiler, CompilerCore):
    """Turns one module's nodes into closures; knows the interpreter's globals, builtins and limits."""


__all__ = ["Compiler"]
