"""Each run's dispatch invocations as the verdicts need them: wall and CPU times by dispatch.

The wall time of an invocation comes from the run's HAL profile, IREE's own
record of every dispatch execution (`iree-profile dispatch --dispatch_events`,
read by `trace.ireeprof`): on CPU devices the host time from the first tile's
start to the last tile's end. Its CPU time is the summed time of its tiles on
all workers (unknown on a GPU). Without a profile (`irtools run --no-profile`)
there are no invocation walls and the run gives no samples.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import numpy as np


@dataclass
class RunWalls:
    """One run: every dispatch's invocation walls (ns), their CPU times (ns, -1 where
    unknown), and how many calls the run made."""

    walls: dict[str, np.ndarray] = field(default_factory=dict)
    calls: int = 1
    cpu: dict[str, np.ndarray] = field(default_factory=dict)

    def total(self, names) -> float:
        """Summed wall of these dispatches per call (0 for dispatches the run lacks)."""
        return sum(float(self.walls[n].sum()) for n in names if n in self.walls) / self.calls

    def cpu_total(self, names) -> float:
        """Summed CPU time of these dispatches per call; NaN where any is unknown (a GPU)."""
        parts = [self.cpu[n] for n in names if n in self.cpu]
        if any((c < 0).any() for c in parts):
            return math.nan
        return sum(float(c.sum()) for c in parts) / self.calls

    def per_call(self, name: str) -> float:
        """Invocations of a dispatch per call."""
        w = self.walls.get(name)
        return len(w) / self.calls if w is not None else 0.0


def profile_invocations(path) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per dispatch name, the wall time (ns) of each of its executions in start order,
    and their CPU times (-1 where the profile has none). A profile without per-execution
    events (iree-profile's aggregate JSONL) gives none."""
    from irtools.trace.ireeprof import profile_dispatches

    inv = profile_dispatches(os.fspath(path), empty_ok=True)
    if isinstance(inv, dict):  # aggregates only: no invocation to sample
        return {}, {}
    order = np.argsort(inv.name, kind="stable")  # by name, each in start order
    name = inv.name[order]
    heads = np.flatnonzero(np.r_[True, name[1:] != name[:-1]]) if len(name) else name
    walls = np.split(inv.wall[order], heads[1:])
    cpu = np.split(inv.cpu[order], heads[1:])
    names = [inv.names[int(name[h])] for h in heads]
    return dict(zip(names, walls)), dict(zip(names, cpu))


def run_walls(run) -> RunWalls | None:
    """The invocation walls of a run (a `RunInfo`), from its HAL profile; None if it has none.

    Kept in the disk cache, keyed by the profile file."""
    from irtools import cache

    if run.profile is None:
        return None
    walls, cpu = cache.cached(run.profile, "profile-invocations", (),
                              lambda: profile_invocations(run.profile))
    calls = run.entry.get("calls")
    if not isinstance(calls, int) or isinstance(calls, bool) or calls < 1:
        # iree-benchmark-module's own rules (--benchmark) choose the number of calls:
        # every dispatch runs a whole number of times per call, so their counts share it.
        calls = math.gcd(*(len(w) for w in walls.values())) if walls else 1
    return RunWalls(walls, calls, cpu)
