"""Changed flags against MLIR's own Before/After output, exact and inferred."""

from __future__ import annotations

import hashlib

import pytest

from irtools.irdiff.dump import Dump

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
            out.append((name.decode(), "true" if before != _body_digest(body) else "false"))
    return out


def afters(path):
    with Dump.open(path) as dump:
        return [(r["pass"], r["changed"]) for r in dump.rows() if r["when"] == "after"]


@pytest.mark.parametrize("model,mode", [("a_mm_elem", "ba"), ("a_mm_elem", "bam"), ("b_mlp3", "ba")])
def test_exact_flags_equal_before_after_comparison(dumps, model, mode):
    path = dumps(model, mode)
    assert afters(path) == truth(path)


@pytest.mark.parametrize("model,exact,inferred", [
    ("a_mm_elem", "ba", "a"), ("a_mm_elem", "bam", "am"), ("b_mlp3", "ba", "a")])
def test_inferred_flags_on_after_only_dump(dumps, model, exact, inferred):
    want = truth(dumps(model, exact))
    got = afters(dumps(model, inferred))
    assert [p for p, _ in got] == [p for p, _ in want]
    wrong = sum(g != "unknown" and g != w for (_, g), (_, w) in zip(got, want))
    unknown = sum(g == "unknown" for _, g in got)
    n = len(want)
    print(f"{model} {inferred}: {n} passes, wrong {100 * wrong / n:.2f}%, unknown {100 * unknown / n:.2f}%")
    assert wrong <= 0.02 * n
    assert unknown <= 0.05 * n


def test_notebook_api(dumps):
    import irtools

    with irtools.open_dump(dumps("a_mm_elem", "ba")) as dump:
        table = dump.passes()
        assert {"index", "when", "pass", "arg", "op", "symbol", "bytes", "changed"} <= set(table.columns)
        assert set(table[table.when == "after"].changed) <= {"true", "false"}
        assert set(table[table.when == "before"].changed) == {""}
        n = int(table[(table.when == "after") & (table.changed == "true")].index[0])
        diff = dump.diff(n)
        assert not diff.same
        assert dump.show(n).startswith(("#", "module", "util", "func", "hal", "builtin", "vm"))
        history = dump.history("main_dispatch_0_matmul_256x512x512_f32")
        assert history and all(h["added"] or h["removed"] for h in history)
