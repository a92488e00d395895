"""`irtools slim`: move big constants out of an MLIR file (or list them)."""

from __future__ import annotations

import argparse

from irtools.cli._args import count
from irtools.errors import UsageError

EXAMPLES = """examples:
  irtools slim model.mlir --report                       # list the largest constants
  irtools slim model.mlir -o slim.mlir                   # dense_resource blobs at the end
  irtools slim model.mlir -o slim.mlir --params w.irpa   # then: iree-run-module --parameters=model=w.irpa
"""


def add_parser(sub):
    p = sub.add_parser("slim", help="move big constants out of MLIR, losslessly",
                       description="Rewrite large dense<...> constants of an MLIR text file to "
                                   "resources or to an IREE parameter archive, in a stream.",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", help="the MLIR text file (never modified)")
    p.add_argument("-o", "--output", help="the slim MLIR file to write")
    p.add_argument("--params", metavar="OUT.irpa",
                   help="move the data into this parameter archive instead of resources")
    p.add_argument("--scope", default="model", help="parameter scope (default: model)")
    p.add_argument("--min-bytes", type=count(1), default=1024,
                   help="leave constants smaller than this inline (default: 1024)")
    p.add_argument("--report", action="store_true", help="list the largest constants; write nothing")
    p.add_argument("--top", type=count(1), default=20, help="rows in the report (default: 20)")
    p.set_defaults(func=run)


def run(args) -> int:
    from irtools._io import is_stream
    from irtools.render import progress_bar, stderr_console, stdout_console
    from irtools.render.slim import constants_table, summary
    from irtools.slim import rewrite as core

    if args.report == bool(args.output):
        raise UsageError("give either -o OUT.mlir or --report", fix="see irtools slim --help")
    if args.params and not args.output:
        raise UsageError("--params needs -o OUT.mlir")
    # With -o /dev/stdout the data is on stdout: the summary goes beside it.
    console = stderr_console() if args.output and is_stream(args.output) else stdout_console()
    with progress_bar("slim") as progress:
        if args.report:
            result = core.report(args.input, min_bytes=args.min_bytes, progress=progress)
        else:
            result = core.slim(args.input, args.output, params=args.params, scope=args.scope,
                               min_bytes=args.min_bytes, progress=progress)
    if args.report:
        console.print(constants_table(result, args.top))
    console.print(summary(result))
    return 0
