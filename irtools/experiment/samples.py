"""Each run's dispatch invocations as the verdicts need them: wall times by dispatch.

The wall time of an invocation comes from the run's HAL profile, IREE's own
record of every dispatch execution (`iree-profile dispatch --dispatch_events`):
on CPU devices the host time from the first tile's start to the last tile's end.
Without a profile (`irtools run --no-profile`) there are no invocation walls and
the run gives no samples.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
from dataclasses import dataclass, field

import numpy as np

from irtools.errors import ProfileError, ToolFailed

EVENT_TYPES = ("host_dispatch_event", "dispatch_event")


@dataclass
class RunWalls:
    """One run: every dispatch's invocation walls (ns) and how many calls the run made."""

    walls: dict[str, np.ndarray] = field(default_factory=dict)
    calls: int = 1

    def total(self, names) -> float:
        """Summed wall of these dispatches per call (0 for dispatches the run lacks)."""
        return sum(float(self.walls[n].sum()) for n in names if n in self.walls) / self.calls

    def per_call(self, name: str) -> float:
        """Invocations of a dispatch per call."""
        w = self.walls.get(name)
        return len(w) / self.calls if w is not None else 0.0


def _events(path: str):
    """Records of iree-profile's JSONL for a bundle (or the JSONL itself), streamed."""
    with open(path, "rb") as f:
        jsonl = f.read(1) == b"{"
    if jsonl:
        with open(path, encoding="utf-8", errors="replace") as f:
            yield from enumerate(f, 1)
        return
    from irtools import driver

    argv = [driver.find_tool("iree-profile"), "dispatch", "--format=jsonl", "--dispatch_events", path]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          stdin=subprocess.DEVNULL) as proc:
        assert proc.stdout is not None
        try:
            yield from enumerate(proc.stdout, 1)
        finally:
            proc.stdout.close()
            if proc.poll() is None:
                proc.kill()
            err = proc.stderr.read() if proc.stderr else ""
            proc.wait()
        if proc.returncode:
            raise ToolFailed(f"iree-profile failed with exit code {proc.returncode}: "
                             f"{driver.tail(err)}", argv=argv, returncode=proc.returncode, path=path)


def profile_walls(path) -> dict[str, np.ndarray]:
    """Per dispatch name, the wall time (ns) of each of its executions, in start order."""
    path = os.fspath(path)
    starts: dict[str, list[int]] = {}
    walls: dict[str, list[int]] = {}
    for number, line in _events(path):
        if '"dispatch_event"' not in line and '"host_dispatch_event"' not in line:
            continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError as err:
            raise ProfileError(f"not JSON: {err.msg}", path=path, line=number,
                               expected="iree-profile --format=jsonl output") from None
        if not isinstance(r, dict) or r.get("type") not in EVENT_TYPES or r.get("valid") is False:
            continue
        key, duration = r.get("key"), r.get("duration_ns")
        start = r.get("start_host_time_ns", r.get("start_tick", 0))
        if not isinstance(key, str) or not isinstance(duration, (int, float)) or \
                isinstance(duration, bool) or duration < 0:
            raise ProfileError(f"a dispatch event without a name or a duration: {line.strip()[:120]}",
                               path=path, line=number, expected="iree-profile --format=jsonl output")
        starts.setdefault(key, []).append(int(start) if isinstance(start, (int, float)) else 0)
        walls.setdefault(key, []).append(int(duration))
    out = {}
    for key, w in walls.items():
        order = np.argsort(np.asarray(starts[key], np.int64), kind="stable")
        out[key] = np.asarray(w, np.int64)[order]
    return out


def run_walls(run) -> RunWalls | None:
    """The invocation walls of a run (a `RunInfo`), from its HAL profile; None if it has none.

    Kept in the disk cache, keyed by the profile file."""
    from irtools import cache

    if run.profile is None:
        return None
    walls = cache.cached(run.profile, "profile-walls", (), lambda: profile_walls(run.profile))
    calls = run.entry.get("calls")
    if not isinstance(calls, int) or isinstance(calls, bool) or calls < 1:
        # iree-benchmark-module's own rules (--benchmark) choose the number of calls:
        # every dispatch runs a whole number of times per call, so their counts share it.
        calls = math.gcd(*(len(w) for w in walls.values())) if walls else 1
    return RunWalls(walls, calls)
