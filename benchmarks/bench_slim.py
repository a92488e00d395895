#!/usr/bin/env python3
"""Time `irtools slim` against `iree-ir-tool strip-data` on the same generated file.

    python benchmarks/bench_slim.py                  # 1 GB model in a temporary folder
    python benchmarks/bench_slim.py --size 3GB --keep /data/bench

Each tool runs in its own process; wall time and peak RSS come from wait4().
The tools take turns for --repeat rounds (the machine is shared, so the best round
is the fairest figure; the median is shown too); outputs are removed before each run.
strip-data is lossy (it replaces the weights with placeholders); slim keeps them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def measure(argv) -> tuple[float, float]:
    """Run argv; return (seconds, peak RSS in MiB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(argv)}\n{proc.stderr.read().decode()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="1GB", help="model file size (default 1GB)")
    parser.add_argument("--keep", help="folder to keep the files in (default: a temporary one)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds (default 3)")
    args = parser.parse_args(argv)
    folder = Path(args.keep or tempfile.mkdtemp(prefix="bench-slim-"))
    folder.mkdir(parents=True, exist_ok=True)
    model = folder / f"llama_{args.size}.mlir"
    try:
        if not model.exists():
            subprocess.run([sys.executable, str(REPO / "examples" / "make_llama.py"), str(model),
                            "--size", args.size], check=True)
        from irtools.driver import find_tool

        size = model.stat().st_size
        irtools = [sys.executable, "-m", "irtools", "slim", str(model)]
        outputs = {name: folder / name for name in ("stripped.mlir", "res.mlir", "par.mlir", "w.irpa")}
        runs = {
            "iree-ir-tool strip-data": [find_tool("iree-ir-tool"), "strip-data", str(model),
                                        "-o", str(outputs["stripped.mlir"])],
            "irtools slim (resources)": irtools + ["-o", str(outputs["res.mlir"])],
            "irtools slim --params": irtools + ["-o", str(outputs["par.mlir"]),
                                                "--params", str(outputs["w.irpa"])],
            "irtools slim --report": irtools + ["--report"],
        }
        print(f"{model}: {size / 2**20:.0f} MiB, best of {args.repeat} rounds")
        times = {name: [] for name in runs}
        rss = dict.fromkeys(runs, 0.0)
        for _ in range(args.repeat):
            for name, cmd in runs.items():
                for path in outputs.values():
                    path.unlink(missing_ok=True)
                seconds, peak = measure(cmd)
                times[name].append(seconds)
                rss[name] = max(rss[name], peak)
        print(f"{'tool':28} {'best s':>7} {'median s':>9} {'MB/s':>6} {'peak RSS MiB':>13}")
        for name in runs:
            best = min(times[name])
            print(f"{name:28} {best:7.2f} {statistics.median(times[name]):9.2f} "
                  f"{size / 1e6 / best:6.0f} {rss[name]:13.0f}")
        anchor = min(times["iree-ir-tool strip-data"])
        for name in list(runs)[1:3]:
            print(f"{name} / strip-data: {min(times[name]) / anchor:.2f}x")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
