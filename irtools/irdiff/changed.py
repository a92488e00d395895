"""Decide, for each After snapshot, whether its pass changed the IR of the op it ran on.

Exact when the dump has Before and After snapshots: a stack pairs each After with
its Before (nested pipelines print Before P, the children, then After P).
Inferred on an after-only dump: the before-state of op X is the last earlier
snapshot that covers X and is not nested inside X (a nested one may belong to
the pass's own pipeline); op-scope snapshots are cut out of a covering ancestor.
Passes that may run a nested pipeline on the same op cannot be told apart from
their last child, so an unchanged result there is reported as unknown.
The walk back reads each snapshot once (texts, canonical forms and the symbols they
define are kept) and skips ancestors whose symbols show the op cannot be in them.
"""

from __future__ import annotations

import re

from irtools.irdiff import mlir
from irtools.irdiff.text import body, body_hash

CHANGED, SAME, UNKNOWN = "true", "false", "unknown"

# Passes that run a nested pipeline on the op they are given.
_SAME_LEVEL_PIPELINE = re.compile(
    r"^(?!.*Adaptor).*PipelinePass$|FixedPointIterator|LowerExecutableTarget|ConvertToLLVM"
    r"|^(Translate|Configure|Link|Serialize)\w*Executable")
_EXECUTABLES = ("hal.executable", "flow.executable", "stream.executable")


def changed_flags(idx, f, *, progress=None) -> list:
    """One of "true"/"false"/"unknown" per snapshot ("" for Before snapshots)."""
    snaps = idx.snapshots
    if any(s.when == "before" for s in snaps) and any(s.when == "after" for s in snaps):
        return _exact(snaps, f, progress)
    return _inferred(idx, f, progress)


def _exact(snaps, f, progress):
    out = [""] * len(snaps)
    stack = []
    hashes = {}

    def digest(s):
        if s.index not in hashes:
            hashes[s.index] = body_hash(f, s)
        return hashes[s.index]

    for n, s in enumerate(snaps):
        if s.when == "before":
            stack.append(s)
        else:
            j = len(stack) - 1
            while j >= 0 and not _pairs(stack[j], s):
                j -= 1
            if j < 0:
                out[s.index] = UNKNOWN   # its Before was not printed (e.g. a cut dump)
            else:
                before = stack[j]
                del stack[j:]
                out[s.index] = CHANGED if digest(before) != digest(s) else SAME
                hashes.pop(before.index, None)
        if progress and n % 64 == 0:
            progress(s.end, snaps[-1].end)
    return out


def _pairs(before, after):
    return (before.pass_name == after.pass_name and before.arg == after.arg
            and before.header.op == after.header.op and before.header.symbol == after.header.symbol)


def _funclike(op):
    return op.endswith(("func", "initializer"))


def _significant(op):
    return not (op in ("builtin.module", "module") or _funclike(op))


def depths(snaps) -> list:
    """Nesting depth of each snapshot's scope op: 0 for the top module.

    `builtin.module` and functions are ambiguous: they may sit inside a
    `hal.executable.variant`. They do when the next other op dumped is a variant
    (codegen prints children first), or an executable right after a variant.
    """
    ops = [s.op for s in snaps]
    nxt = [""] * len(ops)
    following = ""
    for i in range(len(ops) - 1, -1, -1):
        nxt[i] = following
        if _significant(ops[i]):
            following = ops[i]
    out = []
    previous = ""
    for i, op in enumerate(ops):
        if op == "hal.executable.variant":
            d = 2
        elif op.endswith(_EXECUTABLES) or op == "vm.module":
            d = 1
        elif op.startswith("vm."):
            d = 2
        elif _significant(op):
            d = 1
        else:
            inner = nxt[i] == "hal.executable.variant" or (
                previous == "hal.executable.variant" and nxt[i].endswith(_EXECUTABLES))
            d = (3 if inner else 0) if op in ("builtin.module", "module") else (4 if inner else 1)
        if _significant(op):
            previous = op
        out.append(d)
    return out


# What a printed container pass runs nested passes on; MLIR's own adaptors are never printed.
def _children(pass_name):
    if pass_name.endswith("OpPipelineAdaptorPass"):
        return lambda op: _funclike(op) and not op.startswith("vm.")
    if pass_name.startswith("Inliner"):
        return _funclike
    if _SAME_LEVEL_PIPELINE.search(pass_name):
        return lambda op: True
    return None


def _may_nest_same_level(s):
    return bool(_SAME_LEVEL_PIPELINE.search(s.pass_name))


def _inferred(idx, f, progress):
    snaps = idx.snapshots
    dep = depths(snaps)
    out = [""] * len(snaps)
    if idx.module_scope:
        infer_one = _module_scope(snaps, dep, f)
    else:
        infer_one = _op_scope(snaps, dep, f, out)
    for i, s in enumerate(snaps):
        if s.when != "after":
            continue
        verdict = infer_one(i)
        if verdict == SAME and _may_nest_same_level(s):
            verdict = UNKNOWN
        out[i] = verdict
        if progress and i % 64 == 0:
            progress(s.end, snaps[-1].end)
    return out


# IREE's FixedPointIteratorPass marks the module while its iterations run; the
# mark is the iterator's doing, not that of the passes inside it.
_FIXEDPOINT = re.compile(rb"iree\.fixedpoint\.iteration = \d+ : index(, )?")
_SLICE_LIMIT = 64 << 20


def scrub_fixedpoint(block):
    # The mark sits on the module's own line, the first after the aliases.
    start = 0 if block.startswith(b"module") else block.find(b"\nmodule") + 1
    if start < 0 or start == 0 and not block.startswith(b"module"):
        return block
    end = block.find(b"\n", start)
    end = len(block) if end < 0 else end
    if block.find(b"iree.fixedpoint", start, end) < 0:
        return block
    return block[:start] + _FIXEDPOINT.sub(b"", block[start:end]) + block[end:]


def _module_scope(snaps, dep, f):
    hashes = {}

    def digest(j):
        if j not in hashes:
            hashes[j] = body_hash(f, snaps[j], scrub_fixedpoint)
            hashes.pop(j - 64, None)   # bounded cache: look-back is short
        return hashes[j]

    def infer(i):
        children = _children(snaps[i].pass_name)
        j = i - 1
        while j >= 0 and (snaps[j].when != "after" or (
                children and dep[j] > dep[i] and children(snaps[j].op))):
            j -= 1
        if j < 0:
            return UNKNOWN
        if digest(j) == digest(i):
            return SAME
        if dep[i] == 0 or snaps[i].size > _SLICE_LIMIT or snaps[j].size > _SLICE_LIMIT:
            return CHANGED
        # Only X and its children ran in between, but the module around X may carry
        # marks of an enclosing pipeline: compare X's own text.
        s = snaps[i]
        mine = _slices(body(f, s), s)
        return CHANGED if not mine or mine != _slices(body(f, snaps[j]), s) else SAME

    return infer


def _slices(text, s):
    return [text[a:b] for a, b, indent in mlir.find_ops(text, s.op, s.symbol) if indent > 0]


class _Recent:
    """The values last asked for, within a byte budget: a walk back asks for the same few."""

    def __init__(self, make, budget=128 << 20, weight=len):
        self.make, self.budget, self.weight = make, budget, weight
        self.size, self.items = 0, {}

    def __call__(self, j):
        value = self.items.pop(j, None)
        if value is None:
            value = self.make(j)
            self.size += self.weight(value)
            while self.items and self.size > self.budget:
                self.size -= self.weight(self.items.pop(next(iter(self.items))))
        self.items[j] = value
        return value


def _op_scope(snaps, dep, f, flags):
    text = _Recent(lambda j: scrub_fixedpoint(body(f, snaps[j])))
    canon = _Recent(lambda j: mlir.canonical_whole(text(j)))
    marks = _Recent(lambda j: _symbols(canon(j)), 1 << 20, lambda v: sum(map(len, v or ())))

    keys = {}

    def spliced(j, stale):
        return _splice(canon(j), stale.items(), canon) if stale else canon(j)

    def key(j):
        if j not in keys:
            s = snaps[j]
            keys[j] = s.op, s.symbol, _tag(text(j)) if _ambiguous(s) else ""
        return keys[j]

    def infer(i):
        s = snaps[i]
        mine = key(i)
        unnamed = not mine[1] and not mine[2] and s.op != "builtin.module"
        children = _children(s.pass_name)
        stale = {}      # later dumps of ops inside X: X's before-state includes them
        seen_twin = False
        j = i - 1
        while j >= 0:
            other = snaps[j]
            if other.when != "after":
                j -= 1
                continue
            if key(j) == mine:
                if text(j).rstrip() == text(i).rstrip():
                    return SAME
                if not unnamed:
                    if not stale:
                        return CHANGED
                    before = spliced(j, _reach(j, stale, marks)[1])
                    return SAME if before == canon(i) else CHANGED
                seen_twin = True
            elif dep[j] < dep[i]:
                seen, parts = _reach(j, stale, marks) if stale else (None, stale)
                if seen is None or _can_find(s.op, s.symbol, mine[2], *seen):
                    verdict = _against_ancestor(spliced(j, parts), canon(i), s, mine[2])
                    if verdict is not None:
                        return verdict
            elif dep[j] > dep[i] and not _funclike(s.op):
                if not (children and children(other.op)) and flags[j] == CHANGED:
                    stale.setdefault((other.op, other.symbol, key(j)[2]), j)
            j -= 1
        return CHANGED if seen_twin else UNKNOWN

    return infer


def _ambiguous(s):
    return not s.symbol or s.op == "hal.executable.variant"


_DEF = re.compile(rb"^\s*[\w.]+(?:\s+(?:public|private|nested))*\s+@([\w$.-]+)", re.M)


def _tag(text):
    """The first symbol defined inside an op: tells apart ops with the same name."""
    start = mlir.body_start(text)
    eol = text.find(b"\n", start)
    m = _DEF.search(text, eol if eol >= 0 else len(text))
    return m.group(1).decode() if m else ""


def _against_ancestor(outer, wanted, s, tag):
    """Compare `wanted` with each op like it in the larger print `outer`; None if none is there.

    Both are in `mlir.canonical_whole` form; later dumps of ops inside are spliced in.
    """
    found = False
    for start, end, indent in mlir.find_ops(outer, s.op, s.symbol):
        if tag and _tag(outer[start:end]) != tag:
            continue
        found = True
        if mlir.canonical_slice(outer, start, end, indent, {}) == wanted:
            return SAME
    return CHANGED if found else None


_SYMBOL_USE = re.compile(rb"@([\w$.-]+)")
_SYMBOL_DEF = re.compile(rb'^ *"?([A-Za-z_][\w.$-]*)"?(?:\s+(?:public|private|nested))*\s+@([\w$.-]+)',
                         re.M)


def _symbols(text):
    """(ops defining a symbol as {(op, name)}, every `@name` used) in a print; None when
    some are quoted (`@"a b"`), which these patterns do not read."""
    if b'@"' in text:
        return None
    return frozenset(_SYMBOL_DEF.findall(text)), frozenset(_SYMBOL_USE.findall(text))


def _can_find(op, symbol, tag, defs, uses):
    # What find_ops (op line `op @symbol`) and _tag (`@tag` inside) need to match.
    if symbol:
        name = symbol.encode()
        if (op.encode(), name) not in defs and not (
                op == "builtin.module" and (b"module", name) in defs):
            return False
    return not tag or tag.encode() in uses


def _reach(j, stale, marks):
    """What snapshot j may define and use once `stale` is spliced in, and the stale ops
    that may be found in it (None, all of them, when the marks are unknown).

    A stale op is spliced in only where it is found, in j or in what was spliced before
    it; lines stay whole across the seams, so the spliced text holds its parts' marks.
    Skipping the others saves a search each, and a whole splice on a long walk back.
    """
    seen = marks(j)
    left = dict(stale)
    found = set()
    grown = True
    while grown and seen is not None:
        grown = False
        for key, k in list(left.items()):
            if _can_find(*key, *seen):
                del left[key]
                found.add(key)
                extra = marks(k)
                seen = None if extra is None else (seen[0] | extra[0], seen[1] | extra[1])
                grown = True
                if seen is None:
                    break
    if seen is None:
        return None, dict(stale)
    return seen, {key: k for key, k in stale.items() if key in found}


def _splice(outer, stale, canon):
    """`outer` with the first op of each stale `((op, symbol, tag), j)`, in order, made canon(j)."""
    for (op, symbol, tag), j in stale:
        for start, end, indent in mlir.find_ops(outer, op, symbol):
            if indent and (not tag or _tag(outer[start:end]) == tag):
                pad = b" " * indent
                new = pad + canon(j).replace(b"\n", b"\n" + pad)
                outer = outer[:start] + new + outer[end:]
                break
    return outer
