"""The scanner reads in chunks: wherever a chunk ends, slim writes the same output.

A constant's digits are decoded from chunks and later copied from the input by
offset, so a boundary inside the digits, just before the closing `">`, or inside a
literal list must change nothing, and a bad digit is reported at the same offset.
"""

from __future__ import annotations

import functools
import random

import numpy as np
import pytest

import irtools
import irtools.slim.rewrite
from irtools.errors import MlirError
from irtools.slim.scanner import Scanner


def _model(rng: random.Random) -> bytes:
    lines = ["module {"]
    for i in range(4):
        n = rng.randint(1, 90)
        data = bytes(rng.randrange(256) for _ in range(n))
        digits = data.hex().upper() if i % 2 else data.hex()   # either case is valid MLIR
        lines.append(f'  util.global private @g{i} = dense<"0x{digits}"> : tensor<{n}xi8>')
        other = bytes(rng.randrange(256) for _ in range(n))   # lists go through the spool
        ints = ", ".join(str(v) for v in np.frombuffer(other, np.int8))
        lines.append(f"  util.global private @l{i} = dense<[{ints}]> : tensor<{n}xi8>")
    lines.append(f'  util.global private @again = dense<"0x{digits}"> : tensor<{n}xi8>')
    return ("\n".join(lines) + "\n}\n").encode()


def _slim(monkeypatch, src, out, chunk, **kw):
    monkeypatch.setattr(irtools.slim.rewrite, "Scanner", functools.partial(Scanner, chunk=chunk))
    return irtools.slim_mlir(src, out, min_bytes=1, **kw)


@pytest.mark.parametrize("seed", range(6))
def test_any_chunk_size_gives_the_same_output(tmp_path, monkeypatch, seed):
    src = tmp_path / "in.mlir"
    src.write_bytes(_model(random.Random(seed)))
    want = _slim(monkeypatch, src, tmp_path / "want.mlir", 1 << 20)
    text = (tmp_path / "want.mlir").read_bytes()
    assert len(want.moved) == 9 and b"dense<" not in text
    assert [c.duplicate for c in want.moved] == [False] * 8 + [True]
    for chunk in range(1, 48, 5):
        got = _slim(monkeypatch, src, tmp_path / "got.mlir", chunk)
        assert (tmp_path / "got.mlir").read_bytes() == text, chunk
        assert [c.digest for c in got.constants] == [c.digest for c in want.constants]
    # The section holds the input's own digits, in the input's case.
    source = src.read_text()
    for const in want.moved[:-1]:
        digits = source[const.offset + 9:source.index('"', const.offset + 9)]
        if const.kind == "hex":
            assert f'{const.key}: "0x01000000{digits}"' in text.decode()


@pytest.mark.parametrize("bad, words", [("3G", "invalid hex digit 'G'"), ("ABC", "odd number of digits")])
def test_bad_digits_are_reported_at_one_offset_whatever_the_chunks(tmp_path, monkeypatch, bad, words):
    src = tmp_path / "in.mlir"
    src.write_text('module {\n  util.global private @w = dense<"0x' + "00" * 20 + bad + '"> : tensor<21xi8>\n}\n')
    messages = set()
    for chunk in range(1, 60, 3):
        with pytest.raises(MlirError) as err:
            _slim(monkeypatch, src, tmp_path / "out.mlir", chunk)
        assert words in str(err.value)
        messages.add(str(err.value))
    assert len(messages) == 1
    assert not (tmp_path / "out.mlir").exists()


def test_section_copy_without_copy_file_range(tmp_path, monkeypatch):
    """Where the kernel refuses copy_file_range (another file system), bytes go through memory."""
    import errno
    import os

    src = tmp_path / "in.mlir"
    src.write_bytes(_model(random.Random(9)))
    _slim(monkeypatch, src, tmp_path / "want.mlir", 1 << 20)

    def refuse(*args):
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))

    monkeypatch.setattr(irtools._io.os, "copy_file_range", refuse)
    _slim(monkeypatch, src, tmp_path / "got.mlir", 1 << 20)
    assert (tmp_path / "got.mlir").read_bytes() == (tmp_path / "want.mlir").read_bytes()
