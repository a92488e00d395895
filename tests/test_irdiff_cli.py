"""`irtools ir` subcommands on real dumps: formats, filters, diff options, history, capture."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest

from tests.helpers import MODELS, run_ir

DISPATCH = "main_dispatch_0_matmul_256x512x512_f32"


@pytest.mark.iree
def test_passes_formats_and_filters(dumps):
    path = dumps("a_mm_elem", "am")
    code, out, _ = run_ir("passes", path, "--all", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == path.read_bytes().count(b"IR Dump")
    assert {"index", "when", "pass", "arg", "op", "symbol", "bytes", "changed"} <= set(rows[0])
    assert {r["changed"] for r in rows} <= {"changed", "cosmetic", "false", "unknown"}
    assert any(r["symbol"] == DISPATCH for r in rows)

    code, out, _ = run_ir("passes", path, "--changed", "--pass", "Canonicalizer", "--format", "json")
    rows = json.loads(out)
    assert rows and all(r["changed"] == "changed" and "Canonicalizer" in r["pass"] for r in rows)

    code, out, _ = run_ir("passes", path, "--symbol", "@" + DISPATCH, "--format", "json")
    assert json.loads(out) and all(r["symbol"] == DISPATCH for r in json.loads(out))

    code, out, _ = run_ir("passes", path)
    assert code == 0 and "changed" in out


@pytest.mark.iree
def test_diff_default_is_state_before_the_pass(dumps):
    path = dumps("a_mm_elem", "ba")
    code, out, _ = run_ir("passes", path, "--changed", "--format", "json")
    n = json.loads(out)[0]["index"]
    code, out, _ = run_ir("diff", path, n)
    assert code == 0
    assert out.startswith(f"--- #{n - 1} before") and f"+++ #{n} after" in out
    code, out, _ = run_ir("diff", path, n - 1, n, "--strip-locs", "--renumber", "--sort-attrs", "-U", "1")
    assert code == 0 and "@@" in out


def test_normalisation_options():
    from irtools.irdiff.diff import Options, normalise

    a = ['%x = arith.addi %a, %b {b = 1, a = 2} : i32 loc("f.py":3:1)', '#loc1 = loc("f.py":1:1)']
    b = ['%y = arith.addi %c, %d {a = 2, b = 1} : i32 loc(#loc1)']
    opts = Options(strip_locs=True, renumber=True, sort_attrs=True)
    assert list(normalise(a, opts)) == list(normalise(b, opts))
    assert list(normalise(a, Options())) != list(normalise(b, Options()))


def test_huge_lines_are_hashed_and_elided(tmp_path):
    hexa = "0x" + "ab" * 1_500_000
    hexb = "0x" + "ab" * 1_499_999 + "cd"

    def snap(pass_name, blob):
        return (f"// -----// IR Dump After {pass_name}: p //----- //\n"
                f"util.func public @main() -> tensor<3000000xi8> {{\n"
                f"  %cst = arith.constant dense<\"{blob}\"> : tensor<3000000xi8>\n"
                f"  util.return %cst : tensor<3000000xi8>\n}}\n\n")

    path = tmp_path / "huge.txt"
    path.write_text(snap("APass", hexa) + snap("BPass", hexa) + snap("CPass", hexb))
    code, out, _ = run_ir("diff", path, 0, 1)
    assert code == 0 and out == ""          # same huge line: no diff
    code, out, _ = run_ir("diff", path, 1, 2)
    assert code == 0 and "elided line of" in out and len(out) < 2000
    code, out, _ = run_ir("show", path, 2)
    assert "elided line of" in out and len(out) < 2000
    code, out, _ = run_ir("passes", path, "--all", "--format", "json")
    assert [r["changed"] for r in json.loads(out)] == ["unknown", "false", "changed"]


@pytest.mark.iree
def test_show_symbol_and_history(dumps):
    path = dumps("a_mm_elem", "am")
    code, out, _ = run_ir("passes", path, "--all", "--format", "json")
    last = json.loads(out)[-1]["index"]
    rows = [r for r in json.loads(out) if r["symbol"] == DISPATCH]
    code, out, _ = run_ir("show", path, rows[-1]["index"], "--symbol", "@" + DISPATCH)
    assert code == 0 and out.lstrip().startswith(("func.func @" + DISPATCH, "llvm.func @" + DISPATCH))
    assert out.rstrip().endswith("}")
    code, out, _ = run_ir("history", path, "@" + DISPATCH, "--format", "json")
    history = json.loads(out)
    assert code == 0 and len(history) > 5
    assert all(h["added"] + h["removed"] > 0 for h in history)
    code, out, err = run_ir("show", path, last + 1)
    assert code == 2 and "there is no snapshot" in err


@pytest.mark.iree
def test_capture_is_exact(tmp_path):
    out = tmp_path / "cap.txt"
    code, _, err = run_ir("capture", MODELS / "a_mm_elem.mlir", "-o", out, "--",
                           "--iree-hal-target-device=local",
                           "--iree-hal-local-target-device-backends=llvm-cpu",
                           "--iree-llvmcpu-target-cpu=host")
    assert code == 0, err
    code, text, _ = run_ir("passes", out, "--all", "--format", "json")
    rows = json.loads(text)
    assert {r["changed"] for r in rows if r["when"] == "after"} <= {"changed", "cosmetic", "false"}
    assert "passes changed the IR" in err


@pytest.mark.iree
def test_capture_failure_is_one_line(tmp_path):
    bad = tmp_path / "bad.mlir"
    bad.write_text("this is not mlir\n")
    code, _, err = run_ir("capture", bad, "-o", tmp_path / "d.txt")
    assert code == 2 and "iree-compile exited" in err and not (tmp_path / "d.txt").exists()


@pytest.mark.iree
def test_a_dump_is_indexed_once_until_it_changes(dumps, monkeypatch, tmp_path):
    """The index, changed flags and histories are kept in the disk cache: a second
    command on the same dump does not read it through again; a changed dump is."""
    from irtools.irdiff import cached

    monkeypatch.setenv("IRTOOLS_CACHE", str(tmp_path / "cache"))
    scans = []
    real_scan = cached.scan
    monkeypatch.setattr(cached, "scan", lambda *a, **k: scans.append(a) or real_scan(*a, **k))
    path = tmp_path / "dump.txt"  # a copy: it is changed below
    shutil.copyfile(dumps("a_mm_elem", "am"), path)
    first = run_ir("passes", path, "--all", "--format", "csv")
    history = run_ir("history", path, DISPATCH, "--format", "json")
    assert first[0] == 0 and history[0] == 0 and len(scans) == 1
    assert run_ir("passes", path, "--all", "--format", "csv") == first
    assert run_ir("history", path, DISPATCH, "--format", "json") == history
    assert len(scans) == 1
    # A symbol no snapshot holds is still an error, and nothing wrong is cached.
    code, _, err = run_ir("history", path, "no_such_symbol")
    assert code == 2 and "no_such_symbol" in err
    # The dump grows (as during `ir capture`): it is read again.
    with open(path, "ab") as f:
        f.write(b"\n")
    assert run_ir("passes", path, "--all", "--format", "csv")[0] == 0
    assert len(scans) == 2


def _table_rows(out):
    return sum(1 for line in out.splitlines() if line.split()[1:2] in (["after"], ["before"]))


@pytest.mark.iree
def test_passes_table_is_capped(dumps):
    """The table shows at most --limit rows (rendering costs per row) and says how many
    more there are; --limit 0 shows all; csv has all."""
    path = dumps("a_mm_elem", "a")
    code, out, _ = run_ir("passes", path, "--all", "--format", "csv")
    total = len(out.splitlines()) - 1
    code, out, _ = run_ir("passes", path, "--all")
    assert code == 0 and f"{total - 200:,} more rows not shown" in out and "--limit 0" in out
    assert _table_rows(out) == 200
    code, out, _ = run_ir("passes", path, "--all", "--limit", "0")
    assert code == 0 and "more rows" not in out
    assert _table_rows(out) == total
    code, out, _ = run_ir("passes", path, "--limit", "5")
    assert code == 0 and "more rows not shown" in out and "--all lists all" in out


def test_passes_default_is_real_changes(tmp_path):
    """By default the passes that changed the IR; --cosmetic adds those that changed only
    how it prints; --all has every snapshot (as csv, json and the table)."""
    def snap(pass_name, body):
        return (f"// -----// IR Dump After {pass_name} (p) //----- //\n"
                f"util.func public @main(%arg0: i32) -> i32 {{\n{body}}}\n\n")

    add = "  %0 = arith.addi %arg0, %arg0 : i32\n  util.return %0 : i32\n"
    path = tmp_path / "dump.txt"
    path.write_text(snap("APass", add) + snap("BPass", add)            # the same: false
                    + snap("CPass", add.replace("%0", "%sum"))           # SSA names: cosmetic
                    + snap("DPass", add.replace("addi", "muli")))        # changed
    every = json.loads(run_ir("passes", path, "--all", "--format", "json")[1])
    assert [r["changed"] for r in every] == ["unknown", "false", "cosmetic", "changed"]
    real = json.loads(run_ir("passes", path, "--format", "json")[1])
    more = json.loads(run_ir("passes", path, "--cosmetic", "--format", "json")[1])
    assert real == every[3:] and more == every[2:]
    code, out, _ = run_ir("passes", path)
    words = " ".join(out.split())   # the caption wraps
    assert code == 0 and _table_rows(out) == 1 and "--cosmetic adds the 1 " in words
    assert "--all lists all 4 snapshots" in words
    code, out, _ = run_ir("passes", path, "--all")
    assert code == 0 and _table_rows(out) == 4


@pytest.mark.iree
def test_diff_works_for_every_history_entry(dumps):
    """`ir diff DUMP N` for each snapshot `ir history` lists, also where N is the first
    print of its op (a function first printed alone after its module was): then the op
    is cut out of the last earlier print around it."""
    path = dumps("a_mm_elem", "a")
    code, out, _ = run_ir("history", path, DISPATCH, "--cosmetic", "--format", "json")
    entries = json.loads(out)
    assert code == 0 and len(entries) > 20
    firsts = 0
    for h in entries:
        code, out, err = run_ir("diff", path, h["index"])
        assert code == 0, (h, err)
        firsts += "in it)" in out.splitlines()[0] if out else 0
        code, out, err = run_ir("diff", path, h["index"], "--symbol", DISPATCH)
        assert code == 0, (h, err)
        assert out.startswith(f"--- #{h['previous']} ") or out == "", (h, out[:200])
    assert firsts > 0
    code, out, err = run_ir("diff", path, 0)
    assert code == 2 and "first print" in err
