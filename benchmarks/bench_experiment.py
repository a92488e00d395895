#!/usr/bin/env python3
"""Trials of `irtools compare --fail-if-slower`: does a no-op build pass, a slower one fail?

Each trial is one `irtools run` of the example model with four variants, each
function run --repeat N times (the variants taking turns), then three comparisons
against `base`:

    noop     the same flags, compiled again        expected: no change (exit 0)
    slow     --iree-llvmcpu-target-cpu=generic     expected: slower (exit 1)
    fused    --iree-dispatch-creation-enable-aggressive-fusion
             (every dispatch renumbered)            expected: pairs >= 90% of the time

    python benchmarks/bench_experiment.py --trials 20 --repeat 10 --fail-if-slower 5
    python benchmarks/bench_experiment.py --trials 2 --repeat 5 --out /tmp/exp-trials

Prints one line per trial and a summary; with --json, one JSON object per trial.
The machine is whatever it is at the time: the summary gives its load averages,
since a loaded machine is the case the statistics must withstand.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VARIANTS = {
    "base": "",
    "noop": "",
    "slow": "--iree-llvmcpu-target-cpu=generic",
    "fused": "--iree-dispatch-creation-enable-aggressive-fusion",
}


def irtools(*args, check=True):
    proc = subprocess.run([sys.executable, "-m", "irtools", *map(str, args)], capture_output=True,
                          text=True, cwd=REPO)
    if check and proc.returncode not in (0, 1):
        sys.exit(f"irtools {' '.join(map(str, args[:3]))} ... failed ({proc.returncode}):\n"
                 f"{proc.stderr[-2000:]}")
    return proc


def trial(model: Path, run_dir: Path, args) -> dict:
    t0 = time.monotonic()
    irtools("run", model, *[f"--variant={k}={v}" for k, v in VARIANTS.items()],
            "--repeat", args.repeat, "--top", "0", "-o", run_dir, "--force",
            *[a for t in args.target for a in ("--target", t)])
    run_seconds = time.monotonic() - t0
    out = {"run_seconds": round(run_seconds, 1), "load": os.getloadavg()}
    for name in ("noop", "slow", "fused"):
        proc = irtools("compare", f"{run_dir}@base", f"{run_dir}@{name}", "--fail-if-slower",
                       args.fail_if_slower, "--format", "json")
        rows = json.loads(proc.stdout)
        totals = {r["run"]: r for r in rows if r["pairing"] == "total"}
        slower = [r for r in rows if r["verdict"] == "slower"]
        cover = {r["run"]: (r["paired_a"], r["paired_b"]) for r in totals.values()}
        out[name] = {
            "exit": proc.returncode,
            "slower_rows": len(slower),
            "totals": {run: {"ratio": r["ratio"], "low": r["low"], "high": r["high"], "q": r["q"],
                             "verdict": r["verdict"]} for run, r in totals.items()},
            "coverage": cover,
        }
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--trials", type=int, default=20)
    p.add_argument("--repeat", type=int, default=10)
    p.add_argument("--fail-if-slower", type=float, default=5.0)
    p.add_argument("--target", action="append", default=[])
    p.add_argument("--model", type=Path, help="default: examples/make_llama.py's default model")
    p.add_argument("--out", type=Path, help="keep the run directories here")
    p.add_argument("--json", action="store_true", help="one JSON object per trial")
    args = p.parse_args()
    args.target = args.target or ["llvm-cpu"]
    with tempfile.TemporaryDirectory(prefix="irtools-trials-") as tmp:
        base = args.out or Path(tmp)
        base.mkdir(parents=True, exist_ok=True)
        model = args.model
        if model is None:
            model = base / "llama.mlir"
            subprocess.run([sys.executable, REPO / "examples" / "make_llama.py", model], check=True,
                           capture_output=True)
        results = []
        for i in range(args.trials):
            r = trial(model, base / f"trial{i}", args)
            r["trial"] = i
            results.append(r)
            if args.json:
                print(json.dumps(r), flush=True)
            else:
                cov = min(min(c) for c in r["fused"]["coverage"].values()) if r["fused"]["coverage"] else 0
                print(f"trial {i:2d}: noop exit {r['noop']['exit']} ({r['noop']['slower_rows']} slower rows), "
                      f"slow exit {r['slow']['exit']} ({r['slow']['slower_rows']}), "
                      f"fused exit {r['fused']['exit']} coverage >= {cov:.1%}; "
                      f"{r['run_seconds']:.0f} s, load {r['load'][0]:.1f}", flush=True)
            if args.out is None:
                subprocess.run(["rm", "-rf", str(base / f"trial{i}")])
    n = len(results)
    noop_ok = sum(r["noop"]["exit"] == 0 for r in results)
    slow_caught = sum(r["slow"]["exit"] == 1 for r in results)
    covs = [min(min(c) for c in r["fused"]["coverage"].values()) for r in results if r["fused"]["coverage"]]
    print(f"\nsummary over {n} trials, --repeat {args.repeat}, --fail-if-slower {args.fail_if_slower:g}:")
    print(f"  noop: no change (exit 0) in {noop_ok} of {n}")
    print(f"  slow: caught (exit 1) in {slow_caught} of {n}")
    if covs:
        print(f"  fused: paired share of time, lowest over runs and sides: min {min(covs):.1%}, "
              f"median {sorted(covs)[len(covs) // 2]:.1%}")
    for name in ("noop", "slow", "fused"):
        for run in sorted({run for r in results for run in r[name]["totals"]}):
            rows = [r[name]["totals"][run] for r in results if run in r[name]["totals"]]
            ratios = sorted(t["ratio"] for t in rows)
            verdicts = {v: sum(t["verdict"] == v for t in rows) for v in {t["verdict"] for t in rows}}
            print(f"  {name} {run}: total B/A median {ratios[len(ratios) // 2]:.3f} "
                  f"(range {ratios[0]:.3f}-{ratios[-1]:.3f}); verdicts {verdicts}")
    loads = ", ".join(f"{r['load'][0]:.1f}" for r in results)
    print(f"  1-minute load averages at the trials' ends: {loads}")


if __name__ == "__main__":
    main()
