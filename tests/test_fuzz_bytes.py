"""Byte-level mutations of real scripts (examples/*.ad and the seed programs in tests/seeds): whatever the bytes, the
parser and the interpreter fail only with autodiff's own errors, and the CLI reports bytes that are not UTF-8
as a usage error.

A fixed pseudo-random sequence makes each run reproducible; AUTODIFF_FUZZ_MUTANTS=5000 runs a longer hunt.
"""

from __future__ import annotations

import io
import os
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from autodiff.cli.main import main
from autodiff.errors import AutodiffError
from autodiff.language.interpreter import Interpreter
from autodiff.language.parser import input_status
from autodiff.prelude import build_namespace

ROOT = Path(__file__).resolve().parent.parent
SEED_FOLDERS = [ROOT / "tests" / "seeds"]
MUTANTS = int(os.environ.get("AUTODIFF_FUZZ_MUTANTS", "600"))

# Fragments worth splicing in: keywords, brackets, operators, indentation, odd characters.
DICTIONARY = [b"(", b")", b"[", b"]", b"{", b"}", b":", b",", b".", b"=", b"==", b"+=", b"**", b"@", b"\n", b"\t",
              b"    ", b"\\", b"#", b"'", b'"', b'"""', b"f'{", b"}'", b"lambda", b"class", b"import", b"def ",
              b"return", b"yield", b"not ", b" and ", b" or ", b" is ", b" in ", b"None", b"True", b"1e308",
              b"-0", b"0x", b"_", b"__class__", b".grad", b".backward()", b"requires_grad=True", b"\xc3\xa9",
              b"\xe4\xb8\xad", b"\xff", b"\x00", b"\r", b"\r\n", b"\x0c", b"...", b";", b"*", b"global x",
              b"nonlocal x", b"del ", b"assert ", b"with ", b"while ", b"for ", b"else:", b"elif "]


def corpus() -> list[bytes]:
    files = sorted((ROOT / "examples").glob("*.ad"))
    for folder in SEED_FOLDERS:
        if folder.is_dir():
            files += sorted(folder.glob("*.py"))
            break
    return [path.read_bytes() for path in files]


def mutate(data: bytes, rng: random.Random, others: list[bytes]) -> bytes:
    buffer = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        position = rng.randint(0, len(buffer))
        action = rng.randrange(7)
        if action == 0 and buffer:  # flip a bit
            index = min(position, len(buffer) - 1)
            buffer[index] ^= 1 << rng.randrange(8)
        elif action == 1:  # delete a run
            del buffer[position:position + rng.randint(1, 12)]
        elif action == 2:  # insert a random byte
            buffer[position:position] = bytes([rng.randrange(256)])
        elif action == 3:  # insert a fragment
            buffer[position:position] = rng.choice(DICTIONARY)
        elif action == 4 and buffer:  # duplicate a run
            start = rng.randrange(len(buffer))
            buffer[position:position] = buffer[start:start + rng.randint(1, 40)]
        elif action == 5:  # splice in a piece of another program
            other = rng.choice(others)
            start = rng.randrange(len(other) or 1)
            buffer[position:position] = other[start:start + rng.randint(1, 80)]
        else:  # swap two lines
            lines = bytes(buffer).split(b"\n")
            if len(lines) > 1:
                i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
                lines[i], lines[j] = lines[j], lines[i]
                buffer = bytearray(b"\n".join(lines))
    return bytes(buffer)


_NAMESPACE: list = []


def run_bytes(data: bytes) -> None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return  # the CLI refuses these before parsing (test_cli_refuses_bytes_that_are_not_utf8)
    if not _NAMESPACE:  # one namespace for every mutant (building one takes 40 ms); print output is dropped
        _NAMESPACE.extend(build_namespace(io.StringIO().write))
    names, modules = _NAMESPACE
    interpreter = Interpreter(dict(names), modules, filename="<mutant>", stderr=io.StringIO(), max_steps=20_000,
                              timeout=5.0, max_depth=60)
    try:
        interpreter.run_source(text)
    except AutodiffError as error:
        assert error.category and error.message is not None
        assert error.span is None or error.span.line >= 1
    assert input_status(text) in ("complete", "incomplete", "invalid")


def test_corpus_is_there():
    assert len(corpus()) >= 10


def test_mutated_scripts_raise_only_autodiff_errors():
    programs = corpus()
    rng = random.Random(20240611)
    tried = 0
    for _ in range(MUTANTS):
        original = rng.choice(programs)
        run_bytes(mutate(original, rng, programs))
        tried += 1
    assert tried == MUTANTS


def test_truncated_scripts_raise_only_autodiff_errors():
    """Every prefix of a script (the REPL sees these too), at a few cut points per script."""
    rng = random.Random(7)
    for program in corpus():
        for cut in sorted({rng.randrange(len(program) + 1) for _ in range(6)} | {len(program) // 2}):
            run_bytes(program[:cut])


@pytest.mark.parametrize("data", [b"print(1)\n\xff\xfe", b"\xef\xbb\xbfprint(1)\n", b"x = '\xe9'\n"])
def test_cli_refuses_bytes_that_are_not_utf8(tmp_path, data):
    script = tmp_path / "script.py"
    script.write_bytes(data)
    result = CliRunner().invoke(main, ["run", str(script)])
    assert "Traceback" not in result.output and "internal error" not in result.stderr
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        assert result.exit_code == 2
        assert "is not UTF-8 text" in result.stderr
    else:
        assert result.exit_code in (0, 1)


def test_cli_on_mutants_shows_no_traceback(tmp_path):
    programs = corpus()
    rng = random.Random(99)
    for index in range(8):
        data = mutate(rng.choice(programs), rng, programs)
        script = tmp_path / f"mutant{index}.py"
        script.write_bytes(data)
        result = CliRunner().invoke(main, ["run", "--max-steps", "20000", "--timeout", "10", str(script)])
        assert result.exit_code in (0, 1, 2), result.output
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
