"""Inferred changed flags: long alias definitions, and the pruned walk against the full one."""

from __future__ import annotations

import threading

import pytest

from irtools.irdiff import mlir, tree
from irtools.irdiff.dump import Dump
from irtools.irdiff.index import scan

COMPOSITE = b"""#composite = #util.composite<8xi8, [
    dense<1> : tensor<4xi8>,
    dense<2> : tensor<4xi8>,
]>
#map = affine_map<(d0) -> (d0)>
"""


def _module(ret):
    return COMPOSITE + b"""module @llama {
  util.global private @w = #composite
  util.func public @f() {
    %0 = arith.constant %s : index
    util.return
  }
}
""".replace(b"%s", ret)


def _func(ret):
    return b"util.func public @f() {\n  %0 = arith.constant " + ret + b" : index\n  util.return\n}\n"


def _dump(tmp_path):
    parts = [("APass", _module(b"1")), ("CSEPass", _func(b"1")), ("BPass", _module(b"1")),
             ("CPass", _func(b"2")), ("DPass", _module(b"2")), ("EPass", _module(b"3"))]
    path = tmp_path / "composite.txt"
    path.write_bytes(b"".join(b"// -----// IR Dump After %s: x //----- //\n%s\n" % (p.encode(), t)
                              for p, t in parts))
    return path


def test_long_alias_definition_is_read_as_one(tmp_path):
    text = _module(b"1")
    assert text[mlir.body_start(text):].startswith(b"module @llama {")
    assert mlir.leading_aliases(text)[b"#composite"].endswith(b"tensor<4xi8>,\n]>")
    idx = scan(_dump(tmp_path))
    assert [(s.op, s.symbol) for s in idx.snapshots][:2] == [("builtin.module", "llama"), ("util.func", "f")]


def test_flags_next_to_long_alias_definitions_finish(tmp_path):
    result = []
    with Dump.open(_dump(tmp_path)) as dump:
        worker = threading.Thread(target=lambda: result.append(dump.flags()), daemon=True)
        worker.start()
        worker.join(10)
    assert result == [["unknown", "false", "false", "changed", "false", "changed"]]


def test_an_op_without_a_name_is_not_looked_for():
    assert list(mlir.find_ops(b"module @x {\n  %a = foo\n}\n", "", "")) == []


def _without_shortcuts(monkeypatch):
    """No print is known twice, and no template is kept: every comparison reads again."""
    monkeypatch.setattr(tree, "_PRINTS", 0)
    real = tree.Parser.__init__
    monkeypatch.setattr(tree.Parser, "__init__", lambda self, kinds, budget=0: real(self, kinds, 0))


@pytest.mark.iree
@pytest.mark.parametrize("model,mode,tree_dir", [
    ("a_mm_elem", "a", False), ("b_mlp3", "a", False), ("a_mm_elem", "a", True)])
def test_shortcuts_give_the_same_flags(dumps, trees, monkeypatch, model, mode, tree_dir):
    path = (trees if tree_dir else dumps)(model, mode)
    with Dump.open(path) as dump:
        fast = dump.flags()
    _without_shortcuts(monkeypatch)
    with Dump.open(path) as dump:
        assert dump.flags() == fast


def test_shortcuts_on_long_alias_definitions(tmp_path, monkeypatch):
    path = _dump(tmp_path)
    with Dump.open(path) as dump:
        fast = dump.flags()
    _without_shortcuts(monkeypatch)
    with Dump.open(path) as dump:
        assert dump.flags() == fast
