"""`irtools peak`: measure the machine's compute and memory ceilings with IREE kernels."""

from __future__ import annotations

import argparse

from irtools.cli._args import count

EXAMPLE = """\
examples:
  irtools peak                              # llvm-cpu on local-task: all cores
  irtools peak --target llvm-cpu@local-sync # one core: what a local-sync run can reach
  irtools peak --force                      # measure again (the result is cached)
  irtools peak --format json > ceilings.json

Kernels (f32 matmuls; elementwise adds from 64 KiB to 64 MiB) are compiled for the
target and run with iree-benchmark-module; the fastest of many interleaved runs
counts. A busy machine gives lower and noisier ceilings: measure when it is idle.
`irtools hotspots RUN --by dispatch --explain` reads the cached ceilings.
"""


def add_parser(sub):
    p = sub.add_parser("peak", help="measure the compute and memory ceilings of a target",
                       description=__doc__, epilog=EXAMPLE,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--target", action="append", metavar="TARGET",
                   help="BACKEND[@DEVICE] as in `irtools run` (default: llvm-cpu; repeatable)")
    p.add_argument("--workers", type=count(1, 1024), metavar="N",
                   help="local-task worker threads (default: as many as a run uses)")
    p.add_argument("--force", action="store_true", help="measure again instead of reading the cache")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=run)


def run(args) -> int:
    import json
    import sys

    from irtools.analysis import peak
    from irtools.render import stderr_console, stdout_console
    from irtools.render.roofline import ceilings_table
    from irtools.run.runner import parse_targets

    err = stderr_console()
    results = []
    for target in parse_targets(args.target):
        workers = args.workers if target.device == "local-task" else None
        if sys.stderr.isatty():
            with err.status(f"measuring {target.name}") as status:
                c = peak.measure(target, workers=workers, force=args.force, report=status.update)
        else:
            c = peak.measure(target, workers=workers, force=args.force)
        results.append(c)
    if args.format == "json":
        json.dump([c.to_json() for c in results], sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    out = stdout_console()
    for c in results:
        out.print(ceilings_table(c, peak.cache_file(c.key)))
    return 0
