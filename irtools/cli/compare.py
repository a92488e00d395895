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


def _side(path, args):
    """Hotspot tables of one side: {run name: frame}; a .tracy file is one unnamed run."""
    from irtools.run.layout import RunDir, is_run_dir
    from irtools.run.report import run_hotspots
    from irtools.trace.hotspots import hotspots

    options = dict(by=args.by, self_time=args.self_time, filter=args.filter)
    if not is_run_dir(path):
        return {None: hotspots(open_trace(path, tree=args.self_time), **options)}
    return {info.name: run_hotspots(info, **options) for info in RunDir.open(path).run_list()}


def run_dirs(args) -> int:
    import pandas as pd

    from irtools.errors import UsageError
    from irtools.render import console_width
    from irtools.render.tables import compare_table
    from irtools.trace.compare import compare_frames

    a, b = _side(args.a, args), _side(args.b, args)
    if len(a) == 1 and len(b) == 1:
        pairs = [(next(iter(a)), next(iter(b)))]
    else:
        pairs = [(name, name) for name in a if name in b]
        if not pairs:
            raise UsageError("the two run directories share no run name "
                             f"(A: {', '.join(map(str, a))}; B: {', '.join(map(str, b))})",
                             fix="name one run's folder on each side")
    frames = []
    for na, nb in pairs:
        f = compare_frames(a[na], b[nb], by=args.by, top=args.top)
        f.attrs.update(a=f"{args.a}" + (f" ({na})" if na and len(a) > 1 else ""),
                       b=f"{args.b}" + (f" ({nb})" if nb and len(b) > 1 else ""))
        frames.append(f)
    if args.format != "table":
        both = pd.concat([f.assign(a=f.attrs["a"], b=f.attrs["b"]) for f in frames],
                         ignore_index=True)
        both.attrs.update(frames[0].attrs)
        emit(both, args.format, None)
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
