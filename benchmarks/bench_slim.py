#!/usr/bin/env python3
"""Time `irtools slim` against `iree-ir-tool strip-data` on the same generated file.

    python benchmarks/bench_slim.py                  # 1 GB model in a temporary folder
    python benchmarks/bench_slim.py --size 3GB --keep /data/bench

Each tool runs in its own process; wall time and peak RSS come from wait4().
strip-data is lossy (it replaces the weights with placeholders); slim keeps them.
"""

from __future__ import annotations

import argparse
import os
import shutil
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
    args = parser.parse_args(argv)
    folder = Path(args.keep or tempfile.mkdtemp(prefix="bench-slim-"))
    folder.mkdir(parents=True, exist_ok=True)
    model = folder / f"llama_{args.size}.mlir"
    try:
        if not model.exists():
            subprocess.run([sys.executable, str(REPO / "examples" / "make_llama.py"), str(model),
                            "--size", args.size], check=True)
        size = model.stat().st_size
        irtools = [sys.executable, "-m", "irtools", "slim", str(model)]
        runs = {
            "iree-ir-tool strip-data": [shutil.which("iree-ir-tool"), "strip-data", str(model),
                                        "-o", str(folder / "stripped.mlir")],
            "irtools slim (resources)": irtools + ["-o", str(folder / "res.mlir")],
            "irtools slim --params": irtools + ["-o", str(folder / "par.mlir"),
                                                "--params", str(folder / "w.irpa")],
            "irtools slim --report": irtools + ["--report"],
        }
        print(f"{model}: {size / 2**20:.0f} MiB")
        print(f"{'tool':28} {'seconds':>8} {'MB/s':>8} {'peak RSS MiB':>13}")
        for name, cmd in runs.items():
            seconds, rss = measure(cmd)
            print(f"{name:28} {seconds:8.2f} {size / 1e6 / seconds:8.0f} {rss:13.0f}", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
