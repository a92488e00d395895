"""`irtools compare A B`: two captures or builds side by side.

Run directories are compared dispatch by dispatch: dispatches are paired across the
builds by what they compute (names renumber when fusion changes), and with repeats
(`irtools run --repeat N`) each group gets B/A with a confidence interval and a
verdict. `--fail-if-slower PCT` makes that verdict the exit code, for CI.
"""

from __future__ import annotations

import argparse

from irtools.cli._args import level, percent
from irtools.cli._common import emit, open_trace
from irtools.cli.hotspots import add_grouping_options

EXAMPLE = """\
examples:
  irtools compare before.tracy after.tracy
  irtools compare llvmcpu.tracy vmvx.tracy --by dispatch --top 10
  irtools compare prefill.tracy decode.tracy --by op
  irtools compare runs/before runs/after                  # run directories: dispatch by dispatch
  irtools compare runs/sweep                              # each --variant against the first
  irtools compare runs/sweep@base runs/sweep@fused --fail-if-slower 5   # exit 1 on a slowdown
  irtools compare runs/before runs/after --by name        # zones by name, runs paired by name
  irtools compare runs/x/llvm-cpu/local-task/prefill runs/x/vmvx/local-task/prefill --by op

exit codes: 0, 1 (with --fail-if-slower: a significant slowdown above PCT), 2 (an error).
"""


def add_parser(sub):
    p = sub.add_parser("compare", help="compare the hotspots of two captures",
                       description=__doc__, epilog=EXAMPLE,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("a", metavar="A", help="the baseline: a .tracy capture, a run directory, or "
                                          "RUN_DIR@VARIANT")
    p.add_argument("b", metavar="B", nargs="?",
                   help="what to compare with it (left out: every variant of A against its first)")
    add_grouping_options(p)
    x = p.add_argument_group("run directories: dispatches across builds")
    x.add_argument("--pair", choices=("structure", "name"), default="structure",
                   help="pair dispatches by what they compute (default; by op kind and shape where "
                        "there is no source) or by name alone")
    x.add_argument("--fail-if-slower", type=percent, metavar="PCT",
                   help="exit 1 if the total or a dispatch group is significantly slower by more "
                        "than PCT percent")
    x.add_argument("--threshold", type=percent, metavar="PCT",
                   help="the change a verdict calls slower or faster (default: --fail-if-slower, or 5)")
    x.add_argument("--min-share", type=percent, default=0.01, metavar="PCT",
                   help="groups under PCT percent of A's time get no verdict (default 1)")
    x.add_argument("--level", type=level, default=0.95, metavar="L",
                   help="confidence level of the intervals; q-values are judged at 1-L (default 0.95)")
    # --by chosen by hand keeps the hotspot comparison; run directories default to dispatches.
    p.set_defaults(func=run, by=None)


def _total(args) -> str:
    """What the rows are sorted by: a dispatch's wall time, else the zones' total."""
    return "wall" if args.by == "dispatch" else "total"


def run(args) -> int:
    from irtools.errors import UsageError
    from irtools.experiment.compare import split_spec
    from irtools.run.layout import is_run_dir

    dirs = [is_run_dir(split_spec(x)[0]) for x in (args.a, args.b) if x is not None]
    if any(dirs) and args.by in (None, "dispatch"):
        return run_experiment(args)
    if args.b is None:
        raise UsageError("compare needs two captures, or a run directory with variants",
                         fix="irtools compare A B")
    if args.fail_if_slower is not None:
        raise UsageError("--fail-if-slower needs run directories (with --repeat) compared by dispatch",
                         fix="irtools run ... --repeat 10 twice, then irtools compare RUN_A RUN_B "
                             "--fail-if-slower 5")
    args.by = args.by or "name"
    if any(dirs):
        return run_dirs(args)
    return run_traces(args)


def run_experiment(args) -> int:
    from irtools.experiment.compare import compare_runs, failing, open_side, variant_sides
    from irtools.render import progress_bar, stdout_console
    from irtools.render.experiment import experiment_tables, verdict_line

    pairs = variant_sides(args.a) if args.b is None else [(open_side(args.a), open_side(args.b))]
    threshold = args.threshold if args.threshold is not None else \
        (args.fail_if_slower if args.fail_if_slower is not None else 0.05)
    with progress_bar("reading the runs' profiles"):
        frame = compare_runs(pairs, by=args.pair, threshold=threshold, min_share=args.min_share,
                             level=args.level)
    if args.filter:
        keep = frame["group"].str.contains(args.filter, regex=True) | (frame["pairing"] == "total")
        frame = frame[keep]
    if args.top:
        frame = frame.groupby(["a", "b", "run"], sort=False, group_keys=False).head(args.top + 1)
    slow = failing(frame)
    if args.format != "table":
        emit(frame, args.format, None)
    else:
        import sys

        # Off a terminal, keep whole names rather than fit 80 columns (as `irtools ir` does).
        out = stdout_console(**({} if sys.stdout.isatty() else {"width": 200}))
        for table in experiment_tables(frame, width=out.width):
            out.print(table)
            out.print()
        for note in frame.attrs.get("notes", []):
            out.print(f"note: {note}", highlight=False)
        out.print(verdict_line(frame, slow), highlight=False)
    return 1 if args.fail_if_slower is not None and slow else 0


def run_dirs(args) -> int:
    from irtools.render import console_width, progress_bar
    from irtools.render.tables import compare_table
    from irtools.run.report import compare_run_hotspots, stack_runs

    with progress_bar(f"reading {args.a} and {args.b}") as progress:
        frames = compare_run_hotspots(args.a, args.b, by=args.by, self_time=args.self_time,
                              top=args.top, filter=args.filter, progress=progress)
    if args.format != "table":
        emit(stack_runs(frames, ("a", "b")), args.format, None)
        return 0
    for f in frames:
        title = f"A = {f.attrs['a']}\nB = {f.attrs['b']}   (by {args.by}, sorted by |Δ {_total(args)}|)"
        emit(f, "table", lambda f, t=title: compare_table(f, title=t, width=console_width()))
    return 0


def run_traces(args) -> int:
    from irtools.render import console_width
    from irtools.render.tables import compare_table
    from irtools.trace.compare import compare

    frame = compare(open_trace(args.a, tree=args.self_time),
                    open_trace(args.b, tree=args.self_time), by=args.by,
                    self_time=args.self_time, top=args.top, filter=args.filter)
    title = f"A = {args.a}\nB = {args.b}   (by {args.by}, sorted by |Δ {_total(args)}|)"
    emit(frame, args.format, lambda f: compare_table(f, title=title, width=console_width()))
    return 0
