"""`Trace`: a read capture with its zones as column arrays and DataFrames.

Names are interned: every name is an index into the capture's string table,
folded so that equal texts share one code. The *effective name* of a zone is
its per-zone name (ZoneExtra.name, how IREE names dispatch zones on
local-task), else its source location's name, else the function.
"""

from __future__ import annotations

import functools

import numpy as np

from irtools.trace.reader import SrcLocs, TraceData, read_trace

CHUNK = 1 << 18  # zones per vectorised step; bounds the temporaries


class Trace:
    def __init__(self, data: TraceData):
        self.data = data

    @classmethod
    def open(cls, path, *, progress=None, tree: bool = True) -> "Trace":
        """Read a capture. With `tree=False` the zones' depth and parent are not
        kept (less memory for statistics); they are read again when needed."""
        return cls(read_trace(path, progress=progress, tree=tree))

    def ensure_tree(self):
        if not self.data.zones.tree:
            self.data = read_trace(self.path, tree=True)

    # -- metadata -----------------------------------------------------------
    @property
    def path(self) -> str:
        return self.data.path

    @property
    def version(self) -> str:
        return ".".join(map(str, self.data.version))

    @property
    def info(self) -> dict:
        return self.data.info

    @property
    def last_time_ns(self) -> int:
        return int(self.data.info["last_time_ns"])

    @property
    def zone_count(self) -> int:
        return self.data.zones.count

    @property
    def strings(self) -> list:
        return self.data.strings

    def __repr__(self):
        d = self.data
        return (f"<Trace {d.path!r} v{self.version} {d.compression}x{d.streams}: "
                f"{self.zone_count} zones, {len(d.zone_threads)} threads>")

    # -- interned names -----------------------------------------------------
    @functools.cached_property
    def canonical(self) -> np.ndarray:
        """Per string index, the first index holding the same text (-1 maps to -1)."""
        first: dict = {}
        canon = np.empty(len(self.strings) + 1, np.int64)
        for i, text in enumerate(self.strings):
            canon[i] = first.setdefault(text, i)
        canon[-1] = -1  # so that canon[-1] keeps "no string"
        return canon

    @functools.cached_property
    def srcloc_display(self) -> np.ndarray:
        """Per srcloc slot: the string index csvexport shows (name, else function)."""
        s: SrcLocs = self.data.srclocs
        return self.canonical[np.where(s.name >= 0, s.name, s.function)]

    def name_of(self, code: int) -> str:
        return self.strings[code] if 0 <= code < len(self.strings) else "<unknown>"

    def categorical(self, codes):
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
    def zone_thread_index(self) -> np.ndarray:
        """Per zone, the position of its thread in the file's thread list."""
        counts = [c for _, _, c in self.data.zone_threads]
        return np.repeat(np.arange(len(counts), dtype=np.uint16), counts)

    def thread_tids(self) -> np.ndarray:
        return np.array([t for t, _, _ in self.data.zone_threads], np.uint64)

    def compressed_thread(self) -> dict:
        """tid -> Tracy's 16-bit thread number (csvexport's `thread` column)."""
        return {tid: i for i, tid in enumerate(self.data.thread_ids)}

    def effective_codes(self, sl: slice = slice(None)) -> np.ndarray:
        """String index of each zone's effective name."""
        z, d = self.data.zones, self.data
        extra = z.extra[sl]
        named = d.extra_name[np.minimum(extra, len(d.extra_name) - 1)] if len(d.extra_name) else \
            np.zeros(len(extra), np.uint32)
        named = np.where(extra < len(d.extra_name), named, 0)
        base = self.srcloc_display[z.srcloc[sl].astype(np.int64) + SrcLocs.OFFSET]
        return np.where(named > 0, self.canonical[named.astype(np.int64) - 1], base)

    def zone_strings(self, which: str, sl: slice = slice(None)) -> np.ndarray:
        """String index (+1, 0 none) of the per-zone `text` or `name` of each zone."""
        z, d = self.data.zones, self.data
        table = d.extra_text if which == "text" else d.extra_name
        extra = z.extra[sl]
        if not len(table):
            return np.zeros(len(extra), np.int64)
        ok = extra < len(table)
        return np.where(ok, table[np.where(ok, extra, 0)], 0).astype(np.int64)

    def durations(self) -> np.ndarray:
        """end - start per zone; -1 for zones that never ended."""
        z = self.data.zones
        dur = z.end - z.start
        dur[z.end < 0] = -1
        return dur

    def self_times(self, dur: np.ndarray | None = None) -> np.ndarray:
        """Span minus the spans of the direct children (as Tracy computes self time)."""
        self.ensure_tree()
        z = self.data.zones
        if dur is None:
            dur = self.durations()
        has_parent = z.parent >= 0
        child = np.bincount(z.parent[has_parent], weights=np.maximum(dur[has_parent], 0),
                            minlength=z.count)
        out = dur - child.astype(np.int64)
        out[dur < 0] = -1
        return out

    # -- tables -------------------------------------------------------------
    def zones(self, *, text: bool = True):
        """One row per CPU zone, as a pandas DataFrame.

        Columns: thread (OS thread id), thread_name, depth, parent (row of the
        parent zone, -1 at top level), start_ns, end_ns, duration_ns, self_ns
        (<NA> for zones that never ended), name (effective name), zone_name,
        srcloc_name, function, src_file, src_line, text, color.
        """
        import pandas as pd

        self.ensure_tree()
        d, z = self.data, self.data.zones
        s = d.srclocs
        slot = z.srcloc.astype(np.int64) + SrcLocs.OFFSET
        def cat(codes):
            return self.categorical(codes)

        threads = self.thread_tids()
        tindex = self.zone_thread_index()
        names = {t: d.thread_names.get(int(t), "") for t in threads}
        dur = self.durations()
        self_ns = self.self_times(dur)
        unfinished = dur < 0
        frame = pd.DataFrame({
            "thread": threads[tindex] if len(threads) else np.zeros(0, np.uint64),
            "thread_name": pd.Categorical([names[t] for t in threads])[tindex]
            if len(threads) else pd.Categorical([]),
            "depth": z.depth,
            "parent": z.parent,
            "start_ns": z.start,
            "end_ns": pd.arrays.IntegerArray(z.end, unfinished),
            "duration_ns": pd.arrays.IntegerArray(dur, unfinished.copy()),
            "self_ns": pd.arrays.IntegerArray(self_ns, unfinished.copy()),
            "name": cat(self.effective_codes()),
            "zone_name": cat(self.zone_strings("name") - 1),
            "srcloc_name": cat(self.canonical[s.name[slot]]),
            "function": cat(self.canonical[s.function[slot]]),
            "src_file": cat(self.canonical[s.file[slot]]),
            "src_line": s.line[slot],
            "srcloc": z.srcloc,
        })
        if text:
            frame["text"] = cat(self.zone_strings("text") - 1)
        return frame

    def threads(self):
        import pandas as pd

        d = self.data
        numbers = self.compressed_thread()
        return pd.DataFrame(
            [{"thread": tid, "name": d.thread_names.get(tid, ""), "tracy_thread": numbers.get(tid),
              "zones": n} for tid, _, n in d.zone_threads])

    def messages(self):
        import pandas as pd

        m = self.data.messages
        return pd.DataFrame({"time_ns": m["time_ns"], "thread": m["thread"], "text": m["text"]})

    def plots(self) -> dict:
        """Plot name -> DataFrame(time_ns, value)."""
        import pandas as pd

        return {p["name"]: pd.DataFrame({"time_ns": p["time_ns"], "value": p["value"]})
                for p in self.data.plots}

    def frames(self) -> dict:
        import pandas as pd

        return {f["name"]: pd.DataFrame({"start_ns": f["start_ns"], "end_ns": f["end_ns"]})
                for f in self.data.frames}

    def gpu_zones(self):
        import pandas as pd

        g = self.data.gpu_zones
        frame = pd.DataFrame(g)
        if len(frame):
            slot = frame["srcloc"].to_numpy() + SrcLocs.OFFSET
            frame["name"] = [self.name_of(c) for c in self.srcloc_display[slot]]
        return frame
