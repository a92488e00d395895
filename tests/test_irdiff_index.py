"""The dump index: header spellings, offsets, and bad inputs (clear errors, never tracebacks)."""

from __future__ import annotations

import pytest

from irtools.errors import DumpError
from irtools.irdiff.header import parse_header
from irtools.irdiff.index import count_lines, scan
from tests.helpers import run_ir


@pytest.mark.parametrize("line,want", [
    ("// -----// IR Dump After CSEPass: cse //----- //", ("after", "CSEPass", "cse", "", "")),
    ("// -----// IR Dump Before CanonicalizerPass: canonicalize{cse-between-iterations=false    "
     "max-iterations=10 ...} //----- //",
     ("before", "CanonicalizerPass", "canonicalize{cse-between-iterations=false    max-iterations=10 ...}", "", "")),
    ("// -----// IR Dump After CSEPass: cse ('func.func' operation: "
     "@prefill_dispatch_1_matmul_64x256x256_f32) //----- //",
     ("after", "CSEPass", "cse", "func.func", "prefill_dispatch_1_matmul_64x256x256_f32")),
    ("// -----// IR Dump After SymbolDCEPass: symbol-dce ('builtin.module' operation) //----- //",
     ("after", "SymbolDCEPass", "symbol-dce", "builtin.module", "")),
    ("// -----// IR Dump After CSE (cse) //----- //", ("after", "CSE", "cse", "", "")),
    ("// -----// IR Dump Before CSE (cse) ('func.func' operation: @f) //----- //",
     ("before", "CSE", "cse", "func.func", "f")),
    ("// *** IR Dump After CSE ***", ("after", "CSE", "", "", "")),
])
def test_header_spellings(line, want):
    h = parse_header(line)
    assert (h.when, h.pass_name, h.arg, h.op, h.symbol) == want


@pytest.mark.iree
def test_index_matches_grep_and_covers_the_file(dumps):
    path = dumps("a_mm_elem", "ba")
    data = path.read_bytes()
    idx = scan(path, chunk=1 << 16)   # small chunks: headers straddle chunk ends
    count_lines(idx)
    assert len(idx) == data.count(b"IR Dump")
    assert idx[0].start == 0 and idx[-1].end == len(data)
    assert all(a.end == b.start for a, b in zip(idx.snapshots, idx.snapshots[1:]))
    assert sum(s.lines for s in idx.snapshots) == data.count(b"\n")
    for s in idx.snapshots[::97]:
        assert data[s.start:s.body].startswith(b"// -----// IR Dump")
    assert not idx.warnings


def _write(tmp_path, name, data):
    p = tmp_path / name
    p.write_bytes(data)
    return p


SNAP = (b"// -----// IR Dump After CSEPass: cse //----- //\n"
        b"util.func public @main(%arg0: i32) -> i32 {\n  util.return %arg0 : i32\n}\n\n")


def test_no_headers_names_the_flag(tmp_path):
    p = _write(tmp_path, "plain.mlir", b"module {\n}\n")
    with pytest.raises(DumpError, match="--mlir-print-ir-after-all"):
        scan(p)
    code, out, err = run_ir("passes", p)
    assert code == 2 and err.startswith("irtools: error:") and "Traceback" not in err


def test_empty_and_binary(tmp_path):
    with pytest.raises(DumpError, match="empty"):
        scan(_write(tmp_path, "empty.txt", b""))
    with pytest.raises(DumpError, match="binary"):
        scan(_write(tmp_path, "garbage.bin", bytes(range(256)) * 64))


def test_truncated_last_snapshot_is_reported_rest_usable(tmp_path):
    p = _write(tmp_path, "cut.txt", SNAP * 3 + SNAP[:90])
    idx = scan(p)
    assert len(idx) == 4 and idx[-1].truncated and not idx[0].truncated
    assert any("truncated" in w for w in idx.warnings)
    code, out, err = run_ir("passes", p, "--all", "--format", "csv")
    assert code == 0 and "warning" in err and len(out.splitlines()) == 5


LOCATED = (b"// -----// IR Dump After CSEPass: cse //----- //\n"
           b'util.func public @main(%arg0: i32) -> i32 {\n  util.return %arg0 : i32 loc("m.mlir":3:5)\n'
           b'} loc(callsite("model.layers.0 (a)" at fused["m.mlir":2:1, "x.py":9:1]))\n\n')
ALIASED_LOCS = LOCATED.replace(b'} loc(callsite', b'} loc(#loc1)\n#loc1 = loc(callsite', 1)


@pytest.mark.parametrize("last", [LOCATED, ALIASED_LOCS])
def test_a_print_ending_in_its_location_is_whole(tmp_path, last):
    """--mlir-print-debuginfo ends a print with `} loc(...)`, or with `#loc` definitions
    after it: not a cut dump. Cut inside the location, it is one."""
    idx = scan(_write(tmp_path, "loc.txt", SNAP + last))
    assert not idx[-1].truncated and idx.warnings == []
    for cut in (len(last) - 4, len(last) - 9, last.index(b'"model') + 3):
        idx = scan(_write(tmp_path, f"cut{cut}.txt", SNAP + last[:cut]))
        assert idx[-1].truncated, last[:cut]


def test_crlf_line_ends(tmp_path):
    p = _write(tmp_path, "crlf.txt", (SNAP * 2).replace(b"\n", b"\r\n"))
    idx = scan(p)
    assert idx.crlf and len(idx) == 2 and idx[0].pass_name == "CSEPass"
    code, out, err = run_ir("passes", p, "--all", "--format", "json")
    assert code == 0 and '"changed": "false"' in out


def test_interleaved_threaded_output_is_warned(tmp_path):
    mixed = SNAP + b"  %0 = arith.addi // -----// IR Dump After CSEPass: cse //----- //\n" + SNAP
    idx = scan(_write(tmp_path, "mixed.txt", mixed))
    assert any("--mlir-disable-threading" in w for w in idx.warnings)


@pytest.mark.iree
def test_stdin(dumps, monkeypatch):
    import io
    import sys

    path = dumps("a_mm_elem", "a")
    fake = io.TextIOWrapper(io.BytesIO(path.read_bytes()))
    monkeypatch.setattr(sys, "stdin", fake)
    code, out, _ = run_ir("passes", "-", "--all", "--format", "csv")
    assert code == 0 and len(out.splitlines()) == 1 + path.read_bytes().count(b"IR Dump")


def test_core_does_not_import_front_ends():
    import subprocess
    import sys

    code = ("import sys, irtools.irdiff.dump, irtools.irdiff.compile_dump; "
            "bad = [m for m in sys.modules if m.startswith(('irtools.render', 'irtools.cli', 'pandas', 'rich'))]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
