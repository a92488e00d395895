"""What the TUI shows, loaded on demand from traces and dumps, and cached on disk.

Everything here may run in a worker thread: the methods take a
`progress(done, total)` callback and hold a lock while they read.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

import numpy as np

from irtools import cache

BINS_PER_OCTAVE = 4
TIMELINE = 60  # buckets across the capture


@dataclass
class Profile:
    """The duration distribution and timeline of one zone name."""

    hist: np.ndarray      # zones per log2 bin; bin i covers [2^(i/4), 2^((i+1)/4)) ns
    timeline: np.ndarray  # ns spent per TIMELINE bucket of the capture
    last_time_ns: int
    unit: str = "zones"   # what `hist` counts: zones, or a dispatch's invocations

    def bin_edges(self, i: int) -> tuple[float, float]:
        return 2 ** (i / BINS_PER_OCTAVE), 2 ** ((i + 1) / BINS_PER_OCTAVE)


class TraceLoader:
    """A capture: its hotspot tables and per-name duration profiles."""

    def __init__(self, path, profile=None):
        self.path = os.fspath(path)
        self.profile_path = os.fspath(profile) if profile else None
        self._trace = None
        self._lock = threading.RLock()

    def trace(self, progress=None):
        from irtools.trace.model import Trace

        with self._lock:
            if self._trace is None:
                self._trace = Trace.open(self.path, progress=progress, tree=False)
            return self._trace

    def info(self, progress=None) -> dict:
        def read():
            t = self.trace(progress)
            return {"zones": t.zone_count, "last_time_ns": t.last_time_ns,
                    "version": t.version}
        return cache.cached(self.path, "info", (), read)

    def _profile_key(self) -> tuple:
        """The HAL profile's identity, so that a new profile misses the cache."""
        if not self.profile_path:
            return ()
        return (os.path.realpath(self.profile_path), cache.version(self.profile_path))

    def hotspots(self, by="name", self_time=False, progress=None):
        from irtools.trace.hotspots import hotspots

        profile = self.profile_path if by == "dispatch" else None

        def compute():
            return hotspots(self.trace(progress), by=by, self_time=self_time, profile=profile)
        key = (by, self_time, *(self._profile_key() if profile else ()))
        return cache.cached(self.path, "hotspots", key, compute)

    def profiles(self, progress=None) -> dict:
        """Zone name -> Profile, for every name, computed in one pass and cached."""
        return cache.cached(self.path, "profiles", (BINS_PER_OCTAVE, TIMELINE),
                            lambda: name_profiles(self.trace(progress)))

    def profile(self, name, progress=None) -> Profile | None:
        return self.profiles(progress).get(name)

    def invocation_profiles(self, progress=None) -> dict:
        """Dispatch name -> Profile of its invocations' wall times (from the HAL profile
        where there is one, else from the zones)."""
        def compute():
            from irtools.trace.invocations import tracy_invocations
            from irtools.trace.ireeprof import profile_dispatches

            trace = self.trace(progress)
            found = tracy_invocations(trace)
            out = invocation_profiles(found, 0, trace.last_time_ns)
            if self.profile_path:
                exact = profile_dispatches(self.profile_path)
                if not isinstance(exact, dict):  # per-execution events, not aggregates
                    first = int(exact.start.min()) if len(exact) else 0
                    span = int(exact.end.max()) - first if len(exact) else 0
                    out.update(invocation_profiles(exact, first, span))
            return out
        return cache.cached(self.path, "invocation-profiles",
                            (BINS_PER_OCTAVE, TIMELINE, *self._profile_key()), compute)

    def invocation_profile(self, name, progress=None) -> Profile | None:
        return self.invocation_profiles(progress).get(name)


def _profile_arrays(group: np.ndarray, dur: np.ndarray, start: np.ndarray, groups: int,
                    first: int, span: int) -> tuple[np.ndarray, np.ndarray]:
    """Per group: counts per log2 duration bin, and time per timeline bucket."""
    nbins = 44 * BINS_PER_OCTAVE
    b = np.clip((np.log2(np.maximum(dur, 1)) * BINS_PER_OCTAVE).astype(np.int64), 0, nbins - 1)
    hist = np.bincount(group * nbins + b, minlength=groups * nbins).reshape(groups, nbins)
    t = np.clip((start - first) * TIMELINE // max(span, 1), 0, TIMELINE - 1)
    line = np.bincount(group * TIMELINE + t, weights=dur, minlength=groups * TIMELINE)
    return hist, line.reshape(groups, TIMELINE)


def invocation_profiles(inv, first: int, span: int) -> dict:
    """Dispatch name -> Profile of its invocations' spans; time runs from `first` over `span`."""
    if not len(inv):
        return {}
    hist, line = _profile_arrays(inv.name, inv.wall, inv.start, len(inv.names), first, span)
    return {name: Profile(hist[i].copy(), line[i].copy(), span, unit="invocations")
            for i, name in enumerate(inv.names) if hist[i].any()}


def name_profiles(trace) -> dict:
    """Histograms and timelines of zone durations per effective name, a chunk at a time."""
    from irtools.trace.model import CHUNK

    z = trace.data.zones
    last = max(trace.last_time_ns, 1)
    nbins = 44 * BINS_PER_OCTAVE
    domain = len(trace.strings) + 1
    chunks = [slice(a, min(a + CHUNK, trace.zone_count)) for a in range(0, trace.zone_count, CHUNK)]

    def parts():
        for sl in chunks:
            dur = z.end[sl] - z.start[sl]
            ok = (z.end[sl] >= 0) & (dur > 0)
            yield trace.effective_codes(sl)[ok], dur[ok], z.start[sl][ok]

    counts = np.zeros(domain, np.int64)
    for codes, _dur, _start in parts():
        counts += np.bincount(codes, minlength=domain)
    keys = np.flatnonzero(counts)
    dense = np.full(domain, -1, np.int64)
    dense[keys] = np.arange(len(keys))
    hist = np.zeros((len(keys), nbins), np.int64)
    line = np.zeros((len(keys), TIMELINE))
    for codes, dur, start in parts():
        h, t = _profile_arrays(dense[codes], dur, start, len(keys), 0, last)
        hist += h
        line += t
    out = {}
    for i, k in enumerate(keys):
        name = trace.name_of(int(k))
        if name in out:  # two codes, one text: add up
            out[name].hist += hist[i]
            out[name].timeline += line[i]
        else:
            out[name] = Profile(hist[i].copy(), line[i].copy(), last)
    return out


class DumpLoader:
    """A print-ir dump. Its index and changed flags are cached on disk, histories per symbol.

    Each call reads through its own `Dump` (its own file handle), so that a long
    search in one worker does not hold up a diff in another.
    """

    def __init__(self, path, label=None):
        self.path = os.fspath(path)
        self.title = label or self.path
        self._index = None
        self._flags = None
        self._lock = threading.Lock()

    def index(self, progress=None):
        from irtools.irdiff import cached

        with self._lock:
            if self._index is None:
                self._index = cached.index(self.path, progress=progress, lines=True)
            return self._index

    def _dump(self, progress=None):
        from irtools.irdiff.dump import Dump

        return Dump(self.index(progress))

    def passes(self, progress=None) -> list:
        """One dict per snapshot (`Dump.rows`); the changed flags can take long to find,
        so they are cached."""
        from irtools.irdiff import cached

        with self._dump(progress) as dump:
            if self._flags is not None:
                dump.known_flags = self._flags
            self._flags = cached.flags(dump, progress=progress)
            return dump.rows()

    def history(self, symbol, progress=None, *, cosmetic=False) -> list | None:
        """The passes that changed @symbol (with `cosmetic`, also those that changed only
        how it prints), or None when no snapshot holds it."""
        from irtools.irdiff import cached

        with self._dump(progress) as dump:
            return cached.history(dump, symbol, cosmetic=cosmetic, progress=progress)

    def lines(self, n, symbol=None) -> list:
        with self._dump() as dump:
            return list(dump.lines(n, symbol))

    def diff(self, a, b=None, *, symbol=None, options=None):
        with self._dump() as dump:
            return dump.diff(a, b, symbol=symbol, options=options)

    def snapshot_label(self, n) -> str:
        return self._dump().label(n)
