"""Speed and memory of `irtools hotspots` on a capture of 10+ million zones.

The capture is made the way the fixtures were: the decode function of
c_tfm_ext.mlir on llvm-cpu, local-task, under iree-benchmark-module with
`--benchmark_min_time=5000x --benchmark_repetitions=4`, captured by
iree-tracy-capture. It is cached in bench-out/ (minutes to make).

Anchor, in the same run: decompressing the same file alone (every block
through the same zstd/LZ4 decoders, nothing parsed). Reported: wall time and
peak RSS of `irtools hotspots` in a fresh process, as a ratio to the anchor,
and bytes of peak memory per zone.

    python benchmarks/bench_hotspots.py [--capture PATH]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
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
    from irtools.capture import capture

    vmfb = OUT / "c_tfm_ext_llvmcpu.vmfb"
    driver.run_tool([driver.find_tool("iree-compile"), MODEL, "--iree-hal-target-device=local",
                     "--iree-hal-local-target-device-backends=llvm-cpu",
                     "--iree-llvmcpu-target-cpu=host", "-o", vmfb], timeout=600)
    argv = [driver.find_tool("iree-benchmark-module", tracy=True), f"--module={vmfb}",
            "--device=local-task", "--function=decode", "--benchmark_min_time=5000x",
            "--benchmark_repetitions=4", *signature_inputs(MODEL, "decode")]
    capture(argv, path, timeout=3000, log_dir=OUT)


def decompress_only(path: Path) -> float:
    from irtools.trace.container import Container

    start = time.perf_counter()
    c = Container(path)
    total = sum(len(data) for _, data in c.payload(threaded=False))
    c.close()
    return time.perf_counter() - start, total


def timed_child(code: str) -> tuple[float, int, str]:
    """Wall time, peak RSS (bytes) and stdout of a fresh Python process."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return wall, peak, proc.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--capture", type=Path, default=OUT / "decode_10M.tracy")
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    if not args.capture.exists():
        print(f"making {args.capture} (takes minutes)...", file=sys.stderr)
        make_capture(args.capture)
    size = args.capture.stat().st_size
    anchor, payload = min(decompress_only(args.capture) for _ in range(3))
    # Python start-up and imports, measured alone, so they can be told apart.
    base_wall, base_rss, _ = timed_child("import irtools.trace.hotspots, pandas")
    code = ("import sys, irtools; from irtools.cli import main; "
            f"t = irtools.open_trace({str(args.capture)!r}); print(t.zone_count); "
            "sys.stdout.flush()")
    read_wall, _, out = timed_child(code)
    zones = int(out.strip().splitlines()[-1])
    cli = f"from irtools.cli import main; main(['hotspots', {str(args.capture)!r}, '--top', '5'])"
    walls = []
    for _ in range(3):
        wall, peak, _ = timed_child(cli)
        walls.append(wall)
    wall = min(walls)
    result = {
        "capture_bytes": size, "payload_bytes": payload, "zones": zones,
        "decompress_s": round(anchor, 3), "python_startup_s": round(base_wall, 3),
        "read_only_s": round(read_wall, 3), "hotspots_s": round(wall, 3),
        "hotspots_over_decompress": round(wall / anchor, 2),
        "hotspots_minus_startup_over_decompress": round((wall - base_wall) / anchor, 2),
        "peak_rss_bytes": peak, "peak_rss_bytes_per_zone": round(peak / zones, 1),
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
