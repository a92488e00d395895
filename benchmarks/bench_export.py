"""Speed and memory of `irtools export` on a capture of 10+ million zones.

Uses the capture `bench_hotspots.py` makes and caches (bench-out/decode_10M.tracy).
Every measurement runs in a fresh process that reports its own wall time and
peak RSS. Anchors, in the same run:
  - reading the capture alone (`irtools.open_trace`), for time and memory:
    an export that held the zones twice would need far more than the reader;
  - gzip (level 3, as the export uses) of the very JSON bytes the export wrote:
    how much of the Chrome export is formatting rather than compressing.

    python benchmarks/bench_export.py [--capture PATH] [--formats chrome-json,parquet,csv]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench-out"
SUFFIX = {"chrome-json": ".json.gz", "parquet": ".parquet", "csv": ".csv"}

CHILD = """
import json, resource, sys, time
t0 = time.perf_counter()
import irtools
trace = irtools.open_trace(sys.argv[1])
t1 = time.perf_counter()
if len(sys.argv) > 2:
    from irtools.trace.export import export
    export(trace, sys.argv[3], sys.argv[2])
t2 = time.perf_counter()
print(json.dumps({"zones": trace.zone_count, "read_s": t1 - t0, "export_s": t2 - t1,
                  "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


def child(*argv) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD, *map(str, argv)], capture_output=True,
                          text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def gzip_same_bytes(path: Path) -> float:
    """Seconds to gzip (level 3) the uncompressed bytes of `path`; decoding is not timed."""
    inflate = zlib.decompressobj(31)
    deflate = zlib.compressobj(3, zlib.DEFLATED, 31)
    spent = 0.0
    with open(path, "rb") as f:
        while block := f.read(4 << 20):
            data = inflate.decompress(block)
            start = time.perf_counter()
            deflate.compress(data)
            spent += time.perf_counter() - start
    start = time.perf_counter()
    deflate.flush()
    return spent + time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--capture", type=Path, default=OUT / "decode_10M.tracy")
    ap.add_argument("--formats", default="chrome-json,parquet,csv")
    args = ap.parse_args()
    if not args.capture.exists():
        sys.exit(f"{args.capture} is missing: run benchmarks/bench_hotspots.py first (it makes it)")
    OUT.mkdir(exist_ok=True)
    read = min((child(args.capture) for _ in range(2)), key=lambda r: r["read_s"])
    zones = read["zones"]
    result = {"zones": zones, "read_s": round(read["read_s"], 2),
              "read_peak_rss_mib": round(read["peak_rss"] / 2**20)}
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        for fmt in args.formats.split(","):
            out = Path(tmp) / ("export" + SUFFIX[fmt])
            r = child(args.capture, fmt, out)
            size = out.stat().st_size
            entry = {
                "export_s": round(r["export_s"], 2),
                "export_over_read": round(r["export_s"] / r["read_s"], 2),
                "zones_per_s": round(zones / r["export_s"]),
                "output_mib": round(size / 2**20),
                "peak_rss_mib": round(r["peak_rss"] / 2**20),
                "peak_rss_over_read": round(r["peak_rss"] / read["peak_rss"], 2),
            }
            if fmt == "chrome-json":
                gz = gzip_same_bytes(out)
                entry["gzip_same_bytes_s"] = round(gz, 2)
                entry["export_over_gzip"] = round(r["export_s"] / gz, 2)
            result[fmt] = entry
            os.unlink(out)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
