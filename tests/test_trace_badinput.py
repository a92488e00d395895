"""Bad captures: each gives one clear line and exit code 2, never another exception."""

from __future__ import annotations

import os
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from irtools.errors import CorruptTrace, NotATrace, TraceError, TruncatedTrace, UnsupportedVersion
from irtools.trace.reader import read_trace
from tests import tracy_writer
from tests.helpers import TRACY, run_cli

SMALL = TRACY / "mlp3_llvmcpu_sync.tracy"


def _cli_error(path):
    code, out, err = run_cli("hotspots", path)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("irtools: error: "), err
    assert str(path) in lines[0]
    return lines[0]


def test_empty_file(tmp_path):
    p = tmp_path / "empty.tracy"
    p.write_bytes(b"")
    with pytest.raises(NotATrace):
        read_trace(p)
    assert "empty" in _cli_error(p)


def test_wrong_magic(tmp_path):
    p = tmp_path / "model.mlir"
    p.write_text("func.func @main() { return }\n")
    with pytest.raises(NotATrace):
        read_trace(p)
    assert "offset 0" in _cli_error(p)


def test_directory(tmp_path):
    with pytest.raises(NotATrace):
        read_trace(tmp_path)
    assert "directory" in _cli_error(tmp_path)


def test_missing_file(tmp_path):
    assert "cannot open" in _cli_error(tmp_path / "nope.tracy")


@pytest.mark.parametrize("version", [(0, 15, 0), (1, 0, 0), (0, 8, 2)])
def test_unsupported_versions(tmp_path, version):
    payload = bytearray(tracy_writer.decode(SMALL))
    payload[5:8] = bytes(version)
    p = tracy_writer.encode(bytes(payload), tmp_path / "v.tracy")
    with pytest.raises(UnsupportedVersion):
        read_trace(p)
    line = _cli_error(p)
    assert ".".join(map(str, version)) in line


def test_a_014_patch_release_is_accepted(tmp_path):
    # 0.14.0's layout; a later 0.14.x patch is read the same way.
    payload = tracy_writer.decode(TRACY / "matmul_llvmcpu_task.v0.14.0-lz4-j8.tracy")
    patched = payload[:7] + bytes([3]) + payload[8:]
    p = tracy_writer.encode(patched, tmp_path / "v0143.tracy", compression="lz4")
    assert read_trace(p).zones.count == 621


def test_rewrapped_payload_reads_the_same(tmp_path):
    # Our test writer is right, so the crafted files above test the reader, not the writer.
    for compression in ("zstd", "lz4"):
        p = tracy_writer.encode(tracy_writer.decode(SMALL), tmp_path / f"{compression}.tracy",
                                compression=compression, streams=3)
        assert read_trace(p).zones.count == read_trace(SMALL).zones.count


@pytest.mark.parametrize("compression", ["zstd", "lz4"])
def test_legacy_headers(tmp_path, compression):
    p = tracy_writer.encode(tracy_writer.decode(SMALL), tmp_path / "legacy.tracy",
                            compression=compression, legacy=True)
    assert p.read_bytes()[:4] in (b"tZst", b"tlZ\x04")
    data = read_trace(p)
    assert data.streams == 1 and data.zones.count == read_trace(SMALL).zones.count


def test_corrupt_block(tmp_path):
    data = bytearray(SMALL.read_bytes())
    for i in range(200, 260):
        data[i] ^= 0x5A
    p = tmp_path / "corrupt.tracy"
    p.write_bytes(bytes(data))
    with pytest.raises(CorruptTrace):
        read_trace(p)
    assert "offset" in _cli_error(p)


def test_bad_block_size(tmp_path):
    data = bytearray(SMALL.read_bytes())
    data[6:10] = (10**9).to_bytes(4, "little")
    p = tmp_path / "size.tracy"
    p.write_bytes(bytes(data))
    with pytest.raises(CorruptTrace, match="offset 6"):
        read_trace(p)


def test_truncated_at_a_block_boundary(tmp_path):
    data = SMALL.read_bytes()
    cut = 6 + 4 + int.from_bytes(data[6:10], "little")  # after the first block
    p = tmp_path / "cut.tracy"
    p.write_bytes(data[:cut])
    with pytest.raises(TruncatedTrace):
        read_trace(p)


def test_input_is_not_modified(tmp_path):
    before = SMALL.read_bytes()
    code, _, _ = run_cli("hotspots", SMALL, "--format", "csv")
    assert code == 0 and SMALL.read_bytes() == before


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=SMALL.stat().st_size - 1))
def test_truncated_anywhere_raises_a_trace_error(tmp_path_factory, cut):
    data = SMALL.read_bytes()[:cut]
    p = tmp_path_factory.mktemp("cut") / "t.tracy"
    p.write_bytes(data)
    with pytest.raises(TraceError) as info:
        read_trace(p, threaded=False)
    message = str(info.value)
    assert "\n" not in message and str(p) in message and "offset" in message


def test_truncated_at_random_offsets(tmp_path):
    # Every cut costs a read of what precedes it: 48 by default keep `pytest -m "not iree"`
    # quick; IRTOOLS_TRUNCATION_CUTS=2000 sweeps deeper.
    data = (TRACY / "tfm_prefill_llvmcpu_task.tracy").read_bytes()
    rng = random.Random(1234)
    p = tmp_path / "t.tracy"
    for cut in sorted(rng.sample(range(len(data)), int(os.environ.get("IRTOOLS_TRUNCATION_CUTS", 48)))):
        p.write_bytes(data[:cut])
        with pytest.raises(TraceError):
            read_trace(p, threaded=False)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_corrupt_payload_never_raises_anything_else(tmp_path_factory, data):
    """Flip decoded bytes (the container stays valid): a TraceError or a clean read."""
    payload = bytearray(tracy_writer.decode(SMALL))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(8, len(payload) - 1))
        payload[at] = data.draw(st.integers(0, 255))
    p = tracy_writer.encode(bytes(payload), tmp_path_factory.mktemp("bad") / "t.tracy")
    try:
        read_trace(p, threaded=False)
    except TraceError as err:
        assert "\n" not in str(err)
