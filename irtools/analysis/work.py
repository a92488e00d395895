"""The work of each dispatch: FLOPs and bytes moved, from its executable source IR.

Read with the compiler's own MLIR Python bindings (`iree.compiler.ir`), from
the files `--iree-hal-dump-executable-sources-to` writes (one `hal.executable`
each; `irtools run` keeps them in RUN/BACKEND/sources/).

The model of work, per dispatch function:

- FLOPs: for each linalg op, the size of its iteration domain times the
  floating-point operations of its body. Named ops (matmul, batch_matmul,
  convolutions, mmt4d, pooling, reductions...) are first rewritten into
  `linalg.generic` by the compiler's own `linalg-generalize-named-ops`, so one
  rule counts them all: a matmul's body is one mulf and one addf, 2 FLOPs per
  (m, n, k).
  A body op counts 1 (add, sub, mul, div, max, min, neg, compare, and each
  `math` function: exp, tanh, rsqrt... count one each, whatever they cost in
  instructions); `math.fma` counts 2; casts, selects, constants and index
  arithmetic count nothing. Integer arithmetic on data (not indices) is
  counted apart, as `int_ops`.
- `linalg.softmax`: 5 per element (max, subtract, exp, sum, divide). IREE's own
  decomposition computes the exponential twice (7), which is how it is run,
  not work the model asks for.
- `iree_linalg_ext.attention`: with B batch, M query, K1 head, K2 key and N
  value dimensions (read from its indexing maps), 2·B·M·K2·K1 for Q·Kᵀ,
  2·B·M·K2·N for P·V, 5 per score (scale, max, subtract, exp, sum) plus the
  ops of its score region and 1 more with a mask, and B·M·N for the final
  division (`online_attention` has none: its caller divides).
- Bytes: the sizes of the tensors the dispatch loads from and stores to its
  bindings (`iree_tensor_ext.dispatch.tensor.load/store`, formerly `flow.`),
  each counted once per load or store: what it must move at the least.

Shapes that are not static give `None` ("dynamic"). Ops the model does not
cover (sort, scatter, fft...) count no FLOPs and are named in `notes`.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from irtools.errors import MlirError

_LOADS = ("iree_tensor_ext.dispatch.tensor.load", "flow.dispatch.tensor.load")
_STORES = ("iree_tensor_ext.dispatch.tensor.store", "flow.dispatch.tensor.store")
_TERMINATORS = ("linalg.yield", "linalg.index", "iree_linalg_ext.yield")
_FLOAT_OPS = {"arith.addf", "arith.subf", "arith.mulf", "arith.divf", "arith.remf",
              "arith.negf", "arith.maximumf", "arith.minimumf", "arith.maxnumf",
              "arith.minnumf", "arith.cmpf"}
_INT_OPS = {"arith.addi", "arith.subi", "arith.muli", "arith.divsi", "arith.divui",
            "arith.ceildivsi", "arith.ceildivui", "arith.floordivsi", "arith.remsi",
            "arith.remui", "arith.maxsi", "arith.maxui", "arith.minsi", "arith.minui",
            "arith.andi", "arith.ori", "arith.xori", "arith.shli", "arith.shrsi",
            "arith.shrui", "arith.cmpi"}
_NOT_FLOPS = {"math.absi", "math.ctlz", "math.cttz", "math.ctpop", "math.ipowi"}
# Ops that move data only.
_MOVES = {"linalg.pack", "linalg.unpack", "iree_linalg_ext.gather", "iree_linalg_ext.im2col",
          "iree_linalg_ext.map_store", "iree_linalg_ext.map_load", "iree_linalg_ext.pack",
          "iree_linalg_ext.unpack"}
SOFTMAX_FLOPS = 5    # per element: max, subtract, exp, sum, divide
SCORE_FLOPS = 5      # per attention score: scale, max, subtract, exp, sum
_PIPELINE = "func.func(linalg-generalize-named-ops)"


@dataclass
class OpWork:
    """One op of the dispatch's source, as the model op it came from."""

    op: str                       # "linalg.matmul", as in the source
    flops: int | None             # None: dynamic shapes
    int_ops: int | None
    domain: tuple                 # loop sizes (None for a dynamic one)
    loc: str = ""                 # its printed location
    # FLOPs of body ops that name a model op of their own (an elementwise op the
    # compiler fused into this one keeps its location): {printed location: FLOPs}
    flops_by_loc: dict = field(default_factory=dict)


@dataclass
class DispatchWork:
    """FLOPs and bytes of one dispatch function (an export of an executable)."""

    name: str                     # "prefill_dispatch_4_attention_4x64x64xf32"
    source: str = ""              # the executable source file
    flops: int | None = 0
    int_ops: int | None = 0
    bytes_read: int | None = 0
    bytes_written: int | None = 0
    element_types: tuple = ()
    loc: str = ""                 # the function's own location (all its ops', fused)
    ops: list[OpWork] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def bytes(self) -> int | None:
        if self.bytes_read is None or self.bytes_written is None:
            return None
        return self.bytes_read + self.bytes_written

    @property
    def intensity(self) -> float | None:
        """FLOPs per byte moved."""
        if self.flops is None or not self.bytes:
            return None
        return self.flops / self.bytes

    @property
    def dynamic(self) -> bool:
        return self.flops is None or self.bytes is None


def _walk(op):
    yield op
    for region in op.regions:
        for block in region.blocks:
            for child in block.operations:
                yield from _walk(child.operation)


def _children(op):
    """The ops directly inside `op`'s regions."""
    for region in op.regions:
        for block in region.blocks:
            for child in block.operations:
                yield child.operation


def _bits(element_type) -> int | None:
    text = str(element_type)
    if text == "index":
        return 64
    if text.startswith("complex<"):
        inner = _bits_of_name(text[8:-1])
        return 2 * inner if inner else None
    return _bits_of_name(text)


def _bits_of_name(text: str) -> int | None:
    import re

    if text in ("bf16", "tf32"):
        return 16 if text == "bf16" else 32
    m = re.fullmatch(r"[sui]?i?(\d+)|f(\d+)(?:E\w+)?", text)
    if m:
        return int(m.group(1) or m.group(2))
    return None


def _tensor_bytes(t) -> int | None:
    shape = getattr(t, "shape", None)
    if shape is None:
        return None
    if any(d < 0 for d in shape):
        return None
    bits = _bits(t.element_type)
    if bits is None:
        return None
    return (math.prod(shape) * bits + 7) // 8


def _domain(op, maps) -> tuple | None:
    """Loop sizes from the operands' shapes through their indexing maps."""
    operands = list(op.operands)
    if not maps or len(maps) != len(operands):
        return None
    sizes: list[int | None] = [None] * maps[0].n_dims
    from iree.compiler import ir

    for value, amap in zip(operands, maps):
        shape = getattr(value.type, "shape", None)
        if shape is None:
            continue
        for j, expr in enumerate(amap.results):
            if isinstance(expr, ir.AffineDimExpr) and j < len(shape):
                d = shape[j]
                if sizes[expr.position] is None and d >= 0:
                    sizes[expr.position] = d
    return tuple(sizes)


def _maps(op):
    if "indexing_maps" not in op.attributes:
        return None
    return [m.value for m in op.attributes["indexing_maps"]]


def _body_ops(op, by_loc: dict | None = None) -> tuple[int, int]:
    """Floating-point and integer ops per iteration of a linalg body; with `by_loc`,
    the FLOPs of body ops located at a model op's name are added there too."""
    from irtools.analysis.locations import origins

    flops = ints = 0
    for region in op.regions:
        for block in region.blocks:
            for child in block.operations:
                for inner in _walk(child.operation):
                    f, i = _op_cost(inner)
                    flops += f
                    ints += i
                    if f and by_loc is not None:
                        loc = str(inner.location)
                        found = origins(loc)
                        if found and found[0].named:
                            by_loc[loc] = by_loc.get(loc, 0) + f
    return flops, ints


def _op_cost(op) -> tuple[int, int]:
    name = op.name
    if name == "math.fma":
        return 2, 0
    if name in _FLOAT_OPS or (name.startswith("math.") and name not in _NOT_FLOPS):
        return 1, 0
    if name in _INT_OPS or name in _NOT_FLOPS:
        if any(str(v.type) == "index" for v in op.operands):
            return 0, 0
        return 0, 1
    return 0, 0


def _generic_work(op, by_loc: dict) -> tuple[int | None, int | None, tuple]:
    maps = _maps(op)
    domain = _domain(op, maps)
    if domain is None:
        return None, None, ()
    per_loc: dict[str, int] = {}
    per_flops, per_ints = _body_ops(op, per_loc)
    if any(d is None for d in domain):
        return (None if per_flops else 0), (None if per_ints else 0), domain
    size = math.prod(domain)
    for loc, f in per_loc.items():
        by_loc[loc] = by_loc.get(loc, 0) + f * size
    return size * per_flops, size * per_ints, domain


def _attention_work(op) -> tuple[int | None, int | None, tuple]:
    maps = _maps(op)
    domain = _domain(op, maps)
    if domain is None:
        return None, None, ()
    online = op.name.endswith("online_attention")
    n = len(maps)
    has_mask = n == (8 if online else 6)
    out_index = 5 if has_mask else 4
    dims = [frozenset(e.position for e in maps[i].results if hasattr(e, "position"))
            for i in (0, 1, 2, out_index)]
    q, k, v, o = dims
    every = frozenset(range(len(domain)))
    batch = q & k & v & o
    m_dims, k1, k2, n_dims = (q & o) - k, (q & k) - o, (k & v) - q, (v & o) - k
    if batch | m_dims | k1 | k2 | n_dims != every:
        return None, None, domain
    if any(domain[d] is None for d in every):
        return None, None, domain

    def size(ds):
        return math.prod(domain[d] for d in ds)

    b, m, kk1, kk2, nn = size(batch), size(m_dims), size(k1), size(k2), size(n_dims)
    region_flops, _ = _body_ops(op)
    per_score = SCORE_FLOPS + region_flops + (1 if has_mask else 0)
    flops = 2 * b * m * kk2 * kk1 + 2 * b * m * kk2 * nn + per_score * b * m * kk2
    if not online:
        flops += b * m * nn
    return flops, 0, domain


def _compute_ops(func) -> list:
    """The linalg and linalg_ext ops at the top of a function's body (not inside one another)."""
    out = []

    def visit(op):
        for child in _children(op):
            name = child.name
            if name.startswith(("linalg.", "iree_linalg_ext.")) and name not in _TERMINATORS:
                out.append(child)
            else:
                visit(child)

    visit(func)
    return out


def _cost(op, notes: list[str], by_loc: dict) -> tuple[int | None, int | None, tuple]:
    name = op.name
    if name in ("iree_linalg_ext.attention", "iree_linalg_ext.online_attention"):
        return _attention_work(op)
    if name == "linalg.generic":
        return _generic_work(op, by_loc)
    if name == "linalg.softmax":
        shape = getattr(op.operands[0].type, "shape", None)
        if shape is None or any(d < 0 for d in shape):
            return None, 0, tuple(shape or ())
        return SOFTMAX_FLOPS * math.prod(shape), 0, tuple(shape)
    if name in _MOVES:
        return 0, 0, ()
    if f"{name} is not modeled (no FLOPs counted)" not in notes:
        notes.append(f"{name} is not modeled (no FLOPs counted)")
    return 0, 0, ()


def _add(a, b):
    return None if a is None or b is None else a + b


def _analyze_function(func, ctx, source: str) -> DispatchWork:
    from iree.compiler import ir
    from iree.compiler.passmanager import PassManager

    name = ir.StringAttr(func.attributes["sym_name"]).value
    work = DispatchWork(name=name, source=source, loc=str(func.location))
    types: list[str] = []
    for op in _walk(func):
        if op.name in _LOADS:
            t = op.results[0].type
            work.bytes_read = _add(work.bytes_read, _tensor_bytes(t))
        elif op.name in _STORES:
            t = op.operands[0].type
            work.bytes_written = _add(work.bytes_written, _tensor_bytes(t))
        else:
            continue
        if hasattr(t, "element_type") and str(t.element_type) not in types:
            types.append(str(t.element_type))
    work.element_types = tuple(types)

    # Tag the model's ops, let the compiler rewrite them into generics, then map
    # each generic back: a rewrite keeps the tag; should a pass decompose an op,
    # its pieces lose it and sit where the op was.
    originals = _compute_ops(func)
    tag_type = ir.IntegerType.get_signless(64, ctx)
    for i, op in enumerate(originals):
        op.attributes["irtools.op"] = ir.IntegerAttr.get(tag_type, i)
    records = [OpWork(op=o.name, flops=0, int_ops=0, domain=(), loc=str(o.location))
               for o in originals]
    try:
        PassManager.parse(_PIPELINE, ctx).run(func)
    except Exception as err:  # the compiler refused: count the ops as they are
        work.notes.append(f"named ops were not generalized ({str(err).splitlines()[0][:120]})")
    rewritten = _compute_ops(func)
    survivors = {int(ir.IntegerAttr(o.attributes["irtools.op"]).value)
                 for o in rewritten if "irtools.op" in o.attributes}
    last = -1
    for op in rewritten:
        if "irtools.op" in op.attributes:
            owner = last = int(ir.IntegerAttr(op.attributes["irtools.op"]).value)
        else:
            owner = next((i for i in range(last + 1, len(records)) if i not in survivors), None)
            if owner is None:
                continue
        rec = records[owner]
        flops, ints, domain = _cost(op, work.notes, rec.flops_by_loc)
        rec.flops, rec.int_ops = _add(rec.flops, flops), _add(rec.int_ops, ints)
        if domain and (not rec.domain or len(domain) > len(rec.domain)):
            rec.domain = domain
    work.ops = records
    for rec in records:
        work.flops = _add(work.flops, rec.flops)
        work.int_ops = _add(work.int_ops, rec.int_ops)
    if work.dynamic:
        work.notes.append("dynamic shapes: the work is not known before the run")
    return work


def _dispatch_functions(module):
    """func.func ops inside each hal.executable.variant's inner module."""
    for op in _walk(module.operation):
        if op.name == "func.func" and op.parent is not None and op.parent.name == "builtin.module":
            grand = op.parent.parent
            if grand is not None and grand.name == "hal.executable.variant":
                yield op


def analyze_source(path) -> list[DispatchWork]:
    """The work of every dispatch function in one executable source file."""
    from iree.compiler import ir

    path = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as err:
        raise MlirError(f"cannot read the executable source: {err}", path=path,
                        fix="pass the sources folder of a run (RUN/BACKEND/sources)") from None
    ctx = ir.Context()
    ctx.allow_unregistered_dialects = True
    try:
        module = ir.Module.parse(text, ctx)
    except Exception as err:
        first = str(err).strip().splitlines()
        raise MlirError("not a valid executable source: " + (first[0][:200] if first else "parse error"),
                        path=path, expected="a file written by --iree-hal-dump-executable-sources-to",
                        fix="recompile with `irtools run` to dump the sources again") from None
    with ctx, ir.Location.unknown(ctx):
        return [_analyze_function(f, ctx, path) for f in _dispatch_functions(module)]


def analyze_sources(folder, *, progress=None) -> dict[str, DispatchWork]:
    """The work of every dispatch in a sources folder, keyed by dispatch name.

    Cached on disk by the folder's contents (a model's sources take seconds).
    """
    from irtools import cache

    folder = Path(folder)
    if not folder.is_dir():
        raise MlirError("no executable sources folder", path=str(folder),
                        fix="run the model with `irtools run`, which keeps them")

    def compute():
        files = sorted(folder.glob("*.mlir"))
        out: dict[str, DispatchWork] = {}
        for i, path in enumerate(files):
            for w in analyze_source(path):
                out[w.name] = w
            if progress:
                progress(i + 1, len(files))
        return out

    # The version: raise it when DispatchWork or OpWork change (the cache holds pickles).
    return cache.cached(folder, "work", (2,), compute)
