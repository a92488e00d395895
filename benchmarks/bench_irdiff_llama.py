"""Inferred changed flags on after-only dumps of the example model at several sizes:
their speed against `grep -c 'IR Dump'` on the same file, their accuracy against the
exact flags of a Before/After dump of the same compile, and `ir passes` table and csv.

    python3 benchmarks/bench_irdiff_llama.py [--workdir DIR] [--layers 1,4,16] [--keep-constants]

For each size, examples/make_llama.py writes the model (--layers N, the other dimensions
small) and iree-compile writes two dumps of it for llvm-cpu, after-only
(--mlir-print-ir-after-all) and before+after (cached in the work dir: minutes each).
Constants are elided (--mlir-elide-elementsattrs-if-larger=16) unless --keep-constants.
Then, each in a fresh child process:
  * grep -c 'IR Dump' over the after-only dump (the anchor), best of 3
  * the index of the after-only dump, and the inferred flags after it (best of 3), with peak RSS
  * the exact flags of the before+after dump
  * `irtools ir passes DUMP` (the capped table) and `--format csv`, with a cold cache
Targets (issue 14): flags <= 5x grep plus the index; after-only wrong <= 1.5%, unknown <= 2%
(wrong: a real change called none, or the other way round; cosmetic counts as none).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET = ["--iree-hal-target-device=local", "--iree-hal-local-target-device-backends=llvm-cpu",
          "--iree-llvmcpu-target-cpu=host", "--mlir-disable-threading"]
ELIDE = ["--mlir-elide-elementsattrs-if-larger=16"]
MODES = {"a": ["--mlir-print-ir-after-all"],
         "ba": ["--mlir-print-ir-before-all", "--mlir-print-ir-after-all"]}

CHANGED = ("changed", "true")   # the class's name, and what earlier versions called it
CHILD = r"""
import json, resource, sys, time
from irtools.irdiff.dump import Dump
path = sys.argv[1]
out = {"index_s": [], "flags_s": []}
for _ in range(3):   # best of 3: the VM's timings vary by 10-20% from run to run
    t = time.perf_counter()
    dump = Dump.open(path)
    out["index_s"].append(time.perf_counter() - t)
    t = time.perf_counter()
    flags = dump.flags()
    out["flags_s"].append(time.perf_counter() - t)
out = {"index_s": min(out["index_s"]), "flags_s": min(out["flags_s"]), "snapshots": len(dump)}
out["passes"] = [(s.pass_name, s.arg) for s in dump.index.snapshots if s.when == "after"]
out["flags"] = [flags[s.index] for s in dump.index.snapshots if s.when == "after"]
out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def child(path):
    result = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True,
                            check=True)
    return json.loads(result.stdout)


def grep_time(path):
    best = None
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run(["grep", "-c", "IR Dump", str(path)], capture_output=True, check=False)
        took = time.perf_counter() - t
        best = took if best is None else min(best, took)
    return best


def cli_time(*args):
    """Seconds of an `irtools` command with a cold disk cache, and its last stdout line."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, IRTOOLS_CACHE=cache)
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "irtools", *map(str, args)], capture_output=True,
                              text=True, env=env, check=False)
        if proc.returncode and "--all" in args:   # a version whose tables have no --all
            return cli_time(*(a for a in args if a != "--all"))
        proc.check_returncode()
        took = time.perf_counter() - t
    lines = proc.stdout.strip().splitlines()
    return took, len(lines), lines[-1] if lines else ""


def make_dumps(workdir: Path, layers: int, keep_constants: bool) -> dict:
    from irtools.driver import find_tool

    name = f"llama-l{layers}" + ("-c" if keep_constants else "")
    model = workdir / f"{name}.mlir"
    if not model.exists():
        subprocess.run([sys.executable, str(REPO / "examples" / "make_llama.py"), str(model),
                        "--layers", str(layers), "--hidden", "64", "--heads", "2", "--ffn", "128",
                        "--vocab", "64", "--seq", "8"], check=True)
    out = {}
    for mode, flags in MODES.items():
        dump = workdir / f"{name}.{mode}.txt"
        if not dump.exists():
            print(f"compiling {dump.name} ...", file=sys.stderr, flush=True)
            part = dump.with_suffix(".part")
            with open(part, "wb") as err:
                subprocess.run([find_tool("iree-compile"), str(model), *TARGET,
                                *([] if keep_constants else ELIDE), *flags, "-o", os.devnull],
                               stderr=err, check=True)
            part.rename(dump)
        out[mode] = dump
    return out


def accuracy(after, exact):
    if after["passes"] != exact["passes"]:
        raise SystemExit("the two dumps do not list the same passes: not the same compile?")
    n = len(after["flags"])
    wrong = sum(g != "unknown" and (g in CHANGED) != (e in CHANGED)
                for g, e in zip(after["flags"], exact["flags"]))
    unknown = after["flags"].count("unknown")
    return n, wrong, unknown


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workdir", default="/tmp/irtools-bench-llama")
    ap.add_argument("--layers", default="1,4,16", help="model sizes, as comma-separated layer counts")
    ap.add_argument("--keep-constants", action="store_true", help="print the weights in the dumps")
    args = ap.parse_args(argv)
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"timings are noisy when other work shares it")
    pooled = [0, 0, 0]
    sizes = [int(x) for x in args.layers.split(",")]
    every = {layers: make_dumps(workdir, layers, args.keep_constants) for layers in sizes}
    for layers in sizes:
        dumps = every[layers]
        path = dumps["a"]
        subprocess.run(["cat", str(path)], stdout=subprocess.DEVNULL, check=True)   # warm the page cache
        grep = grep_time(path)
        after = child(path)
        exact = child(dumps["ba"])
        n, wrong, unknown = accuracy(after, exact)
        pooled = [pooled[0] + n, pooled[1] + wrong, pooled[2] + unknown]
        table_s, table_lines, table_last = cli_time("ir", "passes", path)
        csv_s, csv_lines, _ = cli_time("ir", "passes", path, "--all", "--format", "csv")
        size = path.stat().st_size / 2**20
        print(f"\nllama --layers {layers}: {path} ({size:.0f} MiB, {after['snapshots']:,} snapshots)")
        print(f"  grep -c 'IR Dump':  {grep:.2f} s")
        print(f"  index:              {after['index_s']:.2f} s = {after['index_s'] / grep:.1f}x grep")
        goal = 5 * grep + after["index_s"]
        print(f"  inferred flags:     {after['flags_s']:.2f} s = {after['flags_s'] / grep:.1f}x grep, "
              f"peak RSS {after['rss_mb']:.0f} MB; goal 5x grep + index = {goal:.2f} s "
              f"({'met' if after['flags_s'] <= goal else 'not met'})")
        print(f"  exact flags (b+a):  {exact['flags_s']:.2f} s over {dumps['ba'].stat().st_size / 2**20:.0f} MiB")
        print(f"  accuracy:           {n} passes, wrong {100 * wrong / n:.2f}%, unknown {100 * unknown / n:.2f}%")
        print(f"  ir passes (table):  {table_s:.1f} s, {table_lines} lines ({table_last.strip()[:90]})")
        print(f"  ir passes --all --format csv: {csv_s:.1f} s, {csv_lines - 1:,} rows")
    n, wrong, unknown = pooled
    print(f"\npooled: {n} passes, wrong {100 * wrong / n:.2f}%, unknown {100 * unknown / n:.2f}%")


if __name__ == "__main__":
    main()
