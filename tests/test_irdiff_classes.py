"""Classes of change (changed, cosmetic, false) against MLIR's own printer, on made-up texts
and on real dumps of the fixture models and of the example model."""

from __future__ import annotations

import io
import random
import re
import zlib
from types import SimpleNamespace

import pytest

from irtools.irdiff import mlir, normal, text
from irtools.irdiff.dump import Dump
from tests._mlir_oracle import agreement, exact_pairs, history_pairs, reprint
from tests.helpers import compile_to_dump, make_llama, tool

DISPATCH = "main_dispatch_0_matmul_256x512x512_f32"

# (a, b, class): the same op printed two ways, or changed.
FUNC = b"""func.func @f(%arg0: tensor<4xf32>, %arg1: tensor<4xf32>) -> tensor<4xf32> {
  %0 = tensor.empty() : tensor<4xf32>
  %1 = GENERIC {
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %2 = arith.addf %in, %in_0 : f32
    linalg.yield %2 : f32
  } -> tensor<4xf32>
  return %1 : tensor<4xf32>
}
""".replace(b"GENERIC", b'linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel"]} '
                       b"ins(%arg0, %arg1 : tensor<4xf32>, tensor<4xf32>) outs(%0 : tensor<4xf32>)")
ALIASED = b"#map = affine_map<(d0) -> (d0)>\n" + FUNC
INLINE = FUNC.replace(b"#map", b"affine_map<(d0) -> (d0)>")
INDENTED = b"module {\n" + re.sub(rb"(?m)^", b"  ", INLINE) + b"}\n"
RENAMED = INLINE.replace(b"%in_0", b"%rhs").replace(b"%in", b"%lhs").replace(b"%2", b"%sum") \
    .replace(b"%1", b"%r").replace(b"%0", b"%e").replace(b"^bb0", b"^entry")
LOCATED = INLINE.replace(b"arith.addf %in, %in_0 : f32", b'arith.addf %in, %in_0 : f32 loc("m.py":3:7)')
REORDERED = INLINE.replace(b'{indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, '
                           b'affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}',
                           b'{iterator_types = ["parallel"], indexing_maps = [affine_map<(d0) -> (d0)>, '
                           b'affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>]}')
SWAPPED = INLINE.replace(b"arith.addf %in, %in_0", b"arith.addf %in_0, %in")
SUBTRACTED = INLINE.replace(b"arith.addf", b"arith.subf")
# The block arguments' names swapped, their uses not: the add takes its operands the
# other way round, though its own line reads as before.
SHUFFLED_NAMES = INLINE.replace(b"^bb0(%in: f32, %in_0: f32", b"^bb0(%in_0: f32, %in: f32")
PAIRS = [
    (ALIASED, INLINE, "cosmetic"), (INLINE, INDENTED[len(b"module {\n"):-len(b"}\n")], "cosmetic"),
    (INLINE, RENAMED, "cosmetic"), (INLINE, LOCATED, "cosmetic"), (INLINE, REORDERED, "cosmetic"),
    (ALIASED, RENAMED, "cosmetic"),
    (INLINE, SWAPPED, "changed"), (INLINE, SUBTRACTED, "changed"), (INLINE, INLINE.replace(b"@f", b"@g"), "changed"),
    (INLINE, SHUFFLED_NAMES, "changed"),
]


@pytest.mark.parametrize("k", range(len(PAIRS)))
def test_made_up_pairs(k):
    a, b, want = PAIRS[k]
    assert normal.classify_texts(a, b) == want
    assert normal.classify_texts(a, a) == "false"


@pytest.mark.iree
def test_made_up_pairs_agree_with_mlir():
    printed = reprint([t for a, b, _ in PAIRS for t in (a, b)], tool("iree-opt"))
    assert None not in printed
    for k, (_, _, want) in enumerate(PAIRS):
        same = printed[2 * k] == printed[2 * k + 1]
        assert same == (want == "cosmetic"), (k, want)


def test_reduced_text_replaces_long_strings_and_keeps_offsets():
    rng = random.Random(7)
    for trial in range(300):
        parts = []
        for k in range(rng.randint(0, 8)):
            n = rng.choice([0, 1, 5, 255, 256, 257, 300, 5000, 70000])
            parts.append(b'x = dense<"0x' + b"AB" * (n // 2) + b"C" * (n % 2) + b'"> @s%d\n' % k)
        data = b"head\n" + b"".join(parts) + b"}" + rng.choice([b"", b"\n\n", b" \t\n"])
        f = io.BytesIO(data)
        block = rng.choice([7, 64, 300, 4096, 1 << 20])
        anchors = []
        snap = SimpleNamespace(body=5, end=len(data))
        got = text.reduced(f, snap, anchors=anchors, block=block)
        # Without anchors a snapshot that fits in a block is read at once: the same text.
        assert text.reduced(f, snap, block=block) == got
        data = data.rstrip()

        def token(m):
            s = m.group(1)
            return m.group(0) if len(s) < text.LONG_STRING else b'"0x~%08x~%x"' % (zlib.crc32(s), len(s))
        assert got == re.sub(rb'"0x([^"]*)"', token, data[5:]), (trial, block)
        for k in range(len(parts)):
            at = got.find(b"@s%d\n" % k)
            where = text.file_offset(anchors, 5, at)
            assert data[where:].startswith(b"@s%d\n" % k)


def test_reduced_text_from_a_file_is_the_same(tmp_path):
    # A plain file is read at the text's size once its trailing blanks are known.
    rng = random.Random(3)
    path = tmp_path / "dump.txt"
    for blanks in [0, 1, 2, 63, 64, 65, 200]:
        for size in [0, 10, 70, 5000]:
            body = bytes(rng.choice(b"ab \n") for _ in range(size)) + b"x"
            data = b"head\n" + body + bytes(rng.choice(b" \n\t\r") for _ in range(blanks)) + b"next"
            path.write_bytes(data)
            snap = SimpleNamespace(body=5, end=len(data) - 4)
            with open(path, "rb") as f:
                assert text.reduced(f, snap) == text.reduced(io.BytesIO(data), snap) \
                    == body.replace(b"\r\n", b"\n"), (blanks, size)


def test_symbol_spellings():
    assert mlir.symbol_name('@"my model.main"') == mlir.symbol_name('"my model.main"') == "my model.main"
    assert mlir.symbol_name("@main") == mlir.symbol_name("main") == "main"
    assert mlir.printed("my model.main") == '"my model.main"' and mlir.printed("a_b.c$1") == "a_b.c$1"
    assert mlir.unquote(r'"a\"b\\c"') == 'a"b\\c' and mlir.printed('a"b') == r'"a\"b"'
    assert mlir.sanitized("Model from PaddlePaddle.") == "Model_from_PaddlePaddle_"
    text_ = b'module @"Model from PaddlePaddle." {\n  func.func @"my model.main"() {\n    return\n  }\n' \
            b'  stream.cmd.dispatch @x::@y\n  func.func @x() {\n  }\n}\n'
    assert mlir.find_symbol(text_, "Model from PaddlePaddle.")[3] == "module"
    assert mlir.find_symbol(text_, "my model.main")[3] == "func.func"
    assert mlir.find_symbol(text_, "x")[0] == text_.index(b"  func.func @x")   # a use is not it


def test_header_symbol_with_spaces():
    from irtools.irdiff.header import parse_header

    h = parse_header("// -----// IR Dump After IREEImportPublicPass: iree-import-public "
                     "('builtin.module' operation: @Model from PaddlePaddle.) //----- //")
    assert (h.pass_name, h.arg, h.op, h.symbol) == ("IREEImportPublicPass", "iree-import-public",
                                                   "builtin.module", "Model from PaddlePaddle.")


def _print_agreement(name, counts):
    parsed = sum(n for (_, theirs), n in counts.items() if theirs is not None)
    agree = sum(n for (ours, theirs), n in counts.items() if theirs is not None and
                (ours == "cosmetic") == (theirs == "cosmetic"))
    total = sum(counts.values())
    print(f"{name}: {total} pairs, {parsed} parse, {agree} agree with MLIR; {sorted(counts.items(), key=str)}")
    return total, parsed, agree


@pytest.mark.iree
def test_classes_agree_with_mlir_on_fixture_dumps(dumps):
    with Dump.open(dumps("a_mm_elem", "ba")) as dump:
        pairs = exact_pairs(dump) + history_pairs(dump, DISPATCH) + history_pairs(dump, "main")
    counts = agreement(pairs, tool("iree-opt"))
    total, parsed, agree = _print_agreement("a_mm_elem ba", counts)
    assert agree == parsed >= 0.97 * total
    assert counts.get(("cosmetic", "cosmetic"), 0) >= 50 and counts.get(("changed", "changed"), 0) >= 200


@pytest.fixture(scope="module")
def llama_dumps(tmp_path_factory):
    """The example model, small, compiled after-only and before+after (constants elided,
    which keeps the dumps small and prints them as `dense_resource<__elided__>`)."""
    folder = tmp_path_factory.mktemp("llama-dumps")
    model = make_llama(folder / "llama.mlir", "--layers", "1", "--hidden", "64", "--heads", "1",
                       "--ffn", "128", "--vocab", "64", "--seq", "8")
    elide = "--mlir-elide-elementsattrs-if-larger=16"
    return {"a": compile_to_dump(model, folder / "llama.a.txt", elide, "--mlir-print-ir-after-all"),
            "ba": compile_to_dump(model, folder / "llama.ba.txt", elide, "--mlir-print-ir-before-all",
                                  "--mlir-print-ir-after-all")}


@pytest.mark.iree
def test_classes_agree_with_mlir_on_the_example_model(llama_dumps):
    with Dump.open(llama_dumps["ba"]) as dump:
        dispatch = next(s.symbol for s in dump.index.snapshots
                        if s.op == "func.func" and s.symbol.startswith("prefill_dispatch_2_"))
        pairs = history_pairs(dump, dispatch) + history_pairs(dump, "decode")
        pairs += exact_pairs(dump)[::4]
    counts = agreement(pairs, tool("iree-opt"))
    total, parsed, agree = _print_agreement("example model ba", counts)
    assert agree == parsed >= 0.95 * total and counts.get(("cosmetic", "cosmetic"), 0) >= 20


@pytest.mark.iree
def test_history_shows_real_changes_by_default(dumps):
    """The history of a function printed alone and inside its module: the entries where
    only the indentation or the aliases differ are cosmetic, shown with --cosmetic only."""
    from tests.helpers import run_ir

    path = dumps("a_mm_elem", "a")
    with Dump.open(path) as dump:
        every = dump.history(DISPATCH, cosmetic=True)
        real = dump.history(DISPATCH)
    assert {h["class"] for h in every} == {"changed", "cosmetic"}
    assert real == [h for h in every if h["class"] == "changed"] and len(real) < len(every)
    code, out, _ = run_ir("history", path, DISPATCH, "--format", "json")
    assert code == 0 and [h["index"] for h in __import__("json").loads(out)] == [h["index"] for h in real]
    code, out, _ = run_ir("history", path, DISPATCH, "--cosmetic")
    assert code == 0 and "cosmetic" in out
