"""How well the Tracy zones alone count and time dispatch invocations, against the HAL profile.

Each run directory of `irtools run` holds a capture and the HAL profile of the same
process. The estimate (trace/invocations.py) is made from the capture with the profile
hidden, and scored per dispatch against the profile's events:

- count right: as many invocations as the profile has;
- wall right: summed invocation spans within 1% + 10 µs of the profile's;
- flagged: the estimate says its count is a guess (`ambiguous`).

Also scored, as a baseline: counting runs of consecutive zones of one name in start order
over all threads (what grouping tile zones without the capture's structure gives).

Without RUN_DIRs, runs are made (minutes) in bench-out/invocation-runs: the four fixture
models and the example model (examples/make_llama.py), each on llvm-cpu (local-task),
llvm-cpu@local-sync and vmvx, and the example once more with --repeat 3. vmvx on
local-task names no tiles: those dispatches are counted as missing from the capture.

    python benchmarks/eval_invocations.py [RUN_DIR ...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench-out" / "invocation-runs"
MODELS = REPO.parent / "shared" / "fixtures" / "models"
TARGETS = ["llvm-cpu", "llvm-cpu@local-sync", "vmvx"]


def make_runs() -> list[Path]:
    OUT.mkdir(parents=True, exist_ok=True)
    llama = OUT / "llama.mlir"
    if not llama.exists():
        subprocess.run([sys.executable, REPO / "examples" / "make_llama.py", llama], check=True,
                       capture_output=True)
    jobs = [(MODELS / f"{m}.mlir", OUT / m, TARGETS, [])
            for m in ("a_mm_elem", "b_mlp3", "c_tfm_ext", "c_tfm_manual")]
    jobs += [(llama, OUT / "llama", TARGETS, []),
             (llama, OUT / "llama-repeat3", ["llvm-cpu"], ["--repeat", "3"])]
    for model, out, targets, extra in jobs:
        if (out / "manifest.json").exists():
            continue
        argv = [sys.executable, "-m", "irtools", "run", model, "-o", out, "--top", "0", *extra]
        for t in targets:
            argv += ["--target", t]
        print(f"irtools run {model.name} -> {out}", file=sys.stderr)
        subprocess.run([str(a) for a in argv], check=True, cwd=REPO, stdout=sys.stderr)
    return [out for _, out, _, _ in jobs]


def per_name(inv) -> dict:
    """name -> (invocations, summed wall, flagged)."""
    out = {}
    for i, name in enumerate(inv.names):
        mine = inv.name == i
        flagged = bool((inv.ambiguous[mine] | ~inv.verified[mine]).any())
        out[name] = (int(mine.sum()), int(inv.wall[mine].sum()), flagged)
    return out


def baseline(trace) -> Counter:
    """Runs of consecutive zones of one dispatch name, in start order over all threads."""
    from irtools.trace.invocations import TILE, gather

    zs = gather(trace)
    tiles = np.flatnonzero(zs.role == TILE)
    order = tiles[np.argsort(zs.start[tiles], kind="stable")]
    code = zs.code[order]
    new = np.r_[True, code[1:] != code[:-1]] if len(code) else np.zeros(0, bool)
    return Counter(trace.name_of(int(c)) for c in code[new])


def score(run) -> tuple[Counter, list[str]]:
    from irtools.trace.invocations import tracy_invocations
    from irtools.trace.ireeprof import profile_dispatches
    from irtools.trace.model import Trace

    trace = Trace.open(run.trace, tree=False)
    estimate, exact = per_name(tracy_invocations(trace)), per_name(profile_dispatches(run.profile))
    simple = baseline(trace)
    tally, misses = Counter(), []
    for name, (count, wall, _) in exact.items():
        if name not in estimate:
            tally["not in the capture"] += 1
            continue
        n, w, flagged = estimate[name]
        tally["dispatches"] += 1
        tally["count right"] += n == count
        tally["wall within 1% + 10 us"] += abs(w - wall) <= 0.01 * wall + 10_000
        tally["flagged"] += flagged
        tally["wrong and not flagged"] += n != count and not flagged
        tally["baseline count right"] += simple[name] == count
        if n != count or simple[name] != count:
            misses.append(f"{run.name}: {name}: profile {count}, estimate {n}"
                          f"{' (flagged)' if flagged else ''}, baseline {simple[name]}")
    return tally, misses


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="*", type=Path, help="run directories (default: make them)")
    args = ap.parse_args()
    import irtools

    total, per_run = Counter(), {}
    for root in args.runs or make_runs():
        for run in irtools.open_run(root).select(traced=True):
            if run.profile is None:
                continue
            tally, misses = score(run)
            per_run[f"{root.name}/{run.name}"] = dict(tally)
            total.update(tally)
            for line in misses:
                print(line, file=sys.stderr)
    print(json.dumps({"runs": per_run, "total": dict(total)}, indent=1))


if __name__ == "__main__":
    main()
