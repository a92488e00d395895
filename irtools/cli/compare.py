"""`irtools compare A B`: the same hotspot groups of two captures side by side."""

from __future__ import annotations

import argparse

from irtools.cli._common import emit, open_trace
from irtools.cli.hotspots import add_grouping_options

EXAMPLE = """\
examples:
  irtools compare before.tracy after.tracy
  irtools compare llvmcpu.tracy vmvx.tracy --by dispatch --top 10
  irtools compare prefill.tracy decode.tracy --by op
"""


def add_parser(sub):
    p = sub.add_parser("compare", help="compare the hotspots of two captures",
                       description=__doc__, epilog=EXAMPLE,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("a", metavar="A", help="the baseline capture")
    p.add_argument("b", metavar="B", help="the capture to compare with it")
    add_grouping_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from irtools.render import console_width
    from irtools.render.tables import compare_table
    from irtools.trace.compare import compare

    frame = compare(open_trace(args.a, tree=args.self_time),
                    open_trace(args.b, tree=args.self_time), by=args.by,
                    self_time=args.self_time, top=args.top, filter=args.filter)
    title = f"A = {args.a}\nB = {args.b}   (by {args.by}, sorted by |Δ total|)"
    emit(frame, args.format, lambda f: compare_table(f, title=title, width=console_width()))
    return 0
