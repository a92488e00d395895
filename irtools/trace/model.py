"""`Trace`: a read capture with its zones as column arrays and DataFrames.

Names are interned: every name is an index into the capture's string table,
folded so that equal texts share one code. The *effective name* of a zone is
its per-zone name (ZoneExtra.name, how IREE names dispatch zones on
local-task), else its source location's name, else the function.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from irtools.trace.reader import SrcLocs, TraceData, read_trace
from irtools.units import human_ns

if TYPE_CHECKING:
    import pandas as pd
    from numpy.typing import ArrayLike, NDArray

    from irtools.trace import Progress

CHUNK = 1 << 18  # zones per vectorised step; bounds the temporaries


class Trace:
    def __init__(self, data: TraceData) -> None:
        self.data = data

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, progress: Progress | None = None,
             tree: bool = True) -> Trace:
        """Read a capture. With `tree=False` the zones' depth and parent are not
        kept (less memory for statistics); they are read again when needed."""
        return cls(read_trace(path, progress=progress, tree=tree))

    @classmethod
    def of(cls, trace: Trace | str | os.PathLike[str], *, progress: Progress | None = None) -> Trace:
        """`trace` itself if it is a Trace, else the capture at that path, read."""
        return trace if isinstance(trace, Trace) else cls.open(trace, progress=progress)

    def ensure_tree(self) -> None:
        if not self.data.zones.tree:
            self.data = read_trace(self.path, tree=True)

    def reread(self) -> None:
        """Read the capture again (after a one-shot consumer overwrote its columns)."""
        self.data = read_trace(self.path, tree=self.data.zones.tree)

    # -- metadata -----------------------------------------------------------
    @property
    def path(self) -> str:
        return self.data.path

    @property
    def version(self) -> str:
        return ".".join(map(str, self.data.version))

    @property
    def info(self) -> dict[str, Any]:
        return self.data.info

    @property
    def last_time_ns(self) -> int:
        return int(self.data.info["last_time_ns"])

    @property
    def zone_count(self) -> int:
        return self.data.zones.count

    @property
    def strings(self) -> list[str]:
        return self.data.strings

    def __repr__(self) -> str:
        d = self.data
        return (f"<Trace {os.path.basename(d.path)!r} {self.info.get('capture_program', '')}: "
                f"{self.zone_count:,} zones, {len(d.zone_threads)} threads, "
                f"{human_ns(self.last_time_ns)}, Tracy {self.version}>")

    def _repr_html_(self) -> str:
        from irtools.notebook.display import summary_html

        d, info = self.data, self.info
        names = [d.thread_names.get(tid) or str(tid) for tid, _, n in d.zone_threads if n]
        rows = [("program", info.get("capture_program", "")),
                ("captured", info.get("capture_name", "")),
                ("zones", f"{self.zone_count:,}"),
                ("threads with zones", f"{len(names)}: {', '.join(names)}"),
                ("duration", human_ns(self.last_time_ns)),
                ("file", f"{d.path} (Tracy {self.version}, {d.compression}, "
                         f"{d.streams} stream{'s' if d.streams != 1 else ''})")]
        if len(d.messages["text"]):
            rows.append(("messages", f"{len(d.messages['text']):,}"))
        return summary_html(f"Trace {os.path.basename(d.path)}", rows)

    # -- interned names -----------------------------------------------------
    @functools.cached_property
    def canonical(self) -> NDArray[np.int64]:
        """Per string index, the first index holding the same text (-1 maps to -1)."""
        first: dict[str, int] = {}
        canon = np.empty(len(self.strings) + 1, np.int64)
        for i, text in enumerate(self.strings):
            canon[i] = first.setdefault(text, i)
        canon[-1] = -1  # so that canon[-1] keeps "no string"
        return canon

    @functools.cached_property
    def srcloc_display(self) -> NDArray[np.int64]:
        """Per srcloc slot: the string index csvexport shows (name, else function)."""
        s: SrcLocs = self.data.srclocs
        return self.canonical[np.where(s.name >= 0, s.name, s.function)]

    @functools.cached_property
    def srcloc_instance(self) -> np.ndarray:
        """Per srcloc slot: how many source locations before it (in slot order) have
        the same name, function, file, line and colour; 0 for most.

        Tracy keeps two source locations apart that print the same, e.g. one
        `ZoneScoped` in a template instantiated twice; their ids are this
        capture's own, so comparing captures pairs them by these fields and this
        number instead (see `compare`).
        """
        s: SrcLocs = self.data.srclocs
        canon = self.canonical
        instance = np.zeros(len(s.known), np.int64)
        seen: dict[tuple[object, ...], int] = {}
        for slot in np.flatnonzero(s.known).tolist():
            fields = (canon[s.name[slot]], canon[s.function[slot]], canon[s.file[slot]],
                      int(s.line[slot]), int(s.color[slot]))
            instance[slot] = seen.get(fields, 0)
            seen[fields] = int(instance[slot]) + 1
        return instance

    def name_of(self, code: int) -> str:
        return self.strings[code] if 0 <= code < len(self.strings) else "<unknown>"

    def categorical(self, codes: ArrayLike) -> pd.Categorical:
        """String indices (-1 = none, shown as "") as a pandas Categorical."""
        import pandas as pd

        used, inverse = np.unique(np.asarray(codes, np.int64), return_inverse=True)
        labels = [self.strings[c] if c >= 0 else "" for c in used]
        if len(set(labels)) < len(labels):  # "" from both -1 and an empty string
            remap, labels = pd.factorize(pd.Index(labels))
            inverse = remap[inverse]
            labels = list(labels)
        return pd.Categorical.from_codes(inverse.astype(np.int32), labels)

    # -- per-zone derived arrays (computed a chunk at a time) ---------------
    def zone_thread_index(self, sl: slice = slice(None)) -> NDArray[np.uint16]:
        """Per zone, the position of its thread in the file's thread list."""
        firsts = np.array([first for _, first, _ in self.data.zone_threads], np.int64)
        rows = np.arange(*sl.indices(self.zone_count))
        return (np.searchsorted(firsts, rows, side="right") - 1).astype(np.uint16)

    def thread_tids(self) -> NDArray[np.uint64]:
        return np.array([t for t, _, _ in self.data.zone_threads], np.uint64)

    def compressed_thread(self) -> dict[int, int]:
        """tid -> Tracy's 16-bit thread number (csvexport's `thread` column)."""
        return {tid: i for i, tid in enumerate(self.data.thread_ids)}

    def effective_codes(self, sl: slice = slice(None)) -> NDArray[np.int64]:
        """String index of each zone's effective name."""
        z, d = self.data.zones, self.data
        extra = z.extra[sl]
        named = d.extra_name[np.minimum(extra, len(d.extra_name) - 1)] if len(d.extra_name) else \
            np.zeros(len(extra), np.uint32)
        named = np.where(extra < len(d.extra_name), named, 0)
        base = self.srcloc_display[z.srcloc[sl].astype(np.int64) + SrcLocs.OFFSET]
        return np.where(named > 0, self.canonical[named.astype(np.int64) - 1], base)

    def zone_strings(self, which: str, sl: slice = slice(None)) -> NDArray[np.int64]:
        """String index (+1, 0 none) of the per-zone `text` or `name` of each zone."""
        z, d = self.data.zones, self.data
        table = d.extra_text if which == "text" else d.extra_name
        extra = z.extra[sl]
        if not len(table):
            return np.zeros(len(extra), np.int64)
        ok = extra < len(table)
        return np.where(ok, table[np.where(ok, extra, 0)], 0).astype(np.int64)

    def durations(self) -> NDArray[np.int64]:
        """end - start per zone; -1 for zones that never ended."""
        z = self.data.zones
        dur = z.end - z.start
        dur[z.end < 0] = -1
        return dur

    def child_spans(self) -> NDArray[np.int64]:
        """Per zone, the summed spans of its direct children that ended (int64)."""
        self.ensure_tree()
        z = self.data.zones
        child = np.zeros(z.count, np.int64)
        for a in range(0, z.count, CHUNK):
            sl = slice(a, min(a + CHUNK, z.count))
            parent, end = z.parent[sl], z.end[sl]
            ok = (parent >= 0) & (end >= 0)
            np.add.at(child, parent[ok], (end - z.start[sl])[ok])
        return child

    def self_times(self, dur: NDArray[np.int64] | None = None) -> NDArray[np.int64]:
        """Span minus the spans of the direct children (as Tracy computes self time)."""
        if dur is None:
            dur = self.durations()
        out = dur - self.child_spans()
        out[dur < 0] = -1
        return out

    # -- tables -------------------------------------------------------------
    def zones(self, *, text: bool = True) -> pd.DataFrame:
        """One row per CPU zone, as a pandas DataFrame.

        Columns: thread (OS thread id), thread_name, depth, parent (row of the
        parent zone, -1 at top level), start_ns, end_ns, duration_ns, self_ns
        (<NA> for zones that never ended), name (effective name), zone_name,
        srcloc_name, function, src_file, src_line, srcloc, text.
        """
        return self._zone_frame(slice(0, self.zone_count), self.child_spans(), text)

    def zone_frames(self, *, text: bool = True, chunk: int = CHUNK) -> Iterator[pd.DataFrame]:
        """`zones()` a chunk of rows at a time, for writers that stream.

        Same columns and row numbers; categories are per chunk. Only the
        children's spans (for self times) are summed for all zones at once, 8
        bytes a zone. A capture without zones gives one empty frame.
        """
        child = self.child_spans()
        for a in range(0, max(self.zone_count, 1), chunk):
            yield self._zone_frame(slice(a, min(a + chunk, self.zone_count)), child, text)

    def _zone_frame(self, sl: slice, child: NDArray[np.int64], text: bool) -> pd.DataFrame:
        import pandas as pd

        d, z = self.data, self.data.zones
        s = d.srclocs
        slot = z.srcloc[sl].astype(np.int64) + SrcLocs.OFFSET
        cat = self.categorical
        threads = self.thread_tids()
        tindex = self.zone_thread_index(sl)
        names = pd.Categorical([d.thread_names.get(int(t), "") for t in threads])
        end = z.end[sl]
        unfinished = end < 0
        dur = end - z.start[sl]
        self_ns = dur - child[sl]
        frame = pd.DataFrame({
            "thread": threads[tindex] if len(threads) else np.zeros(0, np.uint64),
            "thread_name": names[tindex] if len(threads) else pd.Categorical([]),
            "depth": z.depth[sl],
            "parent": z.parent[sl],
            "start_ns": z.start[sl],
            "end_ns": pd.arrays.IntegerArray(end.copy(), unfinished),
            "duration_ns": pd.arrays.IntegerArray(dur, unfinished.copy()),
            "self_ns": pd.arrays.IntegerArray(self_ns, unfinished.copy()),
            "name": cat(self.effective_codes(sl)),
            "zone_name": cat(self.zone_strings("name", sl) - 1),
            "srcloc_name": cat(self.canonical[s.name[slot]]),
            "function": cat(self.canonical[s.function[slot]]),
            "src_file": cat(self.canonical[s.file[slot]]),
            "src_line": s.line[slot],
            "srcloc": z.srcloc[sl],
        }, index=pd.RangeIndex(sl.start, sl.stop))
        if text:
            frame["text"] = cat(self.zone_strings("text", sl) - 1)
        return frame

    def threads(self) -> pd.DataFrame:
        import pandas as pd

        d = self.data
        numbers = self.compressed_thread()
        return pd.DataFrame(
            [{"thread": tid, "name": d.thread_names.get(tid, ""), "tracy_thread": numbers.get(tid),
              "zones": n} for tid, _, n in d.zone_threads])

    def messages(self) -> pd.DataFrame:
        import pandas as pd

        m = self.data.messages
        return pd.DataFrame({"time_ns": m["time_ns"], "thread": m["thread"], "text": m["text"]})

    def plots(self) -> dict[str, pd.DataFrame]:
        """Plot name -> DataFrame(time_ns, value)."""
        import pandas as pd

        return {p["name"]: pd.DataFrame({"time_ns": p["time_ns"], "value": p["value"]})
                for p in self.data.plots}

    def frames(self) -> dict[str, pd.DataFrame]:
        import pandas as pd

        return {f["name"]: pd.DataFrame({"start_ns": f["start_ns"], "end_ns": f["end_ns"]})
                for f in self.data.frames}

    def gpu_zones(self) -> pd.DataFrame:
        import pandas as pd

        g = self.data.gpu_zones
        frame = pd.DataFrame(g)
        if len(frame):
            slot = frame["srcloc"].to_numpy() + SrcLocs.OFFSET
            frame["name"] = [self.name_of(c) for c in self.srcloc_display[slot]]
        return frame
