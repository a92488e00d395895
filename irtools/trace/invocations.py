"""Dispatch invocations in a Tracy capture: each execution of a dispatch, its span and CPU time.

What the zones say depends on the device:

- local-sync: each invocation runs inline, one zone per tile, all inside one
  `iree_hal_local_executable_issue_dispatch_inline` zone: the invocation.
- local-task: the command buffer runs region by region (the commands between
  two barriers). In a region every worker walks the region's commands in order
  and claims batches of tiles from each; a batch is one zone named after the
  dispatch, inside the worker's `iree_hal_local_task_process_region` zone. The
  zones of one region overlap no zone of another, so regions are the clusters
  of overlapping `process_region` zones. A dispatch seen in a region is one
  invocation, unless the region holds several commands of the same executable
  (Q, K and V projections, say): their batches then look like one invocation's.
  The command buffer's recording (`iree_hal_command_buffer_dispatch` and
  `..._execution_barrier` zones between `..._begin` and `..._end`) says how many
  dispatch commands each region has; executions are matched to recordings by
  their shape. A region whose count the names cannot explain is flagged.
  Within a region a worker takes a command's batches only after all of the
  previous command's were claimed, so in start order the batches of one command
  come before the next's: k commands of one executable split the zones, in
  start order, into k runs.
- anything else (no such brackets): consecutive zones of one dispatch, in start
  order over all threads, with no other dispatch between them, make an invocation.

An invocation's wall time is its span: on local-sync its inline dispatch zone's
(set-up included, as the HAL profile measures it), elsewhere from its first
zone's start to its last zone's end. Its CPU time is the sum of its zones (on
local-sync, where one thread runs it all, its span).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from irtools.trace.dispatch import is_dispatch
from irtools.trace.hotspots import DROP_ALWAYS, INLINE_DISPATCH, NO_NAME, UNNAMED_TILES, VM_FUNCTION_ZONE
from irtools.trace.model import CHUNK, Trace
from irtools.trace.reader import SrcLocs

I64 = NDArray[np.int64]
I32 = NDArray[np.int32]
Bools = NDArray[np.bool_]

VM_INVOKE = "iree_vm_invoke"

# Roles of the zones read here (0: none). UNNAMED: tiles of a dispatch with no name
# (vmvx on local-task), only counted for the note that says so (with the inline
# dispatch zones that hold no named tile: vmvx on local-sync).
TILE, REGION, INLINE, CB_BEGIN, CB_END, CB_DISPATCH, CB_BARRIER, EXECUTE, INVOKE, UNNAMED = \
    range(1, 11)
_ROLE_NAMES = {
    "iree_hal_local_task_process_region": REGION,
    INLINE_DISPATCH: INLINE,
    "iree_hal_command_buffer_begin": CB_BEGIN,
    "iree_hal_command_buffer_end": CB_END,
    "iree_hal_command_buffer_dispatch": CB_DISPATCH,
    "iree_hal_command_buffer_execution_barrier": CB_BARRIER,
    "iree_hal_device_queue_execute": EXECUTE,
    VM_INVOKE: INVOKE,
    UNNAMED_TILES: UNNAMED,
}
_TIME_SHIFT = 47  # thread index << 47 | time: sortable while times stay under 39 hours
_ROLE_SHIFT = 40  # gather's keys: role << 40 | string index
_ROW_BITS = (CHUNK - 1).bit_length()

try:
    from irtools.trace import _groups
except ImportError:  # pragma: no cover - depends on the build; the numpy path stays
    _groups = None  # type: ignore[assignment]


@dataclass
class Found:
    """Invocations as columns of equal length (see `Invocations`)."""

    name: I64
    start: I64
    end: I64
    cpu: I64
    zones: I64
    tiles: I64
    ambiguous: Bools
    verified: Bools


@dataclass
class Invocations(Found):
    """One row per invocation, in start order.

    `name` indexes `names`. `tiles` is the workgroup count where known, else -1;
    `cpu` the summed tile time, -1 where unknown (a GPU's dispatches).
    `ambiguous`: the count or the split of this invocation's region is a guess
    (concurrent commands of one executable that the capture cannot tell apart).
    `verified`: the region's command count was checked against the recording
    (always True where the structure needs no such check, as on local-sync).
    """

    names: list[str] = field(default_factory=list)
    source: str = "tracy"          # "tracy" (zones) or "profile" (the HAL profile)
    function_wall_ns: int = 0      # summed top-level iree_vm_invoke spans; 0 if none
    notes: list[str] = field(default_factory=list)
    unnamed: tuple[int, int] = (0, 0)  # zones of dispatches without a name: count, ns

    def __len__(self) -> int:
        return len(self.name)

    @property
    def wall(self) -> I64:
        return self.end - self.start


def _roles(trace: Trace) -> tuple[NDArray[np.int8], Bools | None]:
    """Per string code, the role of zones of that effective name; and per srcloc slot,
    whether it is the VM function zone (whose dispatch names are not dispatches)."""
    strings = trace.strings
    canon = trace.canonical
    role = np.zeros(len(strings) + 1, np.int8)
    for i, text in enumerate(strings):
        if canon[i] != i:
            continue
        if text in _ROLE_NAMES:
            role[i] = _ROLE_NAMES[text]
        elif is_dispatch(text):
            role[i] = TILE
    vm = [i for i, text in enumerate(strings) if text == VM_FUNCTION_ZONE]
    vm_slot = np.isin(trace.srcloc_display, vm) if vm else None
    return role, vm_slot


@dataclass
class Zones:
    """The zones these rules read, in the capture's row order (by thread, then start):
    their role (TILE, REGION...), name code, start, end and thread index."""

    role: NDArray[np.int8]
    code: I32
    start: I64
    end: I64
    thread: I32


def gather(trace: Trace, *, fast: bool = True) -> Zones:
    """The zones of the roles above (ended ones), a chunk of the capture at a time.

    The C grouping pass (`_groups.pack`) picks them, keyed `role << 40 | name` with
    the row in the chunk as its "time"; `fast=False` takes the numpy path (tests
    compare the two)."""
    role_of, vm_slot = _roles(trace)
    z = trace.data.zones
    firsts = np.array([first for _, first, _ in trace.data.zone_threads], np.int64)
    parts: list[tuple[NDArray[np.int8], I32, I64, I64, I32]] = []

    def keep(rows: I64, role: NDArray[np.int8], code: I32) -> None:
        end = z.end[rows]
        ended = end >= 0
        rows = rows[ended]
        thread = (np.searchsorted(firsts, rows, side="right") - 1).astype(np.int32)
        parts.append((role[ended], code[ended], z.start[rows], end[ended], thread))

    if fast and _groups is not None:
        slot_key, name_key = _key_tables(trace, role_of, vm_slot)
        out = np.empty(CHUNK, np.uint64)
        rows_in_chunk = np.arange(CHUNK, dtype=np.int64)
        for a in range(0, trace.zone_count, CHUNK):
            sl = slice(a, min(a + CHUNK, trace.zone_count))
            n = _groups.pack(out, z.start[sl], z.end[sl], z.srcloc[sl], z.extra[sl], slot_key,
                             name_key, rows_in_chunk[:sl.stop - a], _ROW_BITS, CHUNK - 1)
            key = (out[:n] >> np.uint64(_ROW_BITS)).astype(np.int64)
            keep((out[:n] & np.uint64(CHUNK - 1)).astype(np.int64) + a,
                 (key >> _ROLE_SHIFT).astype(np.int8),
                 (key & ((1 << _ROLE_SHIFT) - 1)).astype(np.int32))
    else:
        for a in range(0, trace.zone_count, CHUNK):
            sl = slice(a, min(a + CHUNK, trace.zone_count))
            codes = trace.effective_codes(sl)
            role = role_of[codes]
            if vm_slot is not None:
                role[vm_slot[z.srcloc[sl].astype(np.int64) + SrcLocs.OFFSET]] = 0
            picked = np.flatnonzero(role > 0)
            keep(picked + a, role[picked], codes[picked].astype(np.int32))

    def joined(i: int, dtype: type) -> NDArray[Any]:
        return np.concatenate([p[i] for p in parts]) if parts else np.zeros(0, dtype)
    return Zones(role=joined(0, np.int8), code=joined(1, np.int32), start=joined(2, np.int64),
                 end=joined(3, np.int64), thread=joined(4, np.int32))


def _key_tables(trace: Trace, role_of: NDArray[np.int8],
                vm_slot: Bools | None) -> tuple[I64, I64]:
    """(slot_key, name_key) for `_groups.pack`: `role << 40 | name` of a zone's effective
    name where it has a role, -1 where not; VM function zones never count."""
    codes = np.arange(len(role_of), dtype=np.int64)
    code_key = np.where(role_of > 0, (role_of.astype(np.int64) << _ROLE_SHIFT) | codes, -1)
    code_key[-1] = -1  # string index -1: no name
    slot_key = code_key[trace.srcloc_display.astype(np.int64)]
    if vm_slot is not None:
        slot_key[vm_slot] = DROP_ALWAYS
    named = trace.data.extra_name.astype(np.int64)
    name_key = code_key[trace.canonical[named - 1]]
    name_key[named == 0] = NO_NAME
    return slot_key, name_key


def function_wall(zs: Zones) -> int:
    """Summed spans of the top-level `iree_vm_invoke` zones: the exported functions' calls."""
    pick = zs.role == INVOKE
    if not pick.any():
        return 0
    start, end, thread = zs.start[pick], zs.end[pick], zs.thread[pick].astype(np.int64)
    # Rows are in (thread, start) order: a call inside another on its thread is nested.
    shifted = (thread << _TIME_SHIFT) + end
    before = np.maximum.accumulate(np.r_[np.int64(-1), shifted[:-1]])
    top = (thread << _TIME_SHIFT) + start >= before
    return int((end - start)[top].sum())


def tracy_invocations(trace: Trace, *, consume: bool = False) -> Invocations:
    """The dispatch invocations of a capture, from its zones alone (see the module's doc).

    `consume=True`: the trace's zone columns are not used afterwards, and are let go
    once the zones needed here are picked (for one-shot callers such as the CLI)."""
    zs = gather(trace)
    if consume:
        z = trace.data.zones
        for column in z.NAMES:
            setattr(z, column, None)  # a use after this is a bug
    return find_invocations(zs, trace.name_of)


def _collapse(order: I64, new: Bools, name: I32, start: I64, end: I64, *, per_tile: bool,
              cpu: I64 | None = None, count: I64 | None = None,
              ambiguous: Bools | None = None, verified: Bools | bool = True) -> Found:
    """Items (zones, or runs of zones) taken in `order`, a new invocation wherever `new`
    (along `order`) is True. An item's CPU time is `cpu` (else end - start) and it holds
    `count` zones (else 1). `ambiguous` and `verified` are per item along `order` (or one
    value for all)."""
    heads = np.flatnonzero(new)
    n = len(heads)
    first = order[heads]
    del new
    s = start[order]
    t0 = np.minimum.reduceat(s, heads)
    if cpu is None:
        e = end[order]
        t1 = np.maximum.reduceat(e, heads)
        np.subtract(e, s, out=e)
        used = np.add.reduceat(e, heads)
        del e
    else:
        t1 = np.maximum.reduceat(end[order], heads)
        used = np.add.reduceat(cpu[order], heads)
    del s
    zones = np.diff(np.r_[heads, len(order)]).astype(np.int64) if count is None else \
        np.add.reduceat(count[order], heads)
    flag = np.zeros(n, bool) if ambiguous is None else np.logical_or.reduceat(ambiguous, heads)
    ok = np.full(n, verified, bool) if isinstance(verified, bool) else \
        np.logical_and.reduceat(verified, heads)
    return Found(name=name[first].astype(np.int64), start=t0, end=t1, cpu=used, zones=zones,
                 tiles=zones.copy() if per_tile else np.full(n, -1, np.int64),
                 ambiguous=flag, verified=ok)


def _changes(*keys: NDArray[Any]) -> Bools:
    """True where any of the keys differs from the element before (and at the first)."""
    new = np.zeros(len(keys[0]), bool)
    if len(new):
        new[0] = True
        for k in keys:
            new[1:] |= k[1:] != k[:-1]
    return new


def find_invocations(zs: Zones, name_of: Callable[[int], str]) -> Invocations:
    """Invocations of the TILE zones of `zs`; `name_of(code)` names a zone's code."""
    tile = np.flatnonzero(zs.role == TILE)
    unnamed = zs.role == UNNAMED
    code = zs.code[tile]
    present = np.zeros(int(code.max()) + 1 if len(code) else 0, bool)
    present[code] = True
    names = [name_of(int(c)) for c in np.flatnonzero(present)]
    # Every rule below works on positions in `zs`; `name` gives a tile's dispatch.
    name = np.full(len(zs.role), -1, np.int32)
    name[tile] = (np.cumsum(present, dtype=np.int32) - 1)[code]
    del code, present
    t_thread = zs.thread[tile]

    # Each tile's bracket: the last REGION or INLINE zone before it (in row order, so
    # on its thread or an earlier one), if that is on its thread and holds it.
    is_bracket = (zs.role == REGION) | (zs.role == INLINE)
    last = np.where(is_bracket, np.arange(len(zs.role), dtype=np.int32), np.int32(-1))
    np.maximum.accumulate(last, out=last)
    bi = last[tile]
    del last, is_bracket
    at = np.maximum(bi, 0)
    inside = (bi >= 0) & (zs.thread[at] == t_thread) & (zs.end[at] >= zs.end[tile])
    kind = np.where(inside, zs.role[at], np.int8(0))
    del at, inside, t_thread
    # An inline dispatch that holds no named tile ran a vmvx module on local-sync: its
    # tiles are VM function zones, whose dispatch names are stale.
    unnamed[np.flatnonzero(zs.role == INLINE)] = True
    unnamed[bi[kind == INLINE]] = False

    parts: list[Found] = []
    notes: list[str] = []
    # local-sync: one invocation per inline bracket; rows keep each bracket's tiles together.
    pick = kind == INLINE
    if pick.any():
        sel = tile[pick]
        new = _changes(bi[pick], name[sel])
        part = _collapse(sel, new, name, zs.start, zs.end, per_tile=True)
        # Its span is the bracket's, set-up and all, as the HAL profile times it; one
        # thread runs all of it, so that is its CPU time too.
        bracket = bi[pick][new]
        part.start, part.end = zs.start[bracket], zs.end[bracket]
        part.cpu = part.end - part.start
        parts.append(part)
    # local-task: regions.
    pick = kind == REGION
    if pick.any():
        part, note = _region_invocations(zs, tile[pick], bi[pick], name, len(names))
        parts.append(part)
        if note:
            notes.append(note)
    # No known structure: consecutive zones of one name, in start order over all threads.
    pick = kind == 0
    if pick.any():
        sel = tile[pick]
        order = sel[np.argsort(zs.start[sel], kind="stable")]
        parts.append(_collapse(order, _changes(name[order]), name, zs.start, zs.end,
                               per_tile=False, verified=False))
        notes.append(f"{len(sel):,} dispatch zones lie outside any region or inline dispatch "
                     f"zone; their invocations are runs of consecutive zones of one name")
    del tile, bi, kind, name

    all_of = _joined(parts)
    by_time = np.argsort(all_of.start, kind="stable")  # as a timeline reads
    columns = {f: getattr(all_of, f)[by_time] for f in Found.__dataclass_fields__}
    return Invocations(**columns, names=names, function_wall_ns=function_wall(zs), notes=notes,
                       unnamed=(int(unnamed.sum()), int((zs.end - zs.start)[unnamed].sum())))


def _joined(parts: list[Found]) -> Found:
    """The invocations of several rules, one after the other."""
    if not parts:
        none = np.zeros(0, np.int64)
        return Found(none, none, none, none, none, none, np.zeros(0, bool), np.zeros(0, bool))
    return Found(**{f: np.concatenate([getattr(p, f) for p in parts])
                    for f in Found.__dataclass_fields__})


def _region_invocations(zs: Zones, sel: I64, bracket: I32, name: I32,
                        n_names: int) -> tuple[Found, str | None]:
    """Invocations of the tiles at `sel` (positions in `zs`, in row order), which lie
    inside process_region zones (`bracket`: each one's position in `zs`)."""
    # Runs: a worker's consecutive zones of one name in one process_region zone (the
    # batches it took of one command, or of several commands of one executable). The
    # rest works on runs, and on zones only where a run must be split.
    run_first = np.flatnonzero(_changes(bracket, name[sel]))
    run_zones = np.diff(np.r_[run_first, len(sel)]).astype(np.int64)
    first_zone = sel[run_first]
    r_start = np.minimum.reduceat(zs.start[sel], run_first)
    r_end = np.maximum.reduceat(zs.end[sel], run_first)
    dur = zs.end[sel] - zs.start[sel]
    r_cpu = np.add.reduceat(dur, run_first)
    del dur
    r_bracket, r_name, r_thread = bracket[run_first], name[first_zone], zs.thread[first_zone]

    # Regions: clusters of overlapping process_region zones that hold tiles.
    new_bracket = _changes(r_bracket)
    used = r_bracket[new_bracket]
    by_start = np.argsort(zs.start[used], kind="stable")
    b_start, b_end = zs.start[used][by_start], zs.end[used][by_start]
    new_region = np.r_[True, b_start[1:] > np.maximum.accumulate(b_end)[:-1]]
    region_of_used = np.empty(len(used), np.int64)
    region_of_used[by_start] = np.cumsum(new_region) - 1
    region = region_of_used[np.cumsum(new_bracket) - 1]
    n_regions = int(region.max()) + 1
    region_start = b_start[new_region]

    # Per (region, name): its runs, and the fewest commands the workers' orders need.
    # A worker visits a region's commands once each, in order: a name in two runs
    # of one worker's stretch of a region (X Y X) has at least two commands.
    segment = np.cumsum(_changes(r_thread, region)) - 1
    keys = np.sort(segment * n_names + r_name)
    pair_key = region * n_names + r_name
    order = np.argsort(pair_key, kind="stable")  # runs: a few sorted stretches, one a thread
    heads = np.flatnonzero(_changes(pair_key[order]))
    pairs = pair_key[order][heads]
    pair_runs = np.diff(np.r_[heads, len(order)])
    pair_zones = np.add.reduceat(run_zones[order], heads)
    lower = np.ones(len(pairs), np.int64)
    if (keys[1:] == keys[:-1]).any():  # (segment, name) keys seen more than once: count them
        k_unique, k_count = np.unique(keys, return_counts=True)
        many = k_count > 1
        seg_region = region[np.flatnonzero(_changes(segment))]
        p = seg_region[k_unique[many] // n_names] * n_names + k_unique[many] % n_names
        np.maximum.at(lower, np.searchsorted(pairs, p), k_count[many])
    p_region = pairs // n_names
    names_in_region = np.bincount(p_region, minlength=n_regions)
    lower_sum = np.bincount(p_region, weights=lower, minlength=n_regions).astype(np.int64)

    commands, note = _recorded_commands(zs, region_start, names_in_region)
    known = (commands >= 0)[p_region]
    d = commands[p_region]
    k = lower.copy()
    one_name = known & (names_in_region[p_region] == 1) & (d >= lower)
    k[one_name] = d[one_name]
    # A count the names cannot explain: a duplicate hides among them, nobody knows which.
    ambiguous = known & ~one_name & (lower_sum[p_region] != d)
    # k commands of one executable: the zones, in start order, in k equal runs.
    k = np.minimum(k, pair_zones)
    ambiguous |= (k > 1) & (pair_zones % np.maximum(k, 1) != 0)

    # One invocation per (region, name), from its runs...
    single = k[np.repeat(np.arange(len(pairs)), pair_runs)] == 1  # along `order`
    pick = order[single]
    new = _changes(pair_key[pick])
    pair_of = np.repeat(np.arange(len(pairs)), pair_runs)[single]
    parts = [_collapse(pick, new, r_name, r_start, r_end, per_tile=False, cpu=r_cpu,
                       count=run_zones, ambiguous=ambiguous[pair_of], verified=known[pair_of])]
    del pick, new, pair_of, r_start, r_end, r_cpu
    # ...except where k commands of one executable share it: their zones, in start
    # order (a worker takes a command's batches once the previous one's are all
    # claimed), cut into k runs.
    split = np.flatnonzero(k > 1)
    if len(split):
        runs = order[_positions(heads[split], pair_runs[split])]
        zone_pair = np.repeat(np.repeat(split, pair_runs[split]), run_zones[runs])
        zones = sel[_positions(run_first[runs], run_zones[runs])]
        by_start = np.lexsort((zs.start[zones], zone_pair))
        zones, zone_pair = zones[by_start], zone_pair[by_start]
        n_of = np.repeat(pair_zones[split], pair_zones[split])
        rank = np.arange(len(zones)) - np.repeat(np.cumsum(pair_zones[split]) -
                                                 pair_zones[split], pair_zones[split])
        chunk = rank * k[zone_pair] // n_of
        parts.append(_collapse(zones, _changes(zone_pair, chunk), name, zs.start, zs.end,
                               per_tile=False, ambiguous=ambiguous[zone_pair],
                               verified=known[zone_pair]))
    return _joined(parts), note


def _positions(heads: I64, lengths: I64) -> I64:
    """The indices heads[i] .. heads[i] + lengths[i] - 1, for every i, concatenated."""
    total = int(lengths.sum())
    starts = np.repeat(heads - np.r_[0, np.cumsum(lengths)[:-1]], lengths)
    out: I64 = np.arange(total, dtype=np.int64) + starts
    return out


def _recorded_commands(zs: Zones, region_start: I64, names_in_region: I64) -> tuple[I64, str | None]:
    """Per region, the number of dispatch commands its recording gives, or -1 if unknown.

    Recordings: on a thread, the dispatch and barrier zones between a command
    buffer's begin and end; a recording is the list of its dispatch counts per
    region (regions without a dispatch left out). Executions: the regions after
    each `iree_hal_device_queue_execute`. An execution takes the recording of its
    shape (as many regions, none with more names than dispatches), if all such
    recordings agree.
    """
    out = np.full(len(region_start), -1, np.int64)
    recordings = _recordings(zs)
    ex = np.sort(zs.start[zs.role == EXECUTE])
    if not recordings or not len(ex) or not len(region_start):
        return out, ("the capture holds no command-buffer recording or queue execution: "
                     "invocation counts of repeated dispatches are not checked")
    execution = np.searchsorted(ex, region_start, side="right") - 1
    heads = np.flatnonzero(np.r_[True, execution[1:] != execution[:-1]])
    sizes = np.diff(np.r_[heads, len(execution)])
    by_size: dict[int, list[I64]] = {}
    for rec in recordings:
        by_size.setdefault(len(rec), []).append(rec)
    unmatched = 0
    for size in sorted(set(sizes.tolist())):
        starts = heads[(sizes == size) & (execution[heads] >= 0)]
        if not len(starts):
            continue
        block = starts[:, None] + np.arange(size)[None, :]
        names = names_in_region[block]
        candidates = by_size.get(int(size), [])
        fits = np.array([(names <= rec[None, :]).all(axis=1) for rec in candidates]) \
            if candidates else np.zeros((0, len(starts)), bool)
        for j, rec in enumerate(candidates):
            # Rows this recording fits and no differing recording also fits.
            others = [i for i, r in enumerate(candidates) if i != j and not np.array_equal(r, rec)]
            alone = fits[j] & ~fits[others].any(axis=0) if others else fits[j]
            out[block[alone]] = rec
        unmatched += int((~fits.any(axis=0)).sum()) if len(candidates) else len(starts)
    note = None
    if unmatched:
        note = (f"{unmatched:,} executions matched no command-buffer recording: their "
                f"invocation counts of repeated dispatches are not checked")
    return out, note


def _recordings(zs: Zones) -> list[I64]:
    """Distinct recordings, each as its dispatch count per region (regions with a dispatch)."""
    pick = np.flatnonzero(np.isin(zs.role, (CB_BEGIN, CB_END, CB_DISPATCH, CB_BARRIER)))
    if not len(pick):
        return []
    role, thread = zs.role[pick], zs.thread[pick]
    begin, end = role == CB_BEGIN, role == CB_END
    opened = np.cumsum(begin)
    closed = np.cumsum(end) - end
    owner = np.flatnonzero(begin)
    inside = (opened > closed) & (opened > 0)
    inside &= thread == thread[owner[np.maximum(opened - 1, 0)]] if len(owner) else False
    recording = opened - 1
    region = np.cumsum(role == CB_BARRIER)
    dispatch = inside & (role == CB_DISPATCH)
    if not dispatch.any():
        return []
    # Rows are in time order on each thread: (recording, region) never decreases.
    rec, reg = recording[dispatch], region[dispatch]
    heads = np.flatnonzero(_changes(rec, reg))
    counts = np.diff(np.r_[heads, len(rec)]).astype(np.int64)
    first = np.flatnonzero(_changes(rec[heads]))
    seen: dict[bytes, I64] = {}
    for a, b in zip(first, np.r_[first[1:], len(heads)]):
        shape = counts[a:b]
        seen.setdefault(shape.tobytes(), shape)
    return list(seen.values())
