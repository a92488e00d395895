"""Speed and memory of irtools' IR-dump index against `grep -c 'IR Dump'`, on a big real dump.

    python3 benchmarks/bench_irdiff.py [--workdir DIR] [--model c_tfm_ext] [--after-only DUMP]

Generates the module-scope after-all dump of the model (minutes, cached in the
work dir), then measures, each in a fresh child process so peak RSS is its own:
  * grep -c 'IR Dump' over the file (the anchor), best of 3
  * the index (irtools.irdiff.index.scan), best of 3, and its peak RSS
  * finding the changed passes after the index, and its peak RSS
  * the same on an after-only op-scope dump (flags inferred), against grep over that file;
    `--after-only DUMP` takes one you have (e.g. of examples/make_llama.py), else the
    model's is generated
  * a diff of the two largest real snapshots
  * a diff of two ~200 MB snapshots (a real snapshot with a 200 MB constant added)
Targets: index <= 2x grep, changed <= 2x index, RSS < 256 MB, big diff in seconds.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MODELS = REPO.parent / "shared" / "fixtures" / "models"
FLAGS = ["--iree-hal-target-device=local", "--iree-hal-local-target-device-backends=llvm-cpu",
         "--iree-llvmcpu-target-cpu=host", "--mlir-disable-threading", "--mlir-print-ir-after-all"]
MODULE_SCOPE = ["--mlir-print-ir-module-scope"]

CHILD = r"""
import json, resource, sys, time
from irtools.irdiff.dump import Dump
from irtools.irdiff.index import scan
what, path = sys.argv[1], sys.argv[2]
t = time.perf_counter()
out = {}
if what == "index":
    idx = scan(path)
    out["snapshots"] = len(idx)
    out["index_s"] = time.perf_counter() - t
elif what == "changed":
    dump = Dump.open(path)
    out["index_s"] = time.perf_counter() - t
    t = time.perf_counter()
    flags = dump.flags()
    out["changed_s"] = time.perf_counter() - t
    out["changed"] = flags.count("changed")
    out["unknown"] = flags.count("unknown")
elif what == "diff":
    a, b = int(sys.argv[3]), int(sys.argv[4])
    dump = Dump.open(path)
    t = time.perf_counter()
    d = dump.diff(a, b)
    n = sum(1 for _ in d.unified())
    out["diff_s"] = time.perf_counter() - t
    out["diff_lines"] = n
    out["bytes"] = dump.index[a].size + dump.index[b].size
out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def child(*args):
    result = subprocess.run([sys.executable, "-c", CHILD, *map(str, args)], capture_output=True,
                            text=True, check=True)
    return json.loads(result.stdout)


def grep_time(path):
    best = None
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run(["grep", "-rc" if path.is_dir() else "-c", "IR Dump", str(path)],
                       capture_output=True, check=False)
        took = time.perf_counter() - t
        best = took if best is None else min(best, took)
    return best


def _files(path: Path):
    """The dump's files: itself, or those of a --mlir-print-ir-tree-dir folder."""
    return sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]


def make_dump(workdir: Path, model: str, scope="module-scope") -> Path:
    out = workdir / f"{model}.{scope}.txt"
    if out.exists():
        return out
    from irtools.driver import find_tool
    from irtools.errors import ToolNotFound

    try:
        exe = find_tool("iree-compile")
    except ToolNotFound as err:
        sys.exit(str(err))
    print(f"generating {out} (takes minutes) ...", flush=True)
    tmp = out.with_suffix(".part")
    with open(tmp, "wb") as err:
        flags = FLAGS + (MODULE_SCOPE if scope == "module-scope" else [])
        subprocess.run([exe, str(MODELS / f"{model}.mlir"), *flags, "-o", str(workdir / "m.vmfb")],
                       stderr=err, check=True)
    tmp.rename(out)
    return out


def make_huge_pair(workdir: Path, dump: Path, size=200 << 20) -> Path:
    """Two ~200 MB snapshots: the largest real one plus a 200 MB hex constant, one byte apart."""
    out = workdir / "two-200MB-snapshots.txt"
    if out.exists():
        return out
    from irtools.irdiff.index import scan

    idx = scan(dump)
    big = max(idx.snapshots, key=lambda s: s.size)
    with open(dump, "rb") as f:
        f.seek(big.start)
        text = f.read(big.size)
    head, body = text.split(b"\n", 1)
    cut = body.rfind(b"\n}")
    with open(out, "wb") as sink:
        for k in range(2):
            sink.write(head + b"\n" + body[:cut] + b"\n  util.global private @huge = dense<\"0x")
            block = b"ab" * (1 << 20)
            for _ in range(size // len(block)):
                sink.write(block)
            sink.write(b"cd" if k else b"ab")
            sink.write(b"\"> : tensor<104857601xi8>" + body[cut:])
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workdir", default="/tmp/irtools-bench")
    ap.add_argument("--model", default="c_tfm_ext")
    ap.add_argument("--after-only", help="an after-only dump to infer the flags of")
    args = ap.parse_args(argv)
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    dump = make_dump(workdir, args.model)
    size = dump.stat().st_size
    subprocess.run(["cat", str(dump)], stdout=subprocess.DEVNULL, check=True)   # warm the cache

    grep = grep_time(dump)
    index = min((child("index", dump) for _ in range(3)), key=lambda r: r["index_s"])
    changed = child("changed", dump)
    from irtools.irdiff.index import scan

    idx = scan(dump)
    order = sorted(range(len(idx)), key=lambda i: idx[i].size)
    a, b = sorted(order[-2:])
    real_diff = child("diff", dump, a, b)
    huge = make_huge_pair(workdir, dump)
    huge_diff = child("diff", huge, 0, 1)
    after = Path(args.after_only) if args.after_only else make_dump(workdir, args.model, "after-only")
    subprocess.run(["cat", *map(str, _files(after))], stdout=subprocess.DEVNULL, check=True)
    after_grep = grep_time(after)
    inferred = child("changed", after)

    print(f"dump: {dump} ({size / 2**20:.0f} MiB, {index['snapshots']} snapshots)")
    print(f"grep -c 'IR Dump':      {grep:.3f} s")
    print(f"index:                  {index['index_s']:.3f} s = {index['index_s'] / grep:.2f}x grep, "
          f"peak RSS {index['rss_mb']:.0f} MB")
    print(f"changed passes:         {changed['changed_s']:.3f} s = "
          f"{changed['changed_s'] / changed['index_s']:.2f}x its index ({changed['index_s']:.3f} s), "
          f"{changed['changed']} changed, {changed['unknown']} unknown, peak RSS {changed['rss_mb']:.0f} MB")
    print(f"inferred, after-only:   {inferred['changed_s']:.3f} s = {inferred['changed_s'] / after_grep:.0f}x "
          f"grep ({after_grep:.3f} s) over {after} "
          f"({sum(p.stat().st_size for p in _files(after)) / 2**20:.0f} MiB), "
          f"{inferred['changed']} changed, {inferred['unknown']} unknown, peak RSS {inferred['rss_mb']:.0f} MB")
    print(f"diff of the 2 largest:  {real_diff['diff_s']:.3f} s for {real_diff['bytes'] / 2**20:.1f} MiB, "
          f"peak RSS {real_diff['rss_mb']:.0f} MB")
    print(f"diff of 2 x 200 MB:     {huge_diff['diff_s']:.3f} s for {huge_diff['bytes'] / 2**20:.0f} MiB, "
          f"peak RSS {huge_diff['rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
