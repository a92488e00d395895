"""`irtools export TRACE`: a capture's zones for Perfetto, Chrome, pandas, spreadsheets."""

from __future__ import annotations

import argparse
import os

from irtools.trace import EXPORT_FORMATS as FORMATS

EXAMPLES = """\
examples:
  irtools export run.tracy                         # run.json.gz: open it in ui.perfetto.dev
  irtools export run.tracy -o zones.parquet        # one row per zone (needs irtools[parquet])
  irtools export run.tracy --format csv -o zones.csv.gz

formats:
  chrome-json  Chrome trace-event JSON: one complete event per zone (ts and dur in µs with
               three decimals, exact to the ns), thread names, messages, plots as counters.
  parquet      the zone table of `irtools.open_trace(...).zones()`, a row group per 262,144 zones.
  csv          the same table as CSV. Any output ending in .gz is gzip-compressed.
"""


def add_parser(sub):
    p = sub.add_parser("export", help="write a capture's zones as Chrome JSON, Parquet or CSV",
                       description=__doc__, epilog=EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("trace", metavar="TRACE", help="a .tracy capture (never modified)")
    p.add_argument("--format", choices=FORMATS,
                   help="default: from the output's name, else chrome-json")
    p.add_argument("-o", "--output", metavar="OUT",
                   help="default: TRACE's name with .json.gz, .parquet or .csv, here")
    p.set_defaults(func=run)


def run(args) -> int:
    from irtools._io import is_stream
    from irtools.cli._common import open_trace
    from irtools.render import human_bytes, progress_bar, stderr_console, stdout_console
    from irtools.trace.export import check, export

    fmt = check(args.output, args.format)
    trace = open_trace(args.trace)
    with progress_bar(f"export {fmt}", unit_bytes=False) as progress:
        out = export(trace, args.output, fmt, progress=progress)
    if is_stream(out):   # -o /dev/stdout: the data is on stdout, the note goes beside it
        stderr_console().print(f"wrote {out}: {trace.zone_count:,} zones", highlight=False)
    else:
        stdout_console().print(f"wrote {out}: {trace.zone_count:,} zones, "
                               f"{human_bytes(os.path.getsize(out))}", highlight=False)
    return 0
