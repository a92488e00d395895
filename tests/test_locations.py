"""Printed MLIR locations unpacked to the model ops they name."""

from __future__ import annotations

import pytest

from irtools.analysis.locations import Origin, origins, parse, prefix


@pytest.mark.parametrize("text, labels", [
    ('loc(unknown)', []),
    ('loc("model.layers.3.self_attn.q_proj")', ["model.layers.3.self_attn.q_proj"]),
    ('loc("model.layers.3.mlp"("llama.py":12:0))', ["model.layers.3.mlp"]),
    # IREE wraps an op in its function's call site: the op's own frame is the callee
    ('loc(callsite("m.mlir":6:12 at "m.mlir":2:1))', ["m.mlir:6"]),
    ('loc(callsite("model.layers.0.self_attn.k_proj" at "/x/llama.mlir":24:3))',
     ["model.layers.0.self_attn.k_proj"]),
    # a fused location names every origin once, in order
    ('loc(fused["model.layers.0", "model.layers.1.input_layernorm"("x.py":1:2), "model.layers.0"])',
     ["model.layers.0", "model.layers.1.input_layernorm"]),
    ('loc(fused<#iree.meta<"x">>["a"("f.py":1:1), "b"])', ["a", "b"]),
    # short names along a call chain (JAX-style) read outside in; full paths stand alone
    ('loc(callsite("dot"("f.py":1:1) at "layer1"("f.py":2:2)))', ["layer1/dot"]),
    ('loc(callsite("model.layers.0.x" at "model.layers.0"))', ["model.layers.0.x"]),
    ('loc("f.py":1:2 to 3:4)', ["f.py:1"]),
    ('loc("f.py":1:2 to :9)', ["f.py:1"]),
    ('loc("odd \\22quoted\\22 name")', ['odd "quoted" name']),
    ('loc(garbage', []),
])
def test_origins(text, labels):
    assert [o.label for o in origins(text)] == labels


def test_parse_rejects_trailing_text():
    with pytest.raises(ValueError):
        parse('loc("a") extra')


@pytest.mark.parametrize("label, depth, cut", [
    ("model.layers.3.self_attn.q_proj", 3, "model.layers.3"),
    ("model.layers.3.self_attn.q_proj", 1, "model"),
    ("model.layers.3.self_attn.q_proj", 9, "model.layers.3.self_attn.q_proj"),
    ("model.layers.3.self_attn.q_proj", None, "model.layers.3.self_attn.q_proj"),
    ("/model/layers.0/self_attn/MatMul", 3, "/model/layers.0"),
])
def test_prefix(label, depth, cut):
    assert prefix(Origin(label, True), depth) == cut


def test_file_positions_are_not_cut():
    assert prefix(Origin("a_mm_elem.mlir:6", False), 1) == "a_mm_elem.mlir:6"
