"""`import string`: CPython's string constants and `capwords`.

`string.Formatter` and `string.Template` stay out: a Formatter resolves `{0.name}` fields with Python's own
getattr, around the attribute tables.
"""

from __future__ import annotations

import string

from autodiff.language.protocol import Namespace

CONSTANTS = ("ascii_letters", "ascii_lowercase", "ascii_uppercase", "digits", "hexdigits", "octdigits",
             "printable", "punctuation", "whitespace")


def build() -> dict[str, Namespace]:
    members = {name: getattr(string, name) for name in CONSTANTS}
    members["capwords"] = string.capwords
    return {"string": Namespace("string", members)}
