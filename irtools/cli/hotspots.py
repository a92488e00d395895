"""`irtools hotspots TRACE`: rank the slowest zones and dispatches of a capture."""

from __future__ import annotations

import argparse

from irtools.cli._args import count, regex
from irtools.cli._common import FORMATS, emit, open_trace
from irtools.trace import GROUPINGS, SORTS

EXAMPLE = """\
examples:
  irtools hotspots trace.tracy                       # zones by name, slowest total first
  irtools hotspots trace.tracy --by dispatch --top 10  # invocations, slowest wall first
  irtools hotspots trace.tracy --by dispatch --profile run.ireeprof   # exact, from IREE
  irtools hotspots trace.tracy --by dispatch --sort cpu              # most tile time first
  irtools hotspots trace.tracy --by op               # where the time goes, by op kind
  irtools hotspots trace.tracy --by srcloc --format csv > stats.csv   # as Tracy's csvexport
  irtools hotspots runs/llama --by dispatch        # every run of a run directory
  irtools hotspots runs/llama/vmvx/local-task/decode --by dispatch --format json
  irtools hotspots runs/llama --by dispatch --explain # work, % of the ceiling, codegen facts
  irtools hotspots runs/llama --by layer --depth 3    # wall time by model layer
"""


def add_grouping_options(p, extra=(), extra_help=""):
    p.add_argument("--by", choices=(*GROUPINGS, *extra), default="name",
                   help="group zones by effective name (default), source location, IREE "
                        "dispatch (its invocations, wall and CPU time), or dispatch op kind"
                        + extra_help)
    p.add_argument("--self", dest="self_time", action="store_true",
                   help="use self time (span minus direct children)")
    p.add_argument("--top", type=count(1), metavar="N", help="show the first N rows")
    p.add_argument("--filter", type=regex, metavar="REGEX", help="keep groups whose name matches")
    p.add_argument("--format", choices=FORMATS, default="table",
                   help="table for people; csv and json (times in integer ns) for scripts")


def add_parser(sub):
    p = sub.add_parser("hotspots", help="rank the slowest zones and dispatches of a capture",
                       description=__doc__, epilog=EXAMPLE,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("trace", metavar="TRACE",
                   help="a .tracy capture, or a run directory of `irtools run` (all its runs, "
                        "or one run's folder)")
    add_grouping_options(p, ("layer",), "; layer: dispatch wall time by the model op "
                                         "(location name) it came from, for run directories")
    p.add_argument("--depth", type=count(1), metavar="N",
                   help="with --by layer: the first N parts of each name "
                        "(model.layers.3 at 3; default: whole names)")
    p.add_argument("--explain", action="store_true",
                   help="with --by dispatch on a run directory: FLOPs, bytes, GFLOP/s, GB/s, "
                        "%% of the ceiling `irtools peak` measured, and what the compiler did "
                        "(pipeline, tile sizes, ukernels, vector FMAs)")
    p.add_argument("--sort", choices=SORTS,
                   help="rank by (default: wall for --by dispatch, the invocations' summed "
                        "spans; cpu: their tile time on all threads; total otherwise)")
    p.add_argument("--thread", metavar="TID|NAME", help="only zones of this thread")
    p.add_argument("--profile", metavar="IREEPROF",
                   help="IREE's HAL profile of the same run (.ireeprof or iree-profile JSONL): "
                        "exact invocations and wall times for --by dispatch")
    p.set_defaults(func=run)


def _check_layer_options(args, run_dir: bool):
    from irtools.errors import UsageError

    if args.explain and args.by != "dispatch":
        raise UsageError("--explain explains dispatches", fix="add --by dispatch")
    if args.depth and args.by != "layer":
        raise UsageError("--depth cuts layer names", fix="add --by layer")
    if (args.explain or args.by == "layer") and not run_dir:
        what = "--explain" if args.explain else "--by layer"
        raise UsageError(f"{what} needs the executable sources a run directory keeps",
                         path=args.trace, fix="run the model with `irtools run` and pass its "
                                              "run directory")
    if args.by == "layer" and args.self_time:
        raise UsageError("--by layer rolls up dispatch wall times; --self does not apply",
                         fix="drop --self")


def run(args) -> int:
    from irtools.run.layout import is_run_dir

    runs = is_run_dir(args.trace)
    _check_layer_options(args, runs)
    if runs:
        if args.profile:
            from irtools.errors import UsageError

            raise UsageError("--profile is for .tracy files; a run directory brings its own "
                             ".ireeprof", fix="drop --profile")
        return run_dir(args)
    return run_trace(args)


# What a dispatch table is ranked by, in its title: which time is which.
_DISPATCH_SORTS = {"wall": "wall time (invocation spans)", "total": "wall time (invocation spans)",
                   "cpu": "CPU time (tiles on all threads)", "mean": "mean wall per invocation",
                   "max": "longest invocation", "count": "invocation count"}


def _title(where, zones: int, last_ns: int, args) -> str:
    from irtools.render import human_ns

    how = f"by {args.by}{' (self time)' if args.self_time else ''}"
    if args.by == "dispatch":
        how += f", sorted by {_DISPATCH_SORTS[args.sort or 'wall']}"
    return f"{where}: {zones:,} zones, {human_ns(last_ns)} captured, {how}"


def run_dir(args) -> int:
    from irtools.render import console_width, progress_bar
    from irtools.render.tables import hotspot_table
    from irtools.run.report import run_hotspots, stack_runs

    if args.explain or args.by == "layer":
        return explain_runs(args)
    infos, hidden = _shown_runs(args)
    frames = []
    for info in infos:
        with progress_bar(f"reading {info.trace}") as progress:
            frames.append(run_hotspots(info, by=args.by, self_time=args.self_time,
                                       sort=args.sort, top=args.top, filter=args.filter,
                                       thread=args.thread, progress=progress))
    if args.format != "table":
        emit(stack_runs(frames), args.format, None)
        return 0
    for f in frames:
        title = _title(f.attrs['run'], f.attrs['zones'], f.attrs['last_time_ns'], args)
        emit(f, "table", lambda f, t=title: hotspot_table(f, title=t, width=console_width()))
    _say_hidden(hidden)
    return 0


def _shown_runs(args):
    """The runs to show, and how many later repeats a table leaves out."""
    from irtools.run.layout import RunDir

    infos = RunDir.open(args.trace).run_list()
    # A sweep's repeats differ only by noise: a table each would bury the variants.
    hidden = 0
    if args.format == "table":
        hidden = sum((i.repeat or 1) != 1 for i in infos)
        infos = [i for i in infos if (i.repeat or 1) == 1]
    return infos, hidden


def _say_hidden(hidden: int):
    if hidden:
        from irtools.render import stderr_console

        stderr_console().print(f"{hidden} later repeats not shown (the tables are of r1): "
                               f"--format csv has every repeat; `irtools compare RUN@A RUN@B` "
                               f"pools them")


def explain_runs(args) -> int:
    """`--by dispatch --explain` and `--by layer` on a run directory."""
    from irtools.analysis.explain import explain, layers
    from irtools.render import console_width, human_ns, progress_bar, stderr_console, stdout_console
    from irtools.render.roofline import explain_details, explain_table, layer_table
    from irtools.run.report import run_hotspots, stack_runs

    frames = []
    layer = args.by == "layer"
    infos, hidden = _shown_runs(args)
    for info in infos:
        with progress_bar(f"reading {info.trace}") as progress:
            # Layers sum every dispatch: --top and --filter apply to the layers.
            frame = run_hotspots(info, by="dispatch", sort=None if layer else args.sort,
                                 top=None if layer else args.top,
                                 filter=None if layer else args.filter, thread=args.thread,
                                 progress=progress)
        with progress_bar(f"reading {info.sources}") as progress:
            if layer:
                frame = layers(info, frame, depth=args.depth, progress=progress)
                if args.filter:
                    frame = frame[frame["layer"].str.contains(args.filter, regex=True)]
                frame = frame.head(args.top) if args.top else frame
            else:
                frame = explain(info, frame, progress=progress)
        frames.append(frame)
    if args.format != "table":
        emit(stack_runs(frames), args.format, None)
        return 0
    out, err = stdout_console(), stderr_console()
    for f in frames:
        head = f"{f.attrs['run']}: {human_ns(f.attrs['last_time_ns'])} captured"
        if layer:
            depth = f", names cut at depth {args.depth}" if args.depth else ""
            out.print(layer_table(f, title=f"{head}, wall time by layer{depth}"))
            continue
        out.print(explain_table(f, title=f"{head}, dispatches explained", width=console_width()))
        for block in explain_details(f, top=3):
            out.print(block)
        if f.attrs.get("peak_command"):
            err.print(f"[yellow]note:[/] no ceilings measured for this target and device: "
                      f"run `{f.attrs['peak_command']}` for % of ceiling", highlight=False)
        if not f.attrs.get("has_sources"):
            err.print("[yellow]note:[/] the run kept no executable sources: no work to measure",
                      highlight=False)
    _say_hidden(hidden)
    return 0


def run_trace(args) -> int:
    from irtools.render import console_width, stderr_console
    from irtools.render.tables import hotspot_table
    from irtools.trace.hotspots import rank

    if args.profile:  # a FIFO or a missing profile is said before the capture is read
        from irtools._io import refuse_special
        from irtools.errors import ProfileError

        refuse_special(args.profile, ProfileError)
    trace = open_trace(args.trace, tree=args.self_time)
    # Plain columns, not a DataFrame: pandas is imported only when needed.
    frame = rank(trace, by=args.by, self_time=args.self_time, sort=args.sort, top=args.top,
                 filter=args.filter, thread=args.thread, profile=args.profile, consume=True)
    if frame.attrs.get("warning"):
        stderr_console().print(f"[yellow]note:[/] {frame.attrs['warning']}", highlight=False)
    title = _title(trace.path, trace.zone_count, trace.last_time_ns, args)
    emit(frame, args.format, lambda f: hotspot_table(f, title=title, width=console_width()))
    return 0
