"""A --mlir-print-ir-tree-dir folder reads like the single-file dump of the same compile.

The real iree-compile writes both. MLIR's tree-dir loses the snapshots whose file names
collide (unnamed util.initializer ops), so the folder's snapshots must be the file's,
in the same order, with some missing; and every row, diff and history entry that both
have must be the same.
"""

from __future__ import annotations

import io
import json
import os
import zlib

import pytest

import irtools
from irtools.errors import DumpError, UsageError
from irtools.irdiff.treedir import GUESSED_WARNING, LOST_WARNING, TreeReader, tree_parts
from tests.helpers import run_ir


def _texts(dump):
    f = dump.file()
    out = []
    for s in dump.index.snapshots:
        f.seek(s.start)
        out.append(zlib.crc32(f.read(s.end - s.start)))
    return out


def _match(tree, flat):
    """Tree snapshot i -> flat snapshot j: the same text, in the same order."""
    flat_texts, j, out = _texts(flat), 0, {}
    for i, text in enumerate(_texts(tree)):
        while j < len(flat_texts) and flat_texts[j] != text:
            j += 1
        assert j < len(flat_texts), f"tree snapshot {i} is not in the dump, or out of order"
        out[i], j = j, j + 1
    return out


def _diff_lines(dump, n):
    try:
        diff = dump.diff(n)
    except UsageError:   # the first snapshot of an op has no earlier state
        return None
    return diff.a_lines, diff.b_lines


def _same(row, other):
    return {k: v for k, v in row.items() if k != "index"} == {k: v for k, v in other.items() if k != "index"}


@pytest.mark.iree
@pytest.mark.parametrize("model, mode", [("a_mm_elem", "a"), ("a_mm_elem", "ba"), ("b_mlp3", "am")])
def test_tree_dir_reads_like_the_single_file_dump(dumps, trees, model, mode):
    tree, flat = irtools.open_dump(trees(model, mode)), irtools.open_dump(dumps(model, mode))
    match = _match(tree, flat)
    missing = [s for s in flat.index.snapshots if s.index not in set(match.values())]
    assert len(missing) <= 0.05 * len(flat)
    assert all(s.op == "util.initializer" for s in missing)
    assert (LOST_WARNING in tree.warnings) == any("_no-symbol-name" in p.path and "util_initializer" in p.path
                                                  for p in tree.index.parts)
    assert GUESSED_WARNING not in tree.warnings   # fresh tree: the file times give the order
    tree_rows, flat_rows = tree.rows(), flat.rows()
    assert all(_same(r, flat_rows[match[r["index"]]]) for r in tree_rows)
    # The default diff (against the state before the pass) and a symbol's history agree.
    changed = [r["index"] for r in tree_rows if r["changed"] == "changed"][:40]
    for n in changed:
        assert _diff_lines(tree, n) == _diff_lines(flat, match[n])
    symbol = next(r["symbol"] for r in tree_rows if "dispatch" in r["symbol"])
    assert [{**h, "index": match[h["index"]], "previous": match[h["previous"]]}
            for h in tree.history(symbol)] == flat.history(symbol)


@pytest.mark.iree
def test_cli_takes_a_tree_dir(trees, tmp_path):
    tree = trees("a_mm_elem", "a")
    code, out, err = run_ir("passes", tree, "--format", "json", "--changed")
    rows = json.loads(out)
    assert code == 0 and rows and {r["changed"] for r in rows} == {"changed"}
    assert "overwrite each other" in err
    code, out, _ = run_ir("show", tree, rows[0]["index"])
    assert code == 0 and out.strip()
    code, _, _ = run_ir("split", tree, "-o", tmp_path / "split")
    written = sorted((tmp_path / "split").iterdir())
    assert code == 0 and b"".join(p.read_bytes() for p in written) == b"".join(
        open(p.path, "rb").read() for p in irtools.open_dump(tree).index.parts)


@pytest.mark.iree
def test_copied_tree_is_ordered_by_counters(trees, tmp_path):
    """Without the file times (a copy), each op's snapshots and the module's stay in order."""
    src = trees("b_mlp3", "am")
    parts, _ = tree_parts(src)
    copy = tmp_path / "copy"
    for i, p in enumerate(sorted(parts, key=lambda p: p.path, reverse=True)):  # another order
        dst = copy / os.path.relpath(p.path, src)
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(open(p.path, "rb").read())
        os.utime(dst, ns=(i, i))
    copied, warnings = tree_parts(copy)
    assert GUESSED_WARNING in warnings
    rel = [os.path.relpath(p.path, src) for p in parts]
    got = [os.path.relpath(p.path, copy) for p in copied]
    for folder in {os.path.dirname(r) for r in rel if "initializer_no-symbol-name" not in r}:
        assert [r for r in got if os.path.dirname(r) == folder] == [r for r in rel if os.path.dirname(r) == folder]
    top = [r for r in rel if r.count(os.sep) == 1]
    assert [r for r in got if r.count(os.sep) == 1] == top


@pytest.mark.iree
def test_tree_reader_is_the_files_end_to_end(trees):
    parts, _ = tree_parts(trees("a_mm_elem", "a"))
    whole = b"".join(open(p.path, "rb").read() for p in parts)
    with TreeReader(parts) as raw:
        assert raw.read() == whole
    with io.BufferedReader(TreeReader(parts), 4096) as f:   # raw reads stop at a file's end
        for start in (0, 1, parts[0].size - 1, parts[0].size, len(whole) // 2, len(whole) - 3):
            f.seek(start)
            assert f.read(70000) == whole[start:start + 70000]


def test_folder_without_snapshots(tmp_path):
    (tmp_path / "notes.txt").write_text("hello\n")
    with pytest.raises(DumpError, match="no print-ir files"):
        irtools.open_dump(tmp_path)
