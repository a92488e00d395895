"""Speed and memory of `irtools hotspots` on a capture of 10+ million zones.

The capture is made the way the fixtures were: the decode function of
c_tfm_ext.mlir on llvm-cpu, local-task, under iree-benchmark-module with
`--benchmark_min_time=5000x --benchmark_repetitions=4`, captured by
iree-tracy-capture. It is cached in bench-out/ (minutes to make).

Anchor, in the same run: decompressing the same file alone in one thread
(every block through the same zstd/LZ4 decoders, nothing parsed), as Tracy's
figures are given. Also shown: the same decoding with the reader's threads
(one per stream, up to the cores). Reported: wall time of `irtools hotspots`
in a fresh process, start-up and all, best and median of the rounds, as a
ratio to the anchor; peak RSS in bytes per zone; the same for `--self`
(which also reads the zones' nesting); and the notebook call
`irtools.hotspots(path)`, which also imports pandas.

    python benchmarks/bench_hotspots.py [--capture PATH] [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench-out"
MODEL = REPO.parent / "shared" / "fixtures" / "models" / "c_tfm_ext.mlir"


def signature_inputs(mlir: Path, function: str) -> list[str]:
    text = mlir.read_text()
    m = re.search(rf"func\.func @{function}\((.*?)\)\s*->", text, re.S)
    return [f"--input={shape}x{dtype}=0.01" for shape, dtype in
            re.findall(r"tensor<([\dx]+)x(f32|f16|i32)>", m.group(1))]


def make_capture(path: Path):
    from irtools import driver
    from irtools.run.tracy_capture import capture

    vmfb = OUT / "c_tfm_ext_llvmcpu.vmfb"
    driver.run_tool([driver.find_tool("iree-compile"), MODEL, "--iree-hal-target-device=local",
                     "--iree-hal-local-target-device-backends=llvm-cpu",
                     "--iree-llvmcpu-target-cpu=host", "-o", vmfb], timeout=600)
    argv = [driver.find_tool("iree-benchmark-module", tracy=True), f"--module={vmfb}",
            "--device=local-task", "--function=decode", "--benchmark_min_time=5000x",
            "--benchmark_repetitions=4", *signature_inputs(MODEL, "decode")]
    capture(argv, path, timeout=3000, log_dir=OUT)


def decompress_only(path: Path, threaded: bool) -> tuple[float, int]:
    """Decode every block, nothing parsed: in one thread (the anchor), or with the
    reader's own decoding threads (one per stream, up to the cores)."""
    from irtools.trace.container import Container

    start = time.perf_counter()
    c = Container(path)
    total = sum(len(data) for _, data in c.payload(threaded=threaded))
    c.close()
    return time.perf_counter() - start, total


def timed_child(code: str) -> tuple[float, int, str]:
    """Wall time, peak RSS (bytes) and stdout of a fresh Python process."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"child failed ({proc.returncode}): {code}")
    return wall, usage.ru_maxrss * 1024, out


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--capture", type=Path, default=OUT / "decode_10M.tracy")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    if not args.capture.exists():
        print(f"making {args.capture} (takes minutes)...", file=sys.stderr)
        make_capture(args.capture)
    size = args.capture.stat().st_size
    path = str(args.capture)
    cli = f"from irtools.cli import main; main(['hotspots', {path!r}, '--top', '5'])"
    cli_self = f"from irtools.cli import main; main(['hotspots', {path!r}, '--top', '5', '--self'])"
    # Dispatches by invocation: the zones of the tiles, regions and command buffers picked
    # in the C grouping pass, then invocations found (trace/invocations.py).
    cli_dispatch = (f"from irtools.cli import main; "
                    f"main(['hotspots', {path!r}, '--top', '5', '--by', 'dispatch'])")
    notebook = f"import irtools; irtools.hotspots({path!r}).head(5)"
    startup = "import numpy, rich.table, irtools.cli.hotspots"
    zones_code = f"import irtools; print(irtools.open_trace({path!r}).zone_count)"
    zones = int(timed_child(zones_code)[2].strip().splitlines()[-1])
    # Rounds interleave the anchor and the measured commands, so that a slow
    # moment of the machine hits both.
    rows = {k: [] for k in ("decompress", "decompress_threads", "startup", "cli", "cli_self",
                            "cli_dispatch", "notebook")}
    peak = peak_self = peak_dispatch = 0
    for _ in range(args.rounds):
        rows["decompress"].append(decompress_only(args.capture, threaded=False)[0])
        rows["decompress_threads"].append(decompress_only(args.capture, threaded=True)[0])
        rows["startup"].append(timed_child(startup)[0])
        wall, rss, _ = timed_child(cli)
        rows["cli"].append(wall)
        peak = max(peak, rss)
        wall, rss, _ = timed_child(cli_self)
        rows["cli_self"].append(wall)
        peak_self = max(peak_self, rss)
        wall, rss, _ = timed_child(cli_dispatch)
        rows["cli_dispatch"].append(wall)
        peak_dispatch = max(peak_dispatch, rss)
        rows["notebook"].append(timed_child(notebook)[0])
    best = {k: min(v) for k, v in rows.items()}
    median = {k: statistics.median(v) for k, v in rows.items()}
    ratios = [c / d for c, d in zip(rows["cli"], rows["decompress"])]
    result = {
        "capture_bytes": size,
        "payload_bytes": decompress_only(args.capture, threaded=False)[1],
        "zones": zones, "rounds": args.rounds,
        "decompress_s": round(best["decompress"], 3),
        "decompress_threads_s": round(best["decompress_threads"], 3),
        "python_startup_s": round(best["startup"], 3),
        "hotspots_s": round(best["cli"], 3),
        "hotspots_median_s": round(median["cli"], 3),
        "hotspots_over_decompress": round(best["cli"] / best["decompress"], 2),
        "hotspots_over_decompress_per_round": [round(r, 2) for r in ratios],
        "hotspots_over_threaded_decompress": round(best["cli"] / best["decompress_threads"], 2),
        "hotspots_self_s": round(best["cli_self"], 3),
        "hotspots_self_median_s": round(median["cli_self"], 3),
        "hotspots_self_over_decompress": round(best["cli_self"] / best["decompress"], 2),
        "hotspots_dispatch_s": round(best["cli_dispatch"], 3),
        "hotspots_dispatch_median_s": round(median["cli_dispatch"], 3),
        "hotspots_dispatch_over_decompress": round(best["cli_dispatch"] / best["decompress"], 2),
        "notebook_hotspots_s": round(best["notebook"], 3),
        "peak_rss_bytes": peak, "peak_rss_bytes_per_zone": round(peak / zones, 1),
        "self_peak_rss_bytes_per_zone": round(peak_self / zones, 1),
        "dispatch_peak_rss_bytes_per_zone": round(peak_dispatch / zones, 1),
        "load_average_1min": round(os.getloadavg()[0], 1),
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
