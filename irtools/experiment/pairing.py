"""Which dispatch of build B is which dispatch of build A.

Names renumber as soon as a flag changes what the compiler fuses, so dispatches
are paired by what they compute (`fingerprint.Fingerprint`), in steps from the
surest to the loosest; each step sees only what the steps before left:

1. `source`: the same normalised source. All dispatches of A and B with one
   digest form one group (deduplication may split one executable in two when
   its buffers move: that is still the same computation).
2. `compute`: the same computation, bindings and offsets aside.
3. `ops`: the same root ops, however they are loaded and stored.
4. `fusion`: a left dispatch that shares a root op with a left dispatch of the
   other side joins it. So does a group of the steps above whose invocation
   counts differ between A and B (some of its work moved into a fused dispatch:
   the wo projection of a layer joining the Q, K and V ones, say); one whose
   counts agree lost nothing and stays apart. Connected parts become one group:
   a split (one A dispatch to several of B), a merge (several to one) or a
   regrouping. Their times are compared as a whole, so a fused dispatch is
   measured against the ones it replaced.
5. `name`: the same dispatch name; then `kind`: the same op kind, shape and
   element type in the name (`matmul_32x128x128_f32`), the only step for
   dispatches without a source (a `.tracy` file alone).
6. what is left is `new` (only in B) or `gone` (only in A).

`pair(..., by="name")` pairs by name alone, as compare did before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from irtools.experiment.fingerprint import Fingerprint
from irtools.trace.dispatch import op_category, parse_dispatch

STEPS = ("source", "compute", "ops", "fusion", "name", "kind")
BY = ("structure", "name")


@dataclass
class Group:
    """Dispatches of A and of B that do the same work (either side may be empty)."""

    a: list[str]
    b: list[str]
    how: str                                  # a step of STEPS, or "new" / "gone"
    note: str = ""
    time_a: float = field(default=0.0, compare=False)
    time_b: float = field(default=0.0, compare=False)

    @property
    def paired(self) -> bool:
        return bool(self.a) and bool(self.b)

    @property
    def kind(self) -> str:
        """same | same compute | changed | split | merge | regrouped | new | gone."""
        if not self.b:
            return "gone"
        if not self.a:
            return "new"
        if self.how in ("source", "compute", "ops", "name"):
            return {"source": "same", "compute": "same compute", "ops": "same ops",
                    "name": "same name"}[self.how]
        if len(self.a) == 1 and len(self.b) == 1:
            return "changed"
        if len(self.a) == 1:
            return "split"
        if len(self.b) == 1:
            return "merge"
        return "regrouped"

    @property
    def label(self) -> str:
        """`same`, `merge 2→1`, `split 1→3 (kind)`...: what a table shows."""
        kind = self.kind
        if kind in ("split", "merge", "regrouped") or (self.paired and
                                                       (len(self.a) > 1 or len(self.b) > 1)):
            kind = f"{kind} {len(self.a)}→{len(self.b)}"
        if self.how in ("kind",) and self.paired:
            kind += " (by name)"
        return kind

    @property
    def title(self) -> str:
        """A name for the group: B's dispatches (A's if gone), joined by ' + '."""
        return " + ".join(self.b or self.a)


class _Union:
    def __init__(self):
        self.parent: dict = {}

    def find(self, x):
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def join(self, x, y):
        rx, ry = self.find(x), self.find(y)
        if rx != ry:
            self.parent[ry] = rx


def _name_key(name: str, loose: bool) -> tuple | None:
    parsed = parse_dispatch(name)
    if parsed is None:
        return None
    kind = op_category(parsed["op_kind"]) if loose else parsed["op_kind"]
    return (kind, parsed["shape"], parsed["element_type"])


def pair(a: Mapping[str, Fingerprint | None], b: Mapping[str, Fingerprint | None], *,
         by: str = "structure", times_a: Mapping[str, float] | None = None,
         times_b: Mapping[str, float] | None = None,
         counts_a: Mapping[str, float] | None = None,
         counts_b: Mapping[str, float] | None = None) -> list[Group]:
    """Group the dispatches of A and B (names -> fingerprints, None where there is no
    source). `times_*` (any unit) order the groups, largest first; `counts_*` are
    invocations per call, which say whether a group lost work to a fusion (step 4;
    without them, groups of steps 1-3 stay as they are)."""
    if by not in BY:
        raise ValueError(f"by must be one of {BY}")
    left_a = list(dict.fromkeys(a))
    left_b = list(dict.fromkeys(b))
    groups: list[Group] = []

    def take(key_of, how):
        nonlocal left_a, left_b
        keys_a: dict = {}
        for name in left_a:
            key = key_of(name, a)
            if key is not None:
                keys_a.setdefault(key, []).append(name)
        keys_b: dict = {}
        for name in left_b:
            key = key_of(name, b)
            if key is not None and key in keys_a:
                keys_b.setdefault(key, []).append(name)
        used_a, used_b = set(), set()
        for key, names_b in keys_b.items():
            groups.append(Group(keys_a[key], names_b, how))
            used_a.update(keys_a[key])
            used_b.update(names_b)
        left_a = [n for n in left_a if n not in used_a]
        left_b = [n for n in left_b if n not in used_b]

    def digest(attr):
        def key_of(name, side):
            fp = side.get(name)
            value = getattr(fp, attr) if fp is not None else None
            return value or None
        return key_of

    if by == "structure":
        take(digest("source"), "source")
        take(digest("compute"), "compute")
        take(digest("ops"), "ops")
        _fusion(a, b, left_a, left_b, groups, _moved(groups, counts_a, counts_b))
        done = {n for g in groups for n in g.a}, {n for g in groups for n in g.b}
        left_a = [n for n in left_a if n not in done[0]]
        left_b = [n for n in left_b if n not in done[1]]
    take(lambda name, side: name, "name")
    if by == "structure":
        take(lambda name, side: _name_key(name, False), "kind")
        take(lambda name, side: _name_key(name, True), "kind")
    groups += [Group([n], [], "gone") for n in left_a]
    groups += [Group([], [n], "new") for n in left_b]
    for g in groups:
        g.time_a = sum((times_a or {}).get(n, 0.0) for n in g.a)
        g.time_b = sum((times_b or {}).get(n, 0.0) for n in g.b)
    groups.sort(key=lambda g: -(g.time_a + g.time_b))
    return groups


def _moved(groups: list[Group], counts_a, counts_b) -> set[int]:
    """Groups whose invocations per call differ between A and B."""
    if counts_a is None or counts_b is None:
        return set()
    return {i for i, g in enumerate(groups)
            if abs(sum(counts_a.get(n, 0) for n in g.a) - sum(counts_b.get(n, 0) for n in g.b))
            > 1e-9}


def _fusion(a, b, left_a: list[str], left_b: list[str], groups: list[Group], joinable: set[int]):
    """Step 4: join what is left to what shares a root op with it (in place)."""
    # Nodes: ("g", index) for a group so far, ("a", name) / ("b", name) for one left.
    ops_a: dict[str, list] = {}    # op digest -> nodes holding it on side A
    ops_b: dict[str, list] = {}
    for i, g in enumerate(groups):
        if i not in joinable:
            continue
        for name in g.a:
            for op in _ops(a, name):
                ops_a.setdefault(op, []).append(("g", i))
        for name in g.b:
            for op in _ops(b, name):
                ops_b.setdefault(op, []).append(("g", i))
    for name in left_a:
        for op in _ops(a, name):
            ops_a.setdefault(op, []).append(("a", name))
    for name in left_b:
        for op in _ops(b, name):
            ops_b.setdefault(op, []).append(("b", name))
    union = _Union()
    for name in left_a:
        for op in _ops(a, name):
            for node in ops_b.get(op, ()):
                union.join(("a", name), node)
    for name in left_b:
        for op in _ops(b, name):
            for node in ops_a.get(op, ()):
                union.join(("b", name), node)
    parts: dict = {}
    for node in [("a", n) for n in left_a] + [("b", n) for n in left_b] + \
            [("g", i) for i in range(len(groups))]:
        if node in union.parent:
            parts.setdefault(union.find(node), []).append(node)
    merged: set[int] = set()
    new_groups = []
    for nodes in parts.values():
        ga = [n for kind, n in nodes if kind == "a"]
        gb = [n for kind, n in nodes if kind == "b"]
        olds = [i for kind, i in nodes if kind == "g"]
        names_a = [n for i in olds for n in groups[i].a] + ga
        names_b = [n for i in olds for n in groups[i].b] + gb
        if not names_a or not names_b or not (ga or gb):
            continue
        merged.update(olds)
        inside = [groups[i] for i in olds]
        note = ""
        if inside:
            note = "holds " + ", ".join(f"{len(g.a)}→{len(g.b)} {g.kind}" for g in inside)
        new_groups.append(Group(names_a, names_b, "fusion", note))
    groups[:] = [g for i, g in enumerate(groups) if i not in merged] + new_groups


def _ops(side, name) -> Iterable[str]:
    fp = side.get(name)
    return fp.op_set if fp is not None else ()


def coverage(groups: Iterable[Group]) -> tuple[float, float]:
    """Shares of A's and B's time in paired groups (1.0: everything is paired)."""
    groups = list(groups)
    total_a = sum(g.time_a for g in groups)
    total_b = sum(g.time_b for g in groups)
    paired_a = sum(g.time_a for g in groups if g.paired)
    paired_b = sum(g.time_b for g in groups if g.paired)
    return (paired_a / total_a if total_a else 1.0, paired_b / total_b if total_b else 1.0)
