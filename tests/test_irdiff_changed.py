"""Changed flags against MLIR's own Before/After output, exact and inferred."""

from __future__ import annotations

import hashlib

import pytest

from irtools.irdiff.dump import Dump
from tests.helpers import MODELS, compile_to_dump

pytestmark = pytest.mark.iree  # every test here needs IREE's tools


def _body_digest(data: bytes) -> str:
    return hashlib.sha1(data.rstrip()).hexdigest()


def truth(path):
    """Changed flags by the plainest reading: split at headers, pair Before/After with a stack."""
    data = path.read_bytes()
    parts = data.split(b"\n// -----// IR Dump ")
    parts[0] = parts[0][len(b"// -----// IR Dump "):]
    stack, out = [], []
    for part in parts:
        head, _, body = part.partition(b"\n")
        when, _, rest = head.partition(b" ")
        name = rest.split(b": ")[0]
        if when == b"Before":
            stack.append((name, _body_digest(body)))
        else:
            while stack[-1][0] != name:
                stack.pop()
            before = stack.pop()[1]
            out.append((name.decode(), "changed" if before != _body_digest(body) else "false"))
    return out


def afters(path, *, real=True):
    """(pass, class) of each After snapshot; with `real`, "cosmetic" reads as "changed" (the
    text differs, as the plain reading above sees it)."""
    with Dump.open(path) as dump:
        rows = [(r["pass"], r["changed"]) for r in dump.rows() if r["when"] == "after"]
    return [(p, "changed" if real and c == "cosmetic" else c) for p, c in rows]


@pytest.mark.parametrize("model,mode", [("a_mm_elem", "ba"), ("a_mm_elem", "bam"), ("b_mlp3", "ba")])
def test_exact_flags_equal_before_after_comparison(dumps, model, mode):
    path = dumps(model, mode)
    assert afters(path) == truth(path)


INFERRED = [("a_mm_elem", "ba", "a"), ("a_mm_elem", "bam", "am"), ("b_mlp3", "ba", "a"),
            ("b_mlp3", "bam", "am")]


def test_inferred_flags_on_after_only_dumps(dumps):
    """After-only dumps against the Before/After dump of the same compile, pooled over
    models and scopes: at most 1.5% wrong and 2% unknown. Wrong is a real change called
    no change or the other way round; cosmetic and false both mean no real change."""
    wrong = unknown = n = 0
    for model, exact, inferred in INFERRED:
        want = afters(dumps(model, exact), real=False)
        got = afters(dumps(model, inferred), real=False)
        assert [p for p, _ in got] == [p for p, _ in want]
        w = sum(g != "unknown" and (g == "changed") != (e == "changed") for (_, g), (_, e) in zip(got, want))
        u = sum(g == "unknown" for _, g in got)
        print(f"{model} {inferred}: {len(want)} passes, wrong {100 * w / len(want):.2f}%, "
              f"unknown {100 * u / len(want):.2f}%")
        wrong, unknown, n = wrong + w, unknown + u, n + len(want)
    print(f"pooled: {n} passes, wrong {100 * wrong / n:.2f}%, unknown {100 * unknown / n:.2f}%")
    assert wrong <= 0.015 * n and unknown <= 0.02 * n


def test_after_change_dump_is_all_changes(tmp_path):
    """--mlir-print-ir-after-change prints a pass only when it changed the IR."""
    path = compile_to_dump(MODELS / "a_mm_elem.mlir", tmp_path / "ac.txt", "--mlir-print-ir-after-all",
                           "--mlir-print-ir-after-change")
    with Dump.open(path) as dump:
        assert set(dump.flags()) == {"changed"} and len(dump) > 100


def test_notebook_api(dumps):
    import irtools

    with irtools.open_dump(dumps("a_mm_elem", "ba")) as dump:
        table = dump.passes()
        assert {"index", "when", "pass", "arg", "op", "symbol", "bytes", "changed"} <= set(table.columns)
        assert set(table[table.when == "after"].changed) <= {"changed", "cosmetic", "false"}
        assert set(table[table.when == "before"].changed) == {""}
        n = int(table[(table.when == "after") & (table.changed == "changed")].index[0])
        diff = dump.diff(n)
        assert not diff.same
        assert dump.show(n).startswith(("#", "module", "util", "func", "hal", "builtin", "vm"))
        history = dump.history("main_dispatch_0_matmul_256x512x512_f32")
        assert history and all(h["added"] or h["removed"] for h in history)
