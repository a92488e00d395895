#!/usr/bin/env python3
"""The time `irtools run` adds over doing the same work by hand.

    python benchmarks/bench_run.py                 # example model, llvm-cpu + vmvx, prefill + decode
    python benchmarks/bench_run.py --size 64MB --repeat 5

The anchor is the bare commands the run recorded in its manifest, replayed in the
same session: each iree-compile, then each iree-run-module under iree-tracy-capture
(started as a user would: capture tool in the background, program with TRACY_PORT
and TRACY_NO_EXIT). `irtools run` does that plus its own work: versions, device list,
signatures, random inputs and the manifest (`--top 0`); the default summary, which reads
every trace and profile to print the slowest dispatches, is timed on its own line.
The two take turns for --repeat rounds. On a shared 2-core VM a round varies by
+-0.7 s (mostly in the compiles), so besides best and median it also reports the
median of the rounds' ratios, CPU time, and irtools' own time: its wall time less
the steps (compiles, captured runs) as it timed them, which that noise hardly touches.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu() -> float:
    """User + system CPU seconds of all finished child processes so far."""
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime


def timed_irtools(model: Path, out: Path, targets, functions, top: int) -> float:
    argv = [sys.executable, "-m", "irtools", "run", str(model), "-o", str(out), "--force",
            "--top", str(top)]
    for t in targets:
        argv += ["--target", t]
    for f in functions:
        argv += ["--function", f]
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def timed_bare(manifest: dict, scratch: Path) -> float:
    """Replay the run's own commands: compiles, then captured runs."""
    start = time.perf_counter()
    for c in manifest["compiles"]:
        subprocess.run(c["command"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for r in manifest["runs"]:
        if r["status"] != "ok":
            continue
        port = free_port()
        cap_argv = list(r["capture_command"])
        cap_argv[cap_argv.index("-o") + 1] = str(scratch / "bare.tracy")
        cap_argv[cap_argv.index("-p") + 1] = str(port)
        env = dict(os.environ, TRACY_PORT=str(port), TRACY_NO_EXIT="1", TRACY_NO_SYS_TRACE="1")
        run_argv = [a for a in r["command"] if not a.startswith("--device_profiling_output")]
        run_argv.append(f"--device_profiling_output={scratch / 'bare.ireeprof'}")
        cap = subprocess.Popen(cap_argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run(run_argv, env=env, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        if cap.wait(timeout=120) != 0:
            sys.exit("iree-tracy-capture failed in the bare replay")
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", help="model size for examples/make_llama.py (default: its default)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--target", action="append", help="default: llvm-cpu and vmvx")
    args = parser.parse_args(argv)
    targets = args.target or ["llvm-cpu", "vmvx"]
    functions = ["prefill", "decode"]
    folder = Path(tempfile.mkdtemp(prefix="bench-run-"))
    try:
        model = folder / "llama.mlir"
        make = [sys.executable, str(REPO / "examples" / "make_llama.py"), str(model)]
        subprocess.run(make + (["--size", args.size] if args.size else []), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ours, bare, ours_cpu, bare_cpu, summary, own = [], [], [], [], [], []
        for _ in range(args.repeat):
            c = cpu()
            ours.append(timed_irtools(model, folder / "run", targets, functions, top=0))
            ours_cpu.append(cpu() - c)
            # irtools' own time: its wall time less the steps it waited for, as it timed them.
            manifest = json.loads((folder / "run" / "manifest.json").read_text())
            steps = sum(x["seconds"] for x in manifest["compiles"] + manifest["runs"]
                        if x.get("seconds"))
            own.append((ours[-1] - steps, steps))
            summary.append(timed_irtools(model, folder / "run", targets, functions, top=5))
            manifest = json.loads((folder / "run" / "manifest.json").read_text())
            c = cpu()
            bare.append(timed_bare(manifest, folder))
            bare_cpu.append(cpu() - c)
        best_ours, best_bare = min(ours), min(bare)
        med_ours, med_bare = statistics.median(ours), statistics.median(bare)
        cpu_ours, cpu_bare = statistics.median(ours_cpu), statistics.median(bare_cpu)
        print(f"model {model.stat().st_size / 2**20:.1f} MiB, targets {', '.join(targets)}, "
              f"functions {', '.join(functions)}, {args.repeat} rounds (best of each)")
        print(f"bare commands : {best_bare:7.2f} s   (rounds: {', '.join(f'{t:.2f}' for t in bare)})")
        print(f"irtools run   : {best_ours:7.2f} s   (rounds: {', '.join(f'{t:.2f}' for t in ours)})"
              "   --top 0")
        print(f"  + summary   : {min(summary):7.2f} s   (rounds: "
              f"{', '.join(f'{t:.2f}' for t in summary)})   the default: hotspots of every run "
              f"({100 * (min(summary) / best_bare - 1):+.1f}% best, "
              f"{100 * (statistics.median(summary) / med_bare - 1):+.1f}% median)")
        paired = statistics.median(o / b for o, b in zip(ours, bare))
        print(f"overhead      : {100 * (best_ours / best_bare - 1):+.1f}% best, "
              f"{100 * (med_ours / med_bare - 1):+.1f}% median, "
              f"{100 * (paired - 1):+.1f}% median of the rounds' ratios  (target < 10%)")
        print(f"own time      : {statistics.median(o for o, _ in own):.2f} s median "
              f"(rounds: {', '.join(f'{o:.2f}' for o, _ in own)}), "
              f"{100 * statistics.median(o / s for o, s in own):.1f}% of the steps it ran; "
              "wall time less the compiles and captured runs as irtools timed them")
        print(f"CPU time      : bare {cpu_bare:.2f} s, irtools run {cpu_ours:.2f} s "
              f"({100 * (cpu_ours / cpu_bare - 1):+.1f}%, medians; steadier on a shared machine)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
