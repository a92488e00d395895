"""`irtools ir capture` indexes the dump while iree-compile writes it.

The index of a growing file, read a piece at a time (pieces cut anywhere, header lines
included), must equal the index of the finished file; and a real capture must report
snapshots while the compiler still runs.
"""

from __future__ import annotations

import random

import pytest

from irtools.irdiff.compile_dump import compile_dump
from irtools.irdiff.index import Index, Reader, complete, scan
from tests.helpers import MODELS, TARGET


def _fields(idx):
    return [(s.start, s.body, s.end, s.header, s.op, s.symbol, s.truncated) for s in idx.snapshots]


@pytest.mark.iree
@pytest.mark.parametrize("seed", range(3))
def test_growing_file_gives_the_finished_index(dumps, tmp_path, seed):
    data = dumps("a_mm_elem", "ba").read_bytes()
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(data)), 400))
    # Cut some pieces just inside a header line, where a reader could take half a header.
    cuts += [data.index(b"IR Dump", c) + rng.randint(0, 60) for c in cuts[::20]]
    growing = tmp_path / "growing.txt"
    idx = Index(str(growing), 0)
    reader = Reader(idx, chunk=1 << 16)
    with open(growing, "wb") as out, open(growing, "rb", buffering=0) as tail:
        done = 0
        for cut in sorted(set(cuts)):
            out.write(data[done:cut])
            out.flush()
            done = cut
            reader.read(tail, more=True)
            assert all(s.header.pass_name for s in idx.snapshots)
        out.write(data[done:])
        out.flush()
        reader.read(tail)
    idx.size = reader.end
    assert _fields(complete(idx)) == _fields(scan(growing))


def test_header_longer_than_the_buffer_waits_for_its_end(tmp_path):
    options = " ".join(f"opt{i}=value" for i in range(3000))     # about 36 KB of pass options
    header = f"// -----// IR Dump After SomePass: some-pass{{{options}}} //----- //\n"
    data = ("warning: something first\n" + header + "func.func @f() {\n  return\n}\n\n") * 3
    growing = tmp_path / "growing.txt"
    idx = Index(str(growing), 0)
    reader = Reader(idx, chunk=4096)
    with open(growing, "w") as out, open(growing, "rb", buffering=0) as tail:
        for start in range(0, len(data), 1000):
            out.write(data[start:start + 1000])
            out.flush()
            reader.read(tail, more=True)
        reader.read(tail)
    idx.size = reader.end
    assert _fields(complete(idx)) == _fields(scan(growing))
    assert [s.header.arg for s in idx.snapshots] == [f"some-pass{{{options}}}"] * 3


@pytest.mark.iree
def test_capture_indexes_while_compiling(tmp_path):
    seen = []
    out = tmp_path / "cap.txt"
    dump = compile_dump(MODELS / "b_mlp3.mlir", out, TARGET, watch=lambda snaps: seen.append(len(snaps)))
    with dump:
        assert len(seen) >= 3 and seen == sorted(seen) and seen[0] < len(dump)
        assert _fields(dump.index) == _fields(scan(out))
        flags = dump.flags()
    assert {f for f, s in zip(flags, dump.index.snapshots) if s.when == "after"} <= {"changed", "false"}
