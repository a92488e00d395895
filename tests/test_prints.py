"""The C parser of prints (_prints.c) gives exactly what the regular expressions it
stands in for give: on made-up texts built from the tokens that matter to it, and on
every print of a real dump."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from irtools.irdiff import _prints, mlir, normal, tree
from irtools.irdiff.dump import Dump
from irtools.irdiff.text import reduced
from tests.helpers import make_dump

KINDS = {"func.func", "util.func", "hal.executable", "hal.executable.variant", "util.initializer"}
NAMES = tree.kind_names(KINDS)
PATTERN = tree.kinds_pattern(NAMES)

# The pieces the parser looks at: op names (also quoted, also near misses), symbols and
# their keywords, braces at some indent, aliases, dialect prefixes, SSA and block names,
# strings with escapes, blanks of every kind.
TOKENS = [
    "func.func", "util.func", "hal.executable", "hal.executable.variant", "module", "builtin.module",
    '"func.func"', '"module', 'func.func"', "func.funcx", "hal.executable.variantx", "util.initializer",
    " ", "  ", "    ", "\t", "\r", "\f", "\x0b", "\n", "\n", "\n", "\n  ", "\n    ", "\n}", "\n  }", "\n    }",
    "{", "}", "(", ")", "<", ">", "@", "@f", "@main_dispatch_0", '@"a b."', '@"x\\"y"', '@"un', '@"a\\',
    " public", " private", " nested", " publicx", "#map", "#map1", "#map10", "!llvm.ptr", "#hal.executable.target<",
    "!hal.buffer<", "#a.b.c<", "#_x$y.z<", "#9a.b<", "!a.<", "#.b<", "%0", "%arg0", "%in_0", "^bb0", "^bb1:", "%",
    "^", '"s#map"', '"q\\"#map"', "loc(", "0x", "=", ", ", "\x00", "é", "$", "-", ".", "_",
]
HEADS = ["func.func", "util.func", "hal.executable", "module", '"func.func"', "func.funcx", "}", "%0 = x", ""]
SYMBOLS = [" @f", " public @f", " private nested @g", ' @"a b."', ' @"x\\"y"', ' @"un', " @", " publicx @f",
           "\t@f", " @f::@g", " @$a.b-c", "", " {", "(", " \r@f"]
line = st.tuples(st.sampled_from(["", " ", "  ", "    "]), st.sampled_from(HEADS), st.sampled_from(SYMBOLS),
                 st.lists(st.sampled_from(TOKENS), max_size=6))
lines = st.lists(line, max_size=12).map(
    lambda ls: "\n".join(i + h + sym + "".join(rest) for i, h, sym, rest in ls).encode())
texts = st.one_of(lines, st.lists(st.sampled_from(TOKENS), max_size=80).map(lambda p: "".join(p).encode()))
ALIASES = {b"#map": b"affine_map<(d0) -> (d0)>", b"#map1": b"#hal.x<\n  1>", b"!llvm.ptr": b"!llvm.ptr<1>",
           b"#hal.executable.target": b"no"}

def test_extension_is_built():
    assert tree._prints is not None, "the C extension must be built for these tests to mean anything"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_nodes_match_the_patterns(text):
    for start in (0, text.find(b"\n") + 1):   # the first line, or the second
        found, kids = tree.find_nodes(text, start, NAMES, PATTERN)
        assert (found, kids) == tree.find_nodes(text, start, NAMES, PATTERN, fast=False)
        for k in range(len(found)):   # each node's template, cut out in C or by slices
            for aliases in ({}, ALIASES):
                assert tree.node_form(text, found, kids, k, aliases) == \
                    tree.node_form(text, found, kids, k, aliases, fast=False)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts, st.booleans())
def test_form_matches_the_patterns(text, with_aliases):
    aliases = ALIASES if with_aliases else {}
    assert tree.template_form(text, aliases) == tree.template_form(text, aliases, fast=False)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts, texts)
def test_erase_and_mismatch_match_python(a, b):
    assert normal._erase(a) == normal._erase(a, fast=False)
    assert normal.mismatch(a, b) == normal.mismatch(a, b, fast=False) == normal.mismatch(b, a)
    assert normal.mismatch(a, a + b) == len(a)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40).map(lambda b: bytes(b'"0x\n'[c % 4] for c in b)),
       st.binary(max_size=4).map(lambda b: bytes(b'"0x\n'[c % 4] for c in b)), st.integers(0, 45))
def test_find_matches_bytes_find(data, needle, start):
    assert _prints.find(data, needle, start) == data.find(needle, start)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40), st.integers(-1, 45), st.integers(-1, 45))
def test_text_key_is_of_the_slice(data, start, end):
    whole = data[max(start, 0):len(data) if end < 0 else end]
    assert tree.text_key(data, start, end) == tree.text_key(whole) == tree.text_key(b"xy" + whole, 2)


def test_text_keys_differ():
    # Short texts alike but for one byte or their length, and the prints of a long one
    # that differ in one place: no two keys the same.
    texts = {bytes([a, b]) * k for a in range(0, 256, 5) for b in range(0, 256, 7) for k in (1, 2, 3, 4, 9)}
    long = bytes(range(256)) * 40
    texts |= {long[:k] + b"!" + long[k + 1:] for k in range(0, len(long), 37)} | {long[:k] for k in range(600)}
    assert len({(len(t), tree.text_key(t)) for t in texts}) == len(texts)


def test_edges():
    # A region opened on the last line, a closing brace at the very end, a name at the end.
    for text in [b"func.func @f {", b"func.func @f {\n}", b"func.func", b'"func.func"', b"func.func @",
                 b"module {\n  func.func @g() {\n  }\n}", b"", b"\n", b"func.func @f {\n  }"]:
        found, kids = tree.find_nodes(text, 0, NAMES, PATTERN)
        assert (found, kids) == tree.find_nodes(text, 0, NAMES, PATTERN, fast=False)
        for k in range(len(found)):
            assert tree.node_form(text, found, kids, k, {}) == tree.node_form(text, found, kids, k, {}, fast=False)
    # A cut print: a child running past its parent's end leaves nothing of the parent after it.
    found = [(0, 5, 0, "a", ""), (2, 9, 0, "b", "")]
    assert _prints.form(b"0123456789", {}, 0, 5, found, [1]) == b"01\x00"
    assert tree.template_form(b"builtin.module {", {}) == b"module {"
    assert tree.template_form(b"  builtin.module", {}) == b"module"
    assert tree.template_form(b"builtin.modul", {}) == b"builtin.modul"


@pytest.mark.iree
def test_every_print_of_a_real_dump(tmp_path_factory, monkeypatch):
    folder = tmp_path_factory.mktemp("prints")
    path = make_dump(folder, "c_tfm_ext", "a")
    dump = Dump.open(path)
    snaps = dump.index.snapshots
    names = tree.kind_names({s.op for s in snaps if s.op})
    pattern = tree.kinds_pattern(names)
    seen, nodes = set(), 0
    with open(path, "rb") as f:
        for s in snaps:
            text = reduced(f, s)
            if text in seen:
                continue
            seen.add(text)
            start = mlir.body_start(text)
            found, kids = tree.find_nodes(text, start, names, pattern)
            assert (found, kids) == tree.find_nodes(text, start, names, pattern, fast=False), s.index
            aliases = normal.aliases_of(text[:start]) if start else {}
            for k, (a, b, *_) in enumerate(found):
                assert tree.template_form(text[a:b], aliases) == \
                    tree.template_form(text[a:b], aliases, fast=False), (s.index, a)
                assert tree.node_form(text, found, kids, k, aliases) == \
                    tree.node_form(text, found, kids, k, aliases, fast=False), (s.index, a)
                nodes += 1
    assert len(seen) > 500 and nodes > 2000
    # And the classes of change do not depend on which parser made the trees.
    fast = dump.flags()
    monkeypatch.setattr(tree, "_prints", None)
    monkeypatch.setattr(normal, "_prints", None)
    assert Dump.open(path).flags() == fast
