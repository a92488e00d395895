"""Rank zones: group them, then count, total, mean, median, min, max, std, p90, p99.

Memory matters on captures of tens of millions of zones, so the statistics
come from one sorted uint64 array per call, `group << 42 | time`, built a
chunk at a time: after the sort every group's times lie together, in order,
which gives min, max and quantiles by indexing and sums by `reduceat`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from irtools.errors import UsageError
from irtools.trace import GROUPINGS, SORTS  # noqa: F401  (re-exported)
from irtools.trace.alloc import empty
from irtools.trace.columns import Columns
from irtools.trace.dispatch import Dispatch, parse_dispatch
from irtools.trace.model import CHUNK, Trace
from irtools.trace.reader import SrcLocs
from irtools.units import human_ns

if TYPE_CHECKING:
    import pandas as pd
    from numpy.typing import NDArray

    from irtools.trace import Progress

try:
    from irtools.trace import _groups
except ImportError:  # pragma: no cover - depends on the build; the numpy path stays
    _groups = None  # type: ignore[assignment]

# A trace, or the path of a capture to read.
TraceLike = Trace | str | os.PathLike[str]
# times_of(zones) -> (time of each zone, whether it counts)
TimesOf = Callable[[slice], tuple["NDArray[np.int64]", "NDArray[np.bool_]"]]

VM_FUNCTION_ZONE = "iree_vm_stack_trace_function_zone_begin"
NO_NAME, DROP_ALWAYS = -2, -3  # name_key / slot_key markers of _groups.pack
UNNAMED_TILES = "iree_hal_local_task_dispatch"
INLINE_DISPATCH = "iree_hal_local_executable_issue_dispatch_inline"
TIME_BITS = 42  # 73 minutes in ns; longer zones take the slower lexsort path
TIME_MASK = (1 << TIME_BITS) - 1
STAT_COLUMNS = ["count", "total_ns", "mean_ns", "median_ns", "min_ns", "max_ns", "std_ns",
                "p90_ns", "p99_ns", "share"]


def zone_selection(trace: Trace, thread: int | str | None = None) -> list[slice]:
    """The zone index ranges of the threads asked for (all threads by default)."""
    threads = trace.data.zone_threads
    if thread is None:
        return [slice(0, trace.zone_count)]
    names = trace.data.thread_names
    wanted = str(thread)
    picked = [slice(first, first + n) for tid, first, n in threads
              if str(tid) == wanted or names.get(tid, "") == wanted]
    if not picked:
        known = ", ".join(f"{tid} ({names.get(tid, '')})" for tid, _, _ in threads[:12])
        raise UsageError(f"no thread {wanted!r} in the capture", path=trace.path,
                         fix=f"pick a thread id or name from: {known}")
    return picked


class _Keys:
    """Per-zone group keys for one grouping: an int64 code, or -1 to drop the zone."""

    def __init__(self, trace: Trace, by: str) -> None:
        if by not in GROUPINGS:
            raise UsageError(f"unknown grouping {by!r}", expected=" | ".join(GROUPINGS))
        self.trace, self.by = trace, by
        strings = trace.strings
        self.info: dict[int, Dispatch] = {}
        self.table = np.zeros(0, np.int64)
        self.op_names: dict[int, str] = {}
        self.vm_slot: NDArray[np.bool_] | None = None
        if by in ("dispatch", "op"):
            canon = trace.canonical
            table = np.full(len(strings) + 1, -1, np.int64)
            ops: dict[str, int] = {}
            for i, text in enumerate(strings):
                parsed = parse_dispatch(text) if canon[i] == i else None
                if parsed is not None:
                    if by == "dispatch":
                        table[i] = i
                        self.info[i] = parsed
                    else:
                        table[i] = ops.setdefault(parsed["op"], len(ops))
            self.table = table
            self.op_names = {v: k for k, v in ops.items()}
            # VM function zones are not dispatch executions. On vmvx they even carry
            # dispatch names, but wrong ones (see `vmvx_warning`): never count them.
            vm = [i for i, text in enumerate(strings) if text == VM_FUNCTION_ZONE]
            self.vm_slot = np.isin(trace.srcloc_display, vm) if vm else None

    def __call__(self, sl: slice) -> NDArray[np.int64]:
        t = self.trace
        if self.by == "srcloc":
            return t.data.zones.srcloc[sl].astype(np.int64) + SrcLocs.OFFSET
        codes = t.effective_codes(sl)
        if self.by == "name":
            return codes
        keys = self.table[codes]
        if self.vm_slot is not None:
            keys[self.vm_slot[t.data.zones.srcloc[sl].astype(np.int64) + SrcLocs.OFFSET]] = -1
        return keys

    def tables(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """(slot_key, name_key): the lookup tables of the C fast path (see _groups.c)."""
        t, d = self.trace, self.trace.data
        if self.by == "srcloc":
            return np.arange(len(t.srcloc_display), dtype=np.int64), np.zeros(0, np.int64)
        slot_key = t.srcloc_display.astype(np.int64)
        named = d.extra_name.astype(np.int64)
        name_key = t.canonical[named - 1]  # named == 0 reads canonical[-1]: replaced below
        if self.by != "name":
            slot_key, name_key = self.table[slot_key], self.table[name_key]
            if self.vm_slot is not None:
                slot_key[self.vm_slot] = DROP_ALWAYS
        name_key[named == 0] = NO_NAME
        return slot_key, name_key

    def labels(self, keys: NDArray[np.int64]) -> dict[str, Any]:
        """Columns describing each group key, in key order."""
        t = self.trace
        if self.by == "srcloc":
            s = t.data.srclocs
            return {
                "name": [t.name_of(c) for c in t.srcloc_display[keys]],
                "src_file": [t.name_of(t.canonical[c]) if c >= 0 else "" for c in s.file[keys]],
                "src_line": s.line[keys].astype(np.int64),
                # What else tells source locations apart (see Trace.srcloc_instance).
                "src_function": [t.name_of(t.canonical[c]) if c >= 0 else ""
                                 for c in s.function[keys]],
                "src_color": s.color[keys].astype(np.int64),
                "src_instance": t.srcloc_instance[keys],
            }
        if self.by == "op":
            return {"op": [self.op_names[k] for k in keys]}
        names = [t.name_of(k) for k in keys]
        if self.by == "name":
            return {"name": names}
        parsed = [self.info[k] for k in keys]
        return {"name": names, **{col: [p[col] for p in parsed] for col in
                                  ("function", "ordinal", "op", "op_kind", "shape",
                                   "element_type")}}


def _times(trace: Trace, self_time: bool, fast: bool = True) -> tuple[TimesOf, NDArray[np.int64] | None]:
    """A function giving (time, counted) for a slice of zones, and the self times
    of all zones when the C path made them (the C packer takes them whole).

    A zone counts when it ended and lasted more than 0 ns, as in Tracy's own
    statistics. Self time is its span less its direct children's spans.
    """
    z = trace.data.zones
    if not self_time:
        def get(sl: slice) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
            dur = z.end[sl] - z.start[sl]
            return dur, (z.end[sl] >= 0) & (dur > 0)
        return get, None
    trace.ensure_tree()
    z = trace.data.zones
    if fast and _groups is not None:  # one pass in C, 8 bytes a zone
        own: NDArray[np.int64] = empty(z.count, np.int64)
        _groups.self_times(z.start, z.end, z.parent, own)

        def get_own(sl: slice) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
            return own[sl], own[sl] >= 0
        return get_own, own
    dur = trace.durations()
    has_parent = z.parent >= 0
    child = np.bincount(z.parent[has_parent], weights=np.maximum(dur[has_parent], 0),
                        minlength=z.count)
    del has_parent
    counted = dur > 0
    np.subtract(dur, child, out=dur, casting="unsafe")
    del child

    def get_self(sl: slice) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
        return dur[sl], counted[sl]
    return get_self, None


def group_stats(trace: Trace, *, by: str = "name", self_time: bool = False,
                thread: int | str | None = None, fast: bool = True,
                consume: bool = False) -> tuple[NDArray[np.int64], dict[str, Any], dict[str, Any]]:
    """Statistics per group as column arrays, unsorted: (keys, labels, stats).

    `fast=False` takes the numpy path even where the C extension is built (tests
    compare the two). `consume=True` lets the C path pack the zones into the
    memory of their start times, which are gone afterwards (`zones.start` is set
    to None): for one-shot callers such as the CLI, it saves 8 bytes a zone.
    """
    keys_of = _Keys(trace, by)
    times_of, own = _times(trace, self_time, fast)
    parts = zone_selection(trace, thread)
    slices = [slice(a, min(a + CHUNK, part.stop))
              for part in parts for a in range(part.start, part.stop, CHUNK)]

    def counted() -> Iterator[tuple[NDArray[np.int64], NDArray[np.int64]]]:
        """(keys, times) of the zones that count, a chunk at a time."""
        for sl in slices:
            k = keys_of(sl)
            t, ok = times_of(sl)
            ok = ok & (k >= 0)
            yield k[ok], t[ok]

    # One pass: pack (key, time) of every counted zone into one uint64 and sort;
    # keys then come out grouped, with each group's times in order.
    domain = (len(trace.strings) + 1) if by in ("name", "dispatch") else 65536
    if by == "op":
        domain = max(len(keys_of.op_names), 1)
    packed: NDArray[np.uint64] | None = None
    if domain < (1 << (64 - TIME_BITS - 1)):
        fast = fast and _groups is not None
        whole = len(parts) == 1 and parts[0] == slice(0, trace.zone_count)
        in_place = fast and consume and whole and trace.zone_count > 0
        if in_place:
            # Each zone's packed value is written at or before its own row: safe in place.
            packed = trace.data.zones.start.view(np.uint64)
        else:
            packed = empty(sum(sl.stop - sl.start for sl in slices), np.uint64)
        if fast:
            at = _pack_fast(trace, keys_of, own, parts, packed)
        else:
            at = 0
            for k, t in counted():
                if len(t) and int(t.max()) > TIME_MASK:
                    at = -1
                    break
                packed[at:at + len(k)] = (k.astype(np.uint64) << np.uint64(TIME_BITS)) | \
                    t.astype(np.uint64)
                at += len(k)
        if in_place:
            trace.data.zones.start = None  # type: ignore[assignment]  # a use after this is a bug
        if at < 0:
            packed = None  # a zone longer than 73 minutes: sort pairs instead
            if in_place:  # the start times are half overwritten: read them again
                trace.reread()
                times_of, own = _times(trace, self_time, fast)
    if packed is not None:
        packed = packed[:at]
        packed.sort()
        starts = _group_starts(packed)
        keys = (packed[starts] >> np.uint64(TIME_BITS)).astype(np.int64)
        counts = np.diff(np.r_[starts, len(packed)]).astype(np.int64)
        np.bitwise_and(packed, np.uint64(TIME_MASK), out=packed)
        values: NDArray[np.int64] = packed.view(np.int64)
    else:
        gs, ts = [], []
        for k, t in counted():
            gs.append(k)
            ts.append(t)
        g, t = np.concatenate(gs), np.concatenate(ts)
        order = np.lexsort((t, g))
        g, values = g[order], t[order]
        del order, gs, ts
        starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if len(g) else np.zeros(0, np.int64)
        keys = g[starts]
        counts = np.diff(np.r_[starts, len(g)]).astype(np.int64)
        del g, t
    stats = sorted_stats(values, counts, trace.last_time_ns, fast=fast)
    return keys, keys_of.labels(keys), stats


def _pack_fast(trace: Trace, keys_of: _Keys, times: NDArray[np.int64] | None, parts: list[slice],
               packed: NDArray[np.uint64]) -> int:
    """The C twin of the numpy packing loop: zones packed, or -1 if a time is too long.
    `times`: the C self times, when --self."""
    z = trace.data.zones
    slot_key, name_key = keys_of.tables()
    at = 0
    for part in parts:
        t = times[part] if times is not None else np.zeros(0, np.int64)
        n = _groups.pack(packed[at:], z.start[part], z.end[part], z.srcloc[part],
                         z.extra[part], slot_key, name_key, t, TIME_BITS, TIME_MASK)
        if n < 0:
            return -1
        at += n
    return at


def _group_starts(packed: NDArray[np.uint64]) -> NDArray[np.int64]:
    """Where the key (the high bits) changes in sorted packed values; a chunk at a time
    so that no second array as large as `packed` is made."""
    if not len(packed):
        return np.zeros(0, np.int64)
    parts = [np.zeros(1, np.int64)]
    shift = np.uint64(TIME_BITS)
    for a in range(1, len(packed), CHUNK):
        b = min(a + CHUNK, len(packed))
        change = (packed[a:b] >> shift) != (packed[a - 1:b - 1] >> shift)
        parts.append(np.flatnonzero(change) + a)
    return np.concatenate(parts)


def sorted_stats(values: NDArray[np.int64], counts: NDArray[np.int64], last_time: int,
                 fast: bool = True) -> dict[str, Any]:
    """Per-group statistics from the group-sorted times."""
    groups = len(counts)
    if groups == 0:
        return {c: np.zeros(0, np.int64) for c in STAT_COLUMNS}
    ends = np.cumsum(counts)
    starts = ends - counts
    total = np.add.reduceat(values, starts)
    mean = total / counts

    def quantile(q: float) -> NDArray[np.int64]:
        pos = q * (counts - 1)
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, counts - 1)
        a, b = values[starts + lo], values[starts + hi]
        exact: NDArray[np.float64] = a + (b - a) * (pos - lo)
        return np.rint(exact).astype(np.int64)

    # Sample standard deviation, two-pass (deviations from the mean) so that it
    # does not cancel the way sum-of-squares formulas do on long runs.
    sq = np.zeros(groups)
    if fast and _groups is not None:
        _groups.sq_dev(np.ascontiguousarray(values), counts, mean, sq)
    else:
        for a in range(0, len(values), CHUNK):
            idx = np.arange(a, min(a + CHUNK, len(values)))
            g = np.searchsorted(ends, idx, side="right")
            dev = values[idx] - mean[g]
            sq += np.bincount(g, weights=dev * dev, minlength=groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        std = np.where(counts > 1, np.sqrt(sq / np.maximum(counts - 1, 1)), 0.0)
    return {
        "count": counts,
        "total_ns": total,
        "mean_ns": total // counts,
        "median_ns": quantile(0.5),
        "min_ns": values[starts],
        "max_ns": values[ends - 1],
        "std_ns": np.rint(std).astype(np.int64),
        "p90_ns": quantile(0.9),
        "p99_ns": quantile(0.99),
        "share": 100.0 * total / last_time if last_time > 0 else np.full(groups, np.nan),
    }


def hotspots(trace: TraceLike, *, by: str = "name", self_time: bool = False,
             sort: str | None = None, top: int | None = None, filter: str | None = None,
             thread: int | str | None = None, profile: str | os.PathLike[str] | None = None,
             progress: Progress | None = None) -> pd.DataFrame:
    """Rank the zones of a capture (a `Trace` or a path) as a pandas DataFrame.

    `by`: name (effective name, as Tracy's GUI shows), srcloc (as csvexport),
    dispatch (one row per IREE dispatch: its invocations, wall and CPU time; see
    `dispatch_table`), or op (dispatch tile time summed by op kind). Times are
    integer nanoseconds in `*_ns` columns; `share` is the percentage of the
    capture's length (for dispatches: of the function's wall time). Quantiles
    interpolate linearly and round to the nanosecond; `std_ns` is the sample
    deviation. `profile`: a HAL profile (.ireeprof, or iree-profile JSONL) of the
    same run, which makes the dispatch view exact.
    """
    return rank(trace, by=by, self_time=self_time, sort=sort, top=top, filter=filter,
                thread=thread, profile=profile, progress=progress).to_pandas()


def compile_filter(filter: str | None) -> re.Pattern[str] | None:
    if not filter:
        return None
    try:
        return re.compile(filter)
    except re.error as err:
        raise UsageError(f"bad --filter regular expression {filter!r}: {err}") from None


def _check(sort: str | None, top: int | None) -> None:
    if sort is not None and sort not in SORTS:
        raise UsageError(f"unknown sort key {sort!r}", expected=" | ".join(SORTS))
    if top is not None and top < 1:
        raise UsageError(f"--top must be at least 1, not {top}")


def rank(trace: TraceLike, *, by: str = "name", self_time: bool = False,
         sort: str | None = None, top: int | None = None, filter: str | None = None,
         thread: int | str | None = None, profile: str | os.PathLike[str] | None = None,
         progress: Progress | None = None, consume: bool = False) -> Columns:
    """`hotspots` as plain columns (no pandas): what the CLI prints.

    `consume=True`: the trace is not used afterwards, and its zone start times
    may be overwritten (see `group_stats`)."""
    _check(sort, top)
    if by == "dispatch":
        if thread is not None:
            raise UsageError("--thread does not apply to --by dispatch: an invocation spans "
                             "the worker threads",
                             fix="use --by name --thread T to see one thread's zones")
        from irtools.trace.dispatch_table import dispatch_table, sort_dispatches

        trace = Trace.of(trace, progress=progress)
        return sort_dispatches(dispatch_table(trace, profile=profile, consume=consume),
                               sort=sort, top=top, filter=filter)
    if profile is not None:
        raise UsageError("a HAL profile can only be merged into the dispatch view",
                         fix="add --by dispatch")
    # Zones have one time: wall and cpu both rank by their total.
    key = "total" if sort in (None, "wall", "cpu") else str(sort)
    pattern = compile_filter(filter)
    trace = Trace.of(trace, progress=progress)
    warning = vmvx_warning(trace) if by == "op" else None
    _keys, labels, stats = group_stats(trace, by=by, self_time=self_time, thread=thread,
                                       consume=consume)
    table = Columns({**labels, **stats}, dict(trace=trace.path, by=by, self_time=self_time,
                                               last_time_ns=trace.last_time_ns))
    label = table["op" if by == "op" else "name"]
    # Tracy's statistics drop empty rows; ties in the sort key go by name, then key order.
    value = table[{"total": "total_ns", "mean": "mean_ns", "count": "count",
                   "max": "max_ns"}[key]].tolist()
    rows = [i for i, total in enumerate(table["total_ns"].tolist())
            if total > 0 and (pattern is None or pattern.search(label[i]) is not None)]
    rows.sort(key=lambda i: (-value[i], label[i]))
    table = table.take(rows[:top] if top is not None else rows)
    if warning:
        table.attrs["warning"] = warning
    return table


def vmvx_warning(trace: Trace) -> str | None:
    """Say plainly when a capture cannot tell its dispatches apart (vmvx modules).

    On local-task the tile zones carry the generic name `iree_hal_local_task_dispatch`;
    on local-sync only the inline dispatch zone marks an execution. In both the
    dispatch names seen on VM function zones are stale: the Tracy server
    resolves those names through a pointer that the VM reuses for every call on
    a worker, so the first name seen at that address sticks to all later calls
    (each of those zones shows the same pointer as its text). Their times belong
    to other dispatches; only the HAL profile (.ireeprof) knows the real split.
    """
    codes = [i for i, text in enumerate(trace.strings) if text == UNNAMED_TILES]
    if not codes:
        if INLINE_DISPATCH not in trace.strings:
            return None
        # local-sync: which inline dispatches hold no named tile takes the nesting.
        from irtools.trace.invocations import tracy_invocations

        return unnamed_warning(*tracy_invocations(trace).unnamed)
    names = trace.effective_codes()
    valid = trace.data.zones.end >= 0
    unnamed = np.isin(names, codes) & valid
    n = int(unnamed.sum())
    total = int((trace.data.zones.end[unnamed] - trace.data.zones.start[unnamed]).sum())
    return unnamed_warning(n, total)


def unnamed_warning(n: int, total: int) -> str | None:
    """The note of `vmvx_warning`, for `n` unnamed tile zones lasting `total` ns."""
    if not n:
        return None
    return (f"{n:,} dispatch zones ({human_ns(total)}) carry no dispatch name in this capture "
            f"(a vmvx module); Tracy cannot attribute them, and the dispatch "
            f"names on its VM function zones are stale, so they are left out. "
            f"Record a HAL profile (--device_profiling_mode=host-execution) and pass it with "
            f"--profile for per-dispatch times")
