"""Atomic outputs: all or nothing, with the permissions a plain open() gives."""

from __future__ import annotations

import os
import stat

import pytest

from irtools._io import atomic_output


@pytest.mark.parametrize("durable", [True, False])
def test_output_mode_follows_the_umask(tmp_path, durable):
    old = os.umask(0o027)
    try:
        with atomic_output(tmp_path / "out.bin", durable=durable) as f:
            f.write(b"data")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out.bin").stat().st_mode) == 0o640
    assert (tmp_path / "out.bin").read_bytes() == b"data"


def test_a_failed_write_leaves_nothing(tmp_path):
    (tmp_path / "out.bin").write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_output(tmp_path / "out.bin", durable=False) as f:
            f.write(b"new")
            raise RuntimeError("stop")
    assert (tmp_path / "out.bin").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]
