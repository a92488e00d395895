"""Decide, for each After snapshot, whether its pass changed the IR of the op it ran on.

Each After snapshot gets a class (see normal.py): "changed", "cosmetic" (only
what the printer chose differs), "false" (the same text), or "unknown".

Exact when the dump has Before and After snapshots: a stack pairs each After with
its Before (nested pipelines print Before P, the children, then After P).

Inferred on an after-only dump. The before-state of op X is what the prints so far
say X looked like: module-scope prints hold everything, so the last one is it;
op-scope prints are put together into a tree of the ops printed (tree.py), where a
print of X, of an op around X or of one inside X replaces that part. Each snapshot is
read and parsed once, and comparing X costs one digest, so this is linear in the dump.
A pass that runs a nested pipeline is compared with the state before its nested
passes printed; one whose nested pipeline runs on X itself cannot be told apart from
its last child, so an unchanged result there is reported as unknown.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import gc
import re

from irtools.irdiff import mlir, tree
from irtools.irdiff.normal import CHANGED, COSMETIC, SAME, UNKNOWN, aliases_of, classify_texts, scrub_fixedpoint
from irtools.irdiff.text import reduced

__all__ = ["CHANGED", "COSMETIC", "SAME", "UNKNOWN", "changed_flags", "changed_only"]

# Passes that run a nested pipeline on the op they are given.
_SAME_LEVEL_PIPELINE = re.compile(
    r"^(?!.*Adaptor).*PipelinePass$|FixedPointIterator|LowerExecutableTarget|ConvertToLLVM"
    r"|^(Translate|Configure|Link|Serialize)\w*Executable")
_EXECUTABLES = ("hal.executable", "flow.executable", "stream.executable")
_ADAPTOR = "OpPipelineAdaptorPass"
_USES = re.compile(rb'@(?:"(?:[^"\\]|\\.)*"|[\w$.-]+)')


def changed_flags(idx, f, *, progress=None) -> list:
    """One class per snapshot ("" for Before snapshots)."""
    snaps = idx.snapshots
    if any(s.when == "before" for s in snaps) and any(s.when == "after" for s in snaps):
        return _exact(snaps, f, progress)
    with _gc_paused():
        return _inferred(idx, f, progress)


@contextlib.contextmanager
def _gc_paused():
    """The trees of ops make no cycles, but so many objects that the cyclic collector,
    walking them all again and again, took a tenth of the time."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def changed_only(flags) -> list:
    """True where the pass really changed the IR."""
    return [flag == CHANGED for flag in flags]


def _exact(snaps, f, progress):
    out = [""] * len(snaps)
    stack = []   # (Before snapshot, its reduced text)
    for n, s in enumerate(snaps):
        if s.when == "before":
            stack.append((s, reduced(f, s)))
        else:
            j = len(stack) - 1
            while j >= 0 and not _pairs(stack[j][0], s):
                j -= 1
            if j < 0:
                out[s.index] = UNKNOWN   # its Before was not printed (e.g. a cut dump)
            else:
                before = stack[j][1]
                del stack[j:]
                out[s.index] = classify_texts(before, reduced(f, s))
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
@functools.lru_cache(maxsize=4096)
def _children(pass_name):
    if pass_name.endswith("OpPipelineAdaptorPass"):
        return lambda op: _funclike(op) and not op.startswith("vm.")
    if pass_name.startswith("Inliner"):
        return _funclike
    if _SAME_LEVEL_PIPELINE.search(pass_name):
        return lambda op: True
    return None


def _may_nest_same_level(s):
    return _nests_same_level(s.pass_name)


@functools.lru_cache(maxsize=4096)
def _nests_same_level(pass_name):
    return bool(_SAME_LEVEL_PIPELINE.search(pass_name))


def _inferred(idx, f, progress):
    snaps = idx.snapshots
    out = [""] * len(snaps)
    infer_one = _module_scope(snaps, f) if idx.module_scope else _OpScope(snaps, f)
    unchanged = afters = 0
    for i, s in enumerate(snaps):
        if s.when != "after":
            continue
        verdict = infer_one(i)
        if verdict in (SAME, COSMETIC) and _may_nest_same_level(s):
            verdict = UNKNOWN
        else:
            afters += 1
            unchanged += verdict == SAME
        out[i] = verdict
        if progress and i % 64 == 0:
            progress(s.end, snaps[-1].end)
    if after_change(afters, unchanged):
        return [CHANGED if s.when == "after" else "" for s in snaps]
    return out


def after_change(afters, unchanged) -> bool:
    """Whether an after-only dump was printed with --mlir-print-ir-after-change: then
    no pass leaves its op as it was printed before (in an after-all dump of a real
    compile, most passes do), and every snapshot is a change by construction."""
    return afters >= 20 and unchanged <= 0.02 * afters


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


def _module_scope(snaps, f):
    """Every print holds the whole module: X's before-state is in the last earlier one
    (the last before X's nested passes, for a pass that runs some)."""
    dep = depths(snaps)
    text = _Recent(lambda j: scrub_fixedpoint(reduced(f, snaps[j])))
    unexplained = set()   # (op, symbol) changed while no pass that prints was seen to run

    def infer(i):
        s = snaps[i]
        children = _children(s.pass_name)
        j = i - 1
        while j >= 0 and (snaps[j].when != "after" or (
                children and dep[j] > dep[i] and children(snaps[j].op))):
            j -= 1
        if j < 0:
            return UNKNOWN
        verdict = compare(j, i)
        if children and j == i - 1 and _ADAPTOR in s.pass_name:
            if verdict != SAME:    # see _OpScope._verdict
                unexplained.add((s.op, s.symbol))
            return SAME
        if (s.op, s.symbol) in unexplained:
            unexplained.discard((s.op, s.symbol))
            if _may_nest_same_level(s):
                return CHANGED
        return verdict

    def compare(j, i):
        old, new = text(j), text(i)
        if old == new:
            return SAME
        if dep[i] == 0:
            return classify_texts(old, new)
        # Only X and its children ran in between, but the module around X may carry
        # marks of an enclosing pipeline: compare X's own text.
        s = snaps[i]
        mine, theirs = _slices(new, s), _slices(old, s)
        if not mine or len(mine) != len(theirs):
            return CHANGED
        classes = [classify_texts(a, b, aa, ab) for (a, aa), (b, ab) in zip(theirs, mine)]
        return CHANGED if CHANGED in classes else COSMETIC if COSMETIC in classes else SAME

    return infer


def _slices(text, s):
    aliases = None
    out = []
    for a, b, indent in mlir.find_ops(text, s.op, s.symbol):
        if indent > 0:
            if aliases is None:
                aliases = aliases_of(text)
            out.append((text[a:b], aliases))
    return out


class _OpScope:
    """The tree of ops put together from op-scope prints, one snapshot at a time."""

    def __init__(self, snaps, f):
        self.snaps, self.f = snaps, f
        self.parser = tree.Parser({s.op for s in snaps if s.op})
        self.root = None
        self.where = {}      # (op, symbol) -> [path] in root
        self.nodes = {}      # path -> node in root (root.at(path), without the walk down)
        self.tagged = {}     # ((op, symbol), tag) -> [path] in root: ops alike told apart
        self.leaves = {}     # node without children -> [path] in root where it is
        self.floating = {}   # (op, symbol) -> node printed but not (yet) in root
        self.roots = []      # root after each snapshot
        self.placed = []     # path of each snapshot's op when it was read (None: not in root)
        self.cursor = {}     # (op, symbol) -> (path last chosen, the passes printed it since)
        self.unexplained = set()   # paths changed while no pass that prints was seen to run
        self.uses = {}       # template digest -> the symbols it uses (choosing among ops alike)

    def reread(self, j):
        return reduced(self.f, self.snaps[j])

    def __call__(self, i):
        while len(self.roots) < i:      # Before snapshots and the like
            self.roots.append(self.root)
            self.placed.append(None)
        s = self.snaps[i]
        node = self.parser.parse(reduced(self.f, s), i)
        if node is None:
            self.roots.append(self.root)
            self.placed.append(None)
            return UNKNOWN
        verdict, path = self._verdict(i, s, node)
        self._update(node, path)
        self.roots.append(self.root)
        self.placed.append(path)
        return verdict

    def _candidates(self, node):
        paths = self.where.get(node.key, ())
        if len(paths) > 1 and node.tag:
            paths = self.tagged.get((node.key, node.tag)) or paths
        if not paths and node.tag and node.key not in self.floating:
            # Renamed (IREE's SanitizeModuleNamesPass turns `@"a b."` into `@a_b_`): the
            # one op of its kind that holds the same first symbol.
            paths = [p for key, ps in self.where.items() if key[0] == node.op and key != node.key
                     for p in ps if self.nodes[p].tag == node.tag]
            if len(paths) != 1:
                return []
        return list(paths)

    def _verdict(self, i, s, node):
        paths = self._candidates(node)
        if not paths:
            twin = self.floating.get(node.key)
            if twin is None:
                return UNKNOWN, None
            return self._compare([twin], node), None
        base = self.root
        children = _children(s.pass_name)
        if children and len(paths) == 1:
            j = self._start(i, paths[0], children)
            if j == i - 1 and _ADAPTOR in s.pass_name:
                # An adaptor whose nested passes printed nothing ran none: a difference
                # is the doing of a pass around it, which prints later (ConvertToLLVMPass
                # converts, then runs an adaptor).
                old = self.nodes[paths[0]]
                if old.digest != node.digest:
                    self.unexplained.add(paths[0])
                return SAME, paths[0]
            base = self.roots[j] if j >= 0 else None
        befores = None
        if base is self.root and not node.children and self.where.get(node.key):
            # Parsed nodes are interned: a leaf is equal to one in the tree exactly when it
            # is the same object, whose places (in `paths`: same name and tag) are indexed.
            same = self.leaves.get(node, ())
        else:
            befores = self._befores(base, paths, node)
            want = node.digest
            same = [p for p, b in zip(paths, befores) if b is node or b.children and b.digest == want]
        if len(paths) == 1 and paths[0] in self.unexplained:
            self.unexplained.discard(paths[0])
            if _may_nest_same_level(s):
                return CHANGED, paths[0]
        if same:
            self._chose(node.key, same[0], s)
            return SAME, same[0]
        if befores is None:
            befores = self._befores(base, paths, node)
        k = self._choose(paths, befores, node, s) if len(paths) > 1 else 0
        self._chose(node.key, paths[k], s)
        return self._compare([befores[k]], node), paths[k]

    def _befores(self, base, paths, node):
        """The state of each path in `base` (a root of some earlier time)."""
        if base is self.root:   # the state now (most often): no walk down for each path
            return [self.nodes[p] for p in paths]
        befores = []
        for p in paths:
            old = base.at(p) if base is not None else None
            if old is None or old.key != node.key:
                old = self.nodes[p]
            befores.append(old)
        return befores

    def _choose(self, paths, befores, node, s):
        """Which of several ops alike (unnamed initializers, say) a print is of: the one
        whose symbols it shares most; else the one printed last, unless this pass printed
        it already (MLIR runs a nested pipeline op by op); else the next one."""
        mine = self._uses(node)
        if mine:
            scores = [len(mine & theirs) / len(mine | theirs) if (theirs := self._uses(b)) else 0
                      for b in befores]
            best = max(scores)
            if scores.count(best) == 1 and best > 0:
                return scores.index(best)
        last, passes = self.cursor.get(node.key, (None, ()))
        if last in paths and (s.pass_name, s.arg) not in passes:
            return paths.index(last)
        return next((n for n, p in enumerate(paths) if last is not None and p > last), 0)

    def _chose(self, key, path, s):
        last, passes = self.cursor.get(key, (None, ()))
        passes = passes + ((s.pass_name, s.arg),) if last == path else ((s.pass_name, s.arg),)
        self.cursor[key] = (path, passes)

    def _uses(self, node):
        uses = self.uses.get(node.tdig)
        if uses is None:
            form = self.parser.template(node, self.reread)   # read again if it was dropped
            uses = self.uses[node.tdig] = frozenset(_USES.findall(form)) if form else frozenset()
            tree.bound(self.uses, 1 << 14)
        return uses

    def _start(self, i, path, children):
        """The snapshot just before pass i's nested passes printed ops inside `path`."""
        j = i - 1
        n = len(path)
        while j >= 0:
            p = self.placed[j]
            if self.snaps[j].when == "after" and not (
                    p is not None and len(p) > n and p[:n] == path and children(self.snaps[j].op)):
                break
            j -= 1
        return j

    def _compare(self, befores, node):
        for old in befores:
            if old.digest == node.digest:
                return SAME
        for old in befores:
            if self.parser.same_but_cosmetic(old, node, self.reread):
                return COSMETIC
        return CHANGED

    def _update(self, node, path):
        if path is None:
            if self.root is None and node.op == "builtin.module" or (
                    self.root is not None and node.key == self.root.key and node.tag == self.root.tag):
                self._set_root(node)
            else:
                self.floating[node.key] = node
            return
        if not path:
            self._set_root(node)
            return
        old = self.nodes[path]
        self.root = up = tree.replace(self.root, path, node)
        for k in range(len(path)):   # new nodes along the path
            self.nodes[path[:k]] = up
            up = up.children[path[k]]
        if not old.children and not node.children and old.key == node.key and old.tag == node.tag:
            self.nodes[path] = node   # most often: one op printed again, its place unchanged
            self._unplace(old, path)
            bisect.insort(self.leaves.setdefault(node, []), path)
            return
        for sub, n in old.walk(path):
            self.where[n.key].remove(sub)
            self.tagged[n.key, n.tag].remove(sub)
            del self.nodes[sub]
            if not n.children:
                self._unplace(n, sub)
        keys, leaves = set(), set()
        for sub, n in node.walk(path):
            self.where.setdefault(n.key, []).append(sub)
            self.tagged.setdefault((n.key, n.tag), []).append(sub)
            self.nodes[sub] = n
            keys.add((n.key, n.tag))
            if not n.children:
                self.leaves.setdefault(n, []).append(sub)
                leaves.add(n)
        for key, tag in keys:
            self.where[key].sort()
            self.tagged[key, tag].sort()
        for n in leaves:
            self.leaves[n].sort()

    def _unplace(self, leaf, path):
        places = self.leaves[leaf]
        places.remove(path)
        if not places:
            del self.leaves[leaf]

    def _set_root(self, node):
        self.root = node
        self.where, self.nodes, self.tagged, self.leaves = {}, {}, {}, {}
        for sub, n in node.walk():   # in order of paths
            self.where.setdefault(n.key, []).append(sub)
            self.tagged.setdefault((n.key, n.tag), []).append(sub)
            self.nodes[sub] = n
            if not n.children:
                self.leaves.setdefault(n, []).append(sub)
        for key in list(self.floating):
            if key in self.where:
                del self.floating[key]
