"""The script language: grammar and parser, syntax tree, compiler, runtime objects, builtins."""
