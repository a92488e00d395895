"""Chrome trace-event JSON, as ui.perfetto.dev and chrome://tracing open it.

One complete event ("ph": "X") per CPU zone, named by the zone's effective
name, with its text, source location and function in `args`; thread names as
metadata events; messages as instant events; Tracy plots as counters.

Times are microseconds written with exactly three decimals, so every value
is a whole number of nanoseconds: `round(ts * 1000)` gives back `start_ns`.

The document comes out as a sequence of text pieces, one per chunk of zones,
formatted from the zone columns. The part of an event that only depends on
(name, text, source location) is formatted once and shared.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from irtools.trace.model import CHUNK, Trace
from irtools.trace.reader import SrcLocs

if TYPE_CHECKING:
    from irtools.trace import Progress

_SLOTS = 1 << 17  # srcloc slot (16 bits) and the unfinished flag


def us(ns: int) -> str:
    """Nanoseconds as microseconds with three decimals: 1234567 -> 1234.567."""
    sign = "-" if ns < 0 else ""
    whole, frac = divmod(abs(int(ns)), 1000)
    return f"{sign}{whole}.{frac:03d}"


def _dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


class _Tails:
    """The end of a zone event: `,"name":...,"args":{...}}`, cached per kind of zone."""

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self.cache: dict[tuple[int, int, int, int], str] = {}

    def get(self, name: int, text: int, slot: int, unfinished: int) -> str:
        key = (name, text, slot, unfinished)
        tail = self.cache.get(key)
        if tail is None:
            if len(self.cache) > 100_000:  # per-zone texts that never repeat
                self.cache.clear()
            tail = self.cache[key] = self._format(*key)
        return tail

    def _format(self, name: int, text: int, slot: int, unfinished: int) -> str:
        t = self.trace
        s = t.data.srclocs
        label = t.name_of(name)
        args: dict[str, Any] = {}
        if text > 0:
            args["text"] = t.name_of(text - 1)
        if s.file[slot] >= 0:
            args["source"] = f"{t.name_of(t.canonical[s.file[slot]])}:{int(s.line[slot])}"
        if s.function[slot] >= 0:
            function = t.name_of(t.canonical[s.function[slot]])
            if function != label:
                args["function"] = function
        if unfinished:
            args["unfinished"] = True
        return f',"name":{_dumps(label)},"args":{_dumps(args)}}}'


def _zone_piece(trace: Trace, tails: _Tails, sl: slice, head: str) -> str:
    """The events of the zones in `sl` (all of one thread), each after a comma."""
    z = trace.data.zones
    start = z.start[sl]
    end = z.end[sl]
    unfinished = end < 0
    end = np.where(unfinished, max(trace.last_time_ns, 0), end)
    dur = np.maximum(end - start, 0)
    names = trace.effective_codes(sl)
    texts = trace.zone_strings("text", sl)
    slots = z.srcloc[sl].astype(np.int64) + SrcLocs.OFFSET
    # Kinds of zone: (name, text) pairs first, then with the slot and the flag.
    width = len(trace.strings) + 2
    pairs, pair_of = np.unique((names + 1) * width + texts, return_inverse=True)
    kinds, kind_of = np.unique(pair_of.astype(np.int64) * _SLOTS + slots * 2 + unfinished,
                               return_inverse=True)
    ends = []
    for k in kinds.tolist():
        pair = int(pairs[k // _SLOTS])
        ends.append(tails.get(pair // width - 1, pair % width, (k % _SLOTS) // 2, k & 1))
    tail_list = np.array(ends, dtype=object)[kind_of].tolist()
    if start.min(initial=0) < 0:  # not seen in real captures; the slow way keeps it right
        ts = [us(v) for v in start.tolist()]
        template = head + '%s,"dur":%d.%03d%s'
        rows = zip(ts, *(a.tolist() for a in np.divmod(dur, 1000)), tail_list)
    else:
        template = head + '%d.%03d,"dur":%d.%03d%s'
        rows = zip(*(a.tolist() for a in (*np.divmod(start, 1000), *np.divmod(dur, 1000))),
                   tail_list)
    return ",\n".join(itertools.chain([""], map(template.__mod__, rows)))


def _metadata(trace: Trace, pid: int) -> list[str]:
    d = trace.data
    info = d.info
    process = info.get("capture_name") or info.get("capture_program") or trace.path
    out = [_dumps({"ph": "M", "name": "process_name", "pid": pid, "args": {"name": process}})]
    tids = list(dict.fromkeys([tid for tid, _, _ in d.zone_threads] + list(d.thread_names)))
    for order, tid in enumerate(tids):
        name = d.thread_names.get(tid) or str(tid)
        out.append(_dumps({"ph": "M", "name": "thread_name", "pid": pid, "tid": int(tid),
                           "args": {"name": name}}))
        out.append(_dumps({"ph": "M", "name": "thread_sort_index", "pid": pid,
                           "tid": int(tid), "args": {"sort_index": order}}))
    return out


def _messages(trace: Trace, pid: int) -> list[str]:
    m = trace.data.messages
    return [f'{{"ph":"i","s":"t","pid":{pid},"tid":{int(tid)},"ts":{us(t)},'
            f'"name":{_dumps(text)}}}'
            for t, tid, text in zip(m["time_ns"].tolist(), m["thread"].tolist(), m["text"])]


def _counters(trace: Trace, pid: int) -> list[str]:
    out = []
    for plot in trace.data.plots:
        name = _dumps(plot["name"])
        for t, v in zip(np.asarray(plot["time_ns"]).tolist(), np.asarray(plot["value"]).tolist()):
            if math.isfinite(v):
                out.append(f'{{"ph":"C","pid":{pid},"name":{name},"ts":{us(t)},'
                           f'"args":{{"value":{_dumps(v)}}}}}')
    return out


def chrome_json(trace: Trace, *, progress: Progress | None = None, chunk: int = CHUNK) -> Iterator[str]:
    """Yield the JSON document as text pieces, zones a chunk at a time."""
    info = trace.data.info
    pid = int(info.get("pid") or 1)
    other = {"source": "irtools", "capture": trace.path, "tracy_version": trace.version,
             "program": info.get("capture_program", ""), "zones": trace.zone_count}
    yield (f'{{"displayTimeUnit":"ns","otherData":{_dumps(other)},"traceEvents":[\n'
           + ",\n".join(_metadata(trace, pid)))
    tails = _Tails(trace)
    done = 0
    for tid, first, count in trace.data.zone_threads:
        head = f'{{"ph":"X","pid":{pid},"tid":{int(tid)},"ts":'
        for a in range(first, first + count, chunk):
            sl = slice(a, min(a + chunk, first + count))
            yield _zone_piece(trace, tails, sl, head)
            done += sl.stop - sl.start
            if progress:
                progress(done, trace.zone_count)
    rest = _messages(trace, pid) + _counters(trace, pid)
    yield "".join(",\n" + e for e in rest) + "\n]}\n"
