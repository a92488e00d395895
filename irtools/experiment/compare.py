"""Two builds of a model, dispatch by dispatch, with a verdict.

A side is the traced runs of one variant of a run directory (`runs/x`, or
`runs/x@fast` for its variant `fast`). Runs are matched by target, device and
function; in each match the dispatches are paired (`pairing.pair`), and each
paired group gets B/A with a confidence interval (`stats.shift`) over the runs'
repeats: a repeat's value is the group's summed invocation wall per call. Beside
it, the group's CPU time per call (its tiles on all workers) and parallelism
(CPU / wall) on each side, as `irtools hotspots --by dispatch` gives them; the
verdicts are of wall time, what a caller waits. The
p-values of all groups and totals of a comparison are adjusted together
(Benjamini-Hochberg), and a row is `slower` when its change is significant and
larger than the threshold.

With fewer than two repeats a side, the invocations stand in for the repeats:
that interval knows nothing of how one run differs from the next (on a loaded
machine it is too narrow), and the table says so (`unit` is `invocation`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from irtools.errors import UsageError
from irtools.experiment import stats
from irtools.experiment.fingerprint import Fingerprint, fingerprint_folder
from irtools.experiment.pairing import Group, coverage, pair
from irtools.experiment.samples import RunWalls, run_walls

TOTAL = "all dispatches"


@dataclass
class Side:
    """The traced runs of one variant of a run directory."""

    label: str                        # runs/x, or runs/x@fast
    runs: list                        # RunInfo, every repeat
    variant: str | None = None

    def by_key(self) -> dict[tuple, list]:
        out: dict[tuple, list] = {}
        for r in self.runs:
            out.setdefault(r.key, []).append(r)
        return out


def split_spec(spec: str) -> tuple[str, str | None]:
    """`PATH` or `PATH@VARIANT` (a path that exists as typed is never split)."""
    if os.path.exists(spec) or "@" not in spec:
        return spec, None
    path, _, variant = spec.rpartition("@")
    return path, variant or None


def open_side(spec: str, variant: str | None = None) -> Side:
    """The side named by `PATH[@VARIANT]` (or `variant`); a run directory with several
    variants needs one named."""
    from irtools.run.layout import RunDir

    path, named = split_spec(spec)
    variant = named or variant
    rd = RunDir.open(path)
    variants = rd.variants
    if variant is None and len(variants) > 1:
        raise UsageError(f"{path} holds {len(variants)} variants ({', '.join(map(str, variants))})",
                         path=path, fix=f"name one: {path}@{variants[0]}, or compare them all: "
                                        f"irtools compare {path}")
    if variant is not None and variant not in variants:
        raise UsageError(f"{path} has no variant {variant!r}", path=path,
                         expected="one of " + ", ".join(str(v) for v in variants))
    runs = rd.select(traced=True, variant=variant) if variant else rd.select(traced=True)
    if not runs:
        raise UsageError(f"{path}{'@' + variant if variant else ''} holds no traced run", path=path,
                         fix="see manifest.json and the logs for why the runs failed")
    label = f"{path}@{variant}" if variant and len(variants) > 1 else path
    return Side(label, runs, variant)


def variant_sides(spec: str) -> list[tuple[Side, Side]]:
    """Every variant of one run directory against its first (the baseline)."""
    from irtools.run.layout import RunDir

    path, _ = split_spec(spec)
    variants = RunDir.open(path).variants
    if len(variants) < 2:
        raise UsageError(f"{path} holds one build: give a second run directory to compare with",
                         path=path, fix="irtools compare RUN_A RUN_B, or run with --variant")
    base = open_side(path, variants[0])
    return [(base, open_side(path, v)) for v in variants[1:]]


@dataclass
class _Prepared:
    fps: dict[str, Fingerprint | None]
    walls: list[RunWalls]


_FOLDERS: dict[tuple, dict[str, Fingerprint]] = {}


def _fingerprints(folder: Path | None) -> dict[str, Fingerprint]:
    if folder is None or not folder.is_dir():
        return {}
    from irtools.cache import version

    key = (os.path.realpath(folder), version(folder))
    if key not in _FOLDERS:
        _FOLDERS[key] = fingerprint_folder(folder)
    return _FOLDERS[key]


def _prepare(runs: list, pool: ThreadPoolExecutor) -> _Prepared:
    walls = [w for w in pool.map(run_walls, runs) if w is not None]
    names = sorted({n for w in walls for n in w.walls})
    sources = _fingerprints(runs[0].sources)
    return _Prepared({n: sources.get(n) for n in names}, walls)


def _median(values) -> float:
    return float(np.median(values)) if len(values) else 0.0


@dataclass
class Comparison:
    """Rows (one dict each) and, per matched run, the pairing's coverage."""

    rows: list[dict] = field(default_factory=list)
    coverage: dict[str, tuple[float, float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def compare_sides(a: Side, b: Side, *, by: str = "structure", level: float = 0.95) -> Comparison:
    """Rows for every matched run of A and B: a total, then each group of dispatches."""
    out = Comparison()
    keys_a, keys_b = a.by_key(), b.by_key()
    matched = [k for k in keys_a if k in keys_b]
    if not matched:
        raise UsageError(f"{a.label} and {b.label} share no run (A: {_keys(keys_a)}; "
                         f"B: {_keys(keys_b)})", fix="compare runs of the same target and function")
    with ThreadPoolExecutor(4) as pool:
        for key in matched:
            pa, pb = _prepare(keys_a[key], pool), _prepare(keys_b[key], pool)
            run_name = "/".join(key)      # target/device/function
            if not pa.walls or not pb.walls:
                out.notes.append(f"{run_name}: no HAL profile on "
                                 f"{'A' if not pa.walls else 'B'} (run with the default --profile)")
                continue
            _compare_run(out, a, b, run_name, pa, pb, by, level)
    return out


def _keys(keys) -> str:
    return ", ".join("/".join(k) for k in keys) or "none"


def _compare_run(out: Comparison, a: Side, b: Side, run_name: str, pa: _Prepared, pb: _Prepared,
                 by: str, level: float):
    time_a = {n: _median([w.total([n]) for w in pa.walls]) for n in pa.fps}
    time_b = {n: _median([w.total([n]) for w in pb.walls]) for n in pb.fps}
    cpu_a = {n: _median([w.cpu_total([n]) for w in pa.walls]) for n in pa.fps}
    cpu_b = {n: _median([w.cpu_total([n]) for w in pb.walls]) for n in pb.fps}
    count_a = {n: _median([w.per_call(n) for w in pa.walls]) for n in pa.fps}
    count_b = {n: _median([w.per_call(n) for w in pb.walls]) for n in pb.fps}
    groups = pair(pa.fps, pb.fps, by=by, times_a=time_a, times_b=time_b, counts_a=count_a,
                  counts_b=count_b)
    cover = out.coverage[run_name] = coverage(groups)
    unit = "run" if len(pa.walls) >= 2 and len(pb.walls) >= 2 else "invocation"
    if unit == "invocation":
        out.notes.append(f"{run_name}: {len(pa.walls)} and {len(pb.walls)} runs: invocations stand "
                         f"in for repeats, so the intervals ignore run-to-run variation, and the "
                         f"total and groups of several dispatches get none "
                         f"(rerun with --repeat 5 or more)")
    smallest_p = 2 / math.comb(len(pa.walls) + len(pb.walls), len(pa.walls))
    if unit == "run" and smallest_p >= 1 - level:
        out.notes.append(f"{run_name}: with {len(pa.walls)} and {len(pb.walls)} runs no difference can "
                         f"be significant at {1 - level:.2g} (the smallest p-value is {smallest_p:.2g}); "
                         f"rerun with --repeat 5 or more")
    total_a = sum(time_a.values())
    base = dict(a=a.label, b=b.label, run=run_name, unit=unit, runs_a=len(pa.walls),
                runs_b=len(pb.walls), paired_a=cover[0], paired_b=cover[1])
    everything = Group(list(pa.fps), list(pb.fps), "total")
    everything.time_a, everything.time_b = total_a, sum(time_b.values())
    for g in [everything, *groups]:
        row = dict(base, group=TOTAL if g.how == "total" else g.title,
                   pairing="total" if g.how == "total" else g.label, how=g.how,
                   a_dispatches=" + ".join(g.a), b_dispatches=" + ".join(g.b),
                   invocations_a=sum(count_a.get(n, 0) for n in g.a),
                   invocations_b=sum(count_b.get(n, 0) for n in g.b),
                   wall_a_ns=g.time_a, wall_b_ns=g.time_b,
                   cpu_a_ns=_sum(cpu_a, g.a), cpu_b_ns=_sum(cpu_b, g.b),
                   share_a=g.time_a / total_a if total_a else math.nan, note=g.note)
        row.update(parallelism_a=_over(row["cpu_a_ns"], g.time_a),
                   parallelism_b=_over(row["cpu_b_ns"], g.time_b))
        s = stats.NO_DATA
        if g.paired and unit == "invocation" and (len(g.a) > 1 or len(g.b) > 1):
            # Invocations of different dispatches are no sample of one time: pooled, their
            # ranks say nothing of the sum. The ratio of the sums, and no interval.
            s = stats.Shift(g.time_b / g.time_a if g.time_a else math.nan, math.nan, math.nan,
                            math.nan, sum(count_a.get(n, 0) for n in g.a),
                            sum(count_b.get(n, 0) for n in g.b))
        elif g.paired:
            s = stats.shift(_samples(pa.walls, g.a, unit), _samples(pb.walls, g.b, unit), level=level)
        row.update(ratio=s.ratio, low=s.low, high=s.high, p=s.p, units_a=s.n_a, units_b=s.n_b)
        out.rows.append(row)


def _sum(values: dict[str, float], names: Sequence[str]) -> float:
    """The summed values of these dispatches (NaN if any is unknown)."""
    return float(sum(values.get(n, 0.0) for n in names))


def _over(cpu: float, wall: float) -> float:
    """Parallelism: CPU time over wall time (NaN without both)."""
    return cpu / wall if wall > 0 and not math.isnan(cpu) else math.nan


def _samples(walls: list[RunWalls], names: Sequence[str], unit: str) -> np.ndarray:
    if unit == "run":
        return np.array([w.total(names) for w in walls])
    parts = [w.walls[n] for w in walls for n in names if n in w.walls]
    return np.concatenate(parts) if parts else np.zeros(0)


def decide(rows: list[dict], *, threshold: float, min_share: float = 0.0,
           alpha: float = 0.05) -> list[dict]:
    """q-values (over the rows that count) and a verdict for each row, in place.

    Rows that count: totals, and paired groups holding at least `min_share` of A's
    time in their run. The others get `small`, `new` or `gone` and no q-value.
    """
    eligible = [i for i, r in enumerate(rows) if r["how"] != "new" and r["how"] != "gone"
                and not math.isnan(r["p"])
                and (r["how"] == "total" or r["share_a"] >= min_share)]
    q = stats.adjust([rows[i]["p"] for i in eligible])
    for r in rows:
        r["q"] = math.nan
        r["verdict"] = r["how"] if r["how"] in ("new", "gone") else \
            ("small" if not math.isnan(r["p"]) else stats.UNKNOWN)
    for i, qi in zip(eligible, q):
        rows[i]["q"] = float(qi)
        rows[i]["verdict"] = stats.verdict(_shift_of(rows[i]), qi, threshold=threshold, alpha=alpha)
    return rows


def _shift_of(row: dict) -> stats.Shift:
    return stats.Shift(row["ratio"], row["low"], row["high"], row["p"], row["units_a"], row["units_b"])


def compare_runs(pairs: Sequence[tuple[Side, Side]], *, by: str = "structure",
                 threshold: float = 0.05, min_share: float = 0.01, level: float = 0.95):
    """The comparison of every (A, B) pair as one DataFrame, with verdicts decided together.

    `attrs`: coverage per (a, b, run), notes, threshold, min_share, level."""
    import pandas as pd

    rows, cover, notes = [], {}, []
    for a, b in pairs:
        c = compare_sides(a, b, by=by, level=level)
        rows += c.rows
        cover.update({(a.label, b.label, k): v for k, v in c.coverage.items()})
        notes += [f"{b.label}: {n}" for n in c.notes]
    if not rows:
        raise UsageError("no run could be compared: " + "; ".join(notes),
                         fix="compare runs recorded with their HAL profile (irtools run without "
                             "--no-profile)")
    decide(rows, threshold=threshold, min_share=min_share, alpha=1.0 - level)
    frame = pd.DataFrame(rows, columns=COLUMNS) if rows else pd.DataFrame(columns=COLUMNS)
    frame.attrs.update(coverage=cover, notes=notes, threshold=threshold, min_share=min_share,
                       level=level, by=by)
    return frame


COLUMNS = ["a", "b", "run", "group", "pairing", "verdict", "ratio", "low", "high", "p", "q",
           "wall_a_ns", "wall_b_ns", "cpu_a_ns", "cpu_b_ns", "parallelism_a", "parallelism_b",
           "invocations_a", "invocations_b", "share_a", "unit", "runs_a",
           "runs_b", "units_a", "units_b", "paired_a", "paired_b", "how", "a_dispatches", "b_dispatches",
           "note"]


def failing(frame) -> list[dict]:
    """Rows significantly slower by more than the comparison's threshold."""
    if frame.empty:
        return []
    return frame[frame["verdict"] == stats.SLOWER].to_dict("records")
