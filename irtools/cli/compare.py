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
  irtools compare runs/before runs/after --by dispatch    # run directories: runs paired by name
  irtools compare runs/x/llvm-cpu/local-task/prefill runs/x/vmvx/local-task/prefill --by op
"""


def add_parser(sub):
    p = sub.add_parser("compare", help="compare the hotspots of two captures",
                       description=__doc__, epilog=EXAMPLE,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("a", metavar="A", help="the baseline capture (.tracy or run directory)")
    p.add_argument("b", metavar="B", help="the capture to compare with it")
    add_grouping_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from irtools.run.layout import is_run_dir

    if is_run_dir(args.a) or is_run_dir(args.b):
        return run_dirs(args)
    return run_traces(args)


def run_dirs(args) -> int:
    from irtools.render import console_width, progress_bar
    from irtools.render.tables import compare_table
    from irtools.run.report import compare_runs, stack_runs

    with progress_bar(f"reading {args.a} and {args.b}") as progress:
        frames = compare_runs(args.a, args.b, by=args.by, self_time=args.self_time,
                              top=args.top, filter=args.filter, progress=progress)
    if args.format != "table":
        emit(stack_runs(frames, ("a", "b")), args.format, None)
        return 0
    for f in frames:
        title = f"A = {f.attrs['a']}\nB = {f.attrs['b']}   (by {args.by}, sorted by |Δ total|)"
        emit(f, "table", lambda f, t=title: compare_table(f, title=t, width=console_width()))
    return 0


def run_traces(args) -> int:
    from irtools.render import console_width
    from irtools.render.tables import compare_table
    from irtools.trace.compare import compare

    frame = compare(open_trace(args.a, tree=args.self_time),
                    open_trace(args.b, tree=args.self_time), by=args.by,
                    self_time=args.self_time, top=args.top, filter=args.filter)
    title = f"A = {args.a}\nB = {args.b}   (by {args.by}, sorted by |Δ total|)"
    emit(frame, args.format, lambda f: compare_table(f, title=title, width=console_width()))
    return 0
