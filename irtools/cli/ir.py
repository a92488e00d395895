"""`irtools ir ...`: navigate pass-by-pass IR dumps (passes, diff, show, history, split, capture)."""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import sys

from irtools._io import refuse_special
from irtools.cli._args import count, regex, seconds, seconds_value
from irtools.errors import UsageError

DUMP_HELP = "the dump file, a --mlir-print-ir-tree-dir folder, or '-' for standard input"
TABLE_LIMIT = 200   # rendering a table costs per row: a 693 MB dump has 20k+ of them

_EPILOG = {
    "passes": "examples:\n  irtools ir passes dump.txt --pass 'Canonicalizer|CSE' --format csv\n"
              "  irtools ir passes dump.txt --all --symbol '@\"my model.main\"' --limit 0\n\n"
              "changed: changed (the pass changed the IR), cosmetic (only indentation, alias names,\n"
              "SSA names, locations or attribute order differ), false, unknown (after-only dumps);\n"
              "by default only the rows marked changed are listed",
    "diff": "example:\n  irtools ir diff dump.txt 812            # snapshot 812 against the state before its pass\n"
            "  irtools ir diff dump.txt 700 812 --strip-locs --renumber --side-by-side\n"
            "  irtools ir diff --across runs/sweep@base runs/sweep@fused @prefill_dispatch_2_matmul_32x128x128_f32\n"
            "      # one dispatch in two builds: the sources of what does its work in each, and\n"
            "      # (with --ir-dump) the passes that changed them, side by side",
    "show": "example:\n  irtools ir show dump.txt 812 --symbol @main_dispatch_0_matmul_256x512x512_f32",
    "history": "example:\n  irtools ir history dump.txt @main_dispatch_0_matmul_256x512x512_f32\n"
               "  irtools ir history dump.txt '@\"my model.main\"' --cosmetic",
    "split": "example:\n  irtools ir split dump.txt -o snapshots/   # 0000-after-....mlir is snapshot 0",
    "capture": "example:\n  irtools ir capture model.mlir -o dump.txt -- --iree-hal-target-device=local "
               "--iree-hal-local-target-device-backends=llvm-cpu",
}


def add_parser(subparsers):
    ir = subparsers.add_parser(
        "ir", help="navigate pass-by-pass IR dumps (--mlir-print-ir-after-all output)",
        description="Index print-ir dumps of any size, find the passes that changed the IR, diff them.",
        epilog="example:\n  irtools ir passes dump.txt --changed",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ir.add_subparsers(dest="ir_command", metavar="SUBCOMMAND")
    sub.required = True

    def command(name, help_text, func):
        p = sub.add_parser(name, help=help_text, description=help_text, epilog=_EPILOG[name],
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.set_defaults(func=func)
        return p

    p = command("passes", "the passes that changed the IR (--all: one row per snapshot): pass, "
                          "scope, size, class of change", _passes)
    p.add_argument("dump", help=DUMP_HELP)
    p.add_argument("--all", action="store_true", help="every snapshot, whatever its pass did")
    p.add_argument("--changed", action="store_true",
                   help="only snapshots whose pass changed the IR (the default)")
    p.add_argument("--cosmetic", action="store_true",
                   help="also those whose pass changed only how the IR prints")
    p.add_argument("--pass", dest="pass_re", type=regex, metavar="REGEX", help="only passes matching REGEX")
    p.add_argument("--symbol", metavar="NAME", help="only snapshots scoped on @NAME (or @\"a name\")")
    p.add_argument("--limit", type=count(0), default=TABLE_LIMIT, metavar="N",
                   help=f"rows in the table (default {TABLE_LIMIT}; 0 for all; csv and json have all)")
    _format(p)

    p = command("diff", "diff two snapshots (by default A against the state before pass A), "
                        "or one dispatch across two builds (--across)", _diff)
    p.add_argument("dump", help=DUMP_HELP + "; with --across, @DISPATCH")
    p.add_argument("a", type=count(0), nargs="?", help="snapshot number")
    p.add_argument("b", type=count(0), nargs="?", help="second snapshot number")
    p.add_argument("--across", nargs=2, metavar=("RUN_A", "RUN_B"),
                   help="diff the executable sources of DISPATCH (named as in either run) and of "
                        "what the other run pairs with it; RUN may be RUN_DIR@VARIANT")
    p.add_argument("--target", metavar="BACKEND", help="with --across: the backend (default: the "
                                                       "first both runs compiled for)")
    p.add_argument("--symbol", metavar="@NAME", help="diff only this function, dispatch or executable")
    p.add_argument("--strip-locs", action="store_true", help="drop loc(...) annotations")
    p.add_argument("--renumber", action="store_true", help="renumber SSA values and blocks")
    p.add_argument("--sort-attrs", action="store_true", help="ignore the order of attributes")
    p.add_argument("-U", "--context", type=count(0), default=3, help="lines of context (default 3)")
    p.add_argument("--side-by-side", action="store_true", help="two columns instead of a unified diff")

    p = command("show", "print a snapshot, or one symbol in it", _show)
    p.add_argument("dump", help=DUMP_HELP)
    p.add_argument("n", type=count(0), help="snapshot number")
    p.add_argument("--symbol", metavar="@NAME")

    p = command("history", "the passes that changed one function, dispatch or executable", _history)
    p.add_argument("dump", help=DUMP_HELP)
    p.add_argument("symbol", help='@name (or @"a name"), e.g. a dispatch name from a Tracy capture')
    p.add_argument("--cosmetic", "--all", dest="cosmetic", action="store_true",
                   help="also the passes that changed only how it prints (with a class column)")
    _format(p)

    p = command("split", "write one numbered file per snapshot, losing none", _split)
    p.add_argument("dump", help=DUMP_HELP)
    p.add_argument("-o", "--output", required=True, metavar="DIR")

    p = command("capture", "run iree-compile with the dump flags and index the dump", _capture)
    p.add_argument("model", help="the .mlir input")
    p.add_argument("-o", "--output", metavar="DUMP", help="where the dump goes (required)")
    p.add_argument("--module-scope", action="store_true", help="print the whole module each time")
    p.add_argument("--timeout", type=seconds, default=None,
                   help="seconds before iree-compile is stopped")
    p.add_argument("flags", nargs=argparse.REMAINDER, help="-- then iree-compile flags")
    return ir


def _format(p):
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")


@contextlib.contextmanager
def _open(path):
    from irtools.irdiff import cached
    from irtools.irdiff.dump import Dump
    from irtools.render import progress_bar

    stdin = path == "-"
    if not stdin:
        refuse_special(path, stdin=True)
    with contextlib.ExitStack() as stack:
        if stdin:
            from irtools.cache import cache_dir
            from irtools.irdiff.stdin import stdin_copy

            with progress_bar("reading standard input") as progress:
                path = stack.enter_context(stdin_copy(sys.stdin.buffer, cache_dir() / "stdin",
                                                      progress=progress))
        with progress_bar("indexing") as progress:
            # The index of a file is kept in the disk cache: the next command on the same
            # dump skips the reading (6 s on a 4.9 GB dump). A dump from stdin is not kept.
            dump = Dump.open(path, progress=progress) if stdin else \
                cached.open_cached_dump(path, progress=progress)
            stack.enter_context(dump)
        for warning in dump.warnings:  # one line each, as errors are
            print(f"irtools: warning: {' '.join(warning.split())}", file=sys.stderr)
        yield dump


def _emit(rows, columns, fmt, table):
    if fmt == "json":
        json.dump(rows, sys.stdout, indent=1)
        sys.stdout.write("\n")
    elif fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=columns, extrasaction="ignore",
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        from irtools.render import stdout_console

        # Off a terminal, keep whole names rather than fit 80 columns.
        wide = {} if sys.stdout.isatty() else {"width": 240}
        stdout_console(**wide).print(table())


def _passes(args):
    from irtools.irdiff import cached
    from irtools.irdiff.dump import COLUMNS
    from irtools.irdiff.normal import COSMETIC
    from irtools.render import progress_bar
    from irtools.render.ir import passes_table

    keep = args.dump != "-"  # a dump from stdin is not kept in the cache (see _open)
    with _open(args.dump) as dump:
        with progress_bar("finding changes") as progress:
            counted = dump.index.lines_counted
            if keep:
                cached.flags(dump, progress=progress)
            rows = dump.rows(changed=not args.all, cosmetic=args.cosmetic, pass_re=args.pass_re,
                             symbol=args.symbol, progress=progress)
            if keep and not counted:
                cached.keep_lines(dump)
            flags = dump.flags()
    shown = rows[:args.limit] if args.limit else rows
    note = None
    if not args.all:
        cosmetic = "" if args.cosmetic else \
            f"--cosmetic adds the {flags.count(COSMETIC):,} that changed only how it prints, "
        note = (f"snapshots whose pass changed the IR: {cosmetic}--all lists all {len(flags):,} "
                "snapshots")
    _emit(rows, COLUMNS, args.format,
          lambda: passes_table(shown, more=len(rows) - len(shown), note=note))
    return 0


def _diff(args):
    from irtools.irdiff.diff import Options
    from irtools.render import stdout_console

    opts = Options(strip_locs=args.strip_locs, renumber=args.renumber, sort_attrs=args.sort_attrs,
                   context=args.context)
    if args.across:
        return _diff_across(args, opts)
    if args.a is None:
        raise UsageError("ir diff needs a snapshot number", fix="irtools ir diff DUMP N [M], or "
                         "irtools ir diff --across RUN_A RUN_B @DISPATCH")
    with _open(args.dump) as dump:
        diff = dump.diff(args.a, args.b, symbol=args.symbol, options=opts)
    _print_diff(stdout_console(), diff, args.side_by_side)
    return 0


def _print_diff(console, diff, side: bool, same_note: str | None = None):
    """Side by side, coloured on a terminal, or plain unified lines for a pipe (then, for
    a diff with no difference, `same_note` if given)."""
    from irtools.render.ir import side_by_side, unified

    if side:
        console.print(side_by_side(diff))
    elif sys.stdout.isatty():
        console.print(unified(diff))
    else:
        for line in diff.unified():
            sys.stdout.write(line + "\n")
        if diff.same and same_note:
            sys.stdout.write(same_note + "\n")
    sys.stdout.flush()


def _diff_across(args, opts):
    from irtools.experiment.across import across
    from irtools.render import progress_bar, stdout_console
    from irtools.render.ir import across_header, across_passes

    if not args.dump.startswith("@") or args.a is not None:
        raise UsageError(f"with --across, name one dispatch as @NAME (got {args.dump!r}"
                         f"{' ' + str(args.a) if args.a is not None else ''})",
                         fix="irtools ir diff --across RUN_A RUN_B @prefill_dispatch_2_matmul_32x128x128_f32")
    with progress_bar("reading the pass histories") as progress:
        found = across(args.across[0], args.across[1], args.dump, backend=args.target,
                       progress=progress)
    console = stdout_console(**({} if sys.stdout.isatty() else {"width": 240}))
    console.print(across_header(found), highlight=False)
    diff = found.diff(opts)
    _print_diff(console, diff, args.side_by_side,
                f"no difference between the sources of {diff.a_label} and {diff.b_label}")
    console.print(across_passes(found))
    return 0


def _show(args):
    with _open(args.dump) as dump:
        for line in dump.lines(args.n, args.symbol):
            sys.stdout.write(line + "\n")
    return 0


def _history(args):
    from irtools.irdiff import cached
    from irtools.irdiff.dump import HISTORY_COLUMNS
    from irtools.render import progress_bar
    from irtools.render.ir import history_table

    with _open(args.dump) as dump:
        with progress_bar("following " + args.symbol) as progress:
            rows = dump.history(args.symbol, cosmetic=args.cosmetic, progress=progress) \
                if args.dump == "-" else cached.history(dump, args.symbol, cosmetic=args.cosmetic,
                                                        progress=progress, missing_ok=False)
    _emit(rows, HISTORY_COLUMNS, args.format,
          lambda: history_table(rows, args.symbol, classes=args.cosmetic))
    return 0


def _split(args):
    from irtools.render import progress_bar

    with _open(args.dump) as dump:
        with progress_bar("splitting") as progress:
            files = dump.split(args.output, progress=progress)
    print(f"wrote {len(files)} files to {args.output} (numbered from 0, as snapshots are)",
          file=sys.stderr)
    return 0


def _split_capture_args(rest, output, module_scope, timeout=None):
    """Our own options may follow MODEL; everything after `--` goes to iree-compile."""
    mine, flags = (rest[:rest.index("--")], rest[rest.index("--") + 1:]) if "--" in rest else (rest, [])
    it = iter(mine)
    for arg in it:
        if arg in ("-o", "--output"):
            output = next(it, None)
        elif arg.startswith("--output="):
            output = arg.split("=", 1)[1]
        elif arg == "--module-scope":
            module_scope = True
        elif arg == "--timeout":
            timeout = seconds_value(next(it, ""), "--timeout")
        elif arg.startswith("--timeout="):
            timeout = seconds_value(arg.split("=", 1)[1], "--timeout")
        else:
            flags.append(arg)
    return flags, (output, module_scope, timeout)


def _capture(args):
    from irtools.irdiff.compile_dump import compile_dump
    from irtools.irdiff.normal import CHANGED
    from irtools.render import progress_bar
    from irtools.render.ir import capture_status

    flags, mine = _split_capture_args(list(args.flags), args.output, args.module_scope, args.timeout)
    args.output, args.module_scope, args.timeout = mine
    if not args.output:
        raise UsageError("capture needs -o DUMP", fix="irtools ir capture MODEL.mlir -o dump.txt -- FLAGS")
    refuse_special(args.model)
    if not os.path.isfile(args.model):
        raise UsageError("the model file does not exist", path=args.model)
    with progress_bar("compiling", unit_bytes=True) as progress:
        status = ["compiling"]

        def watch(snapshots):   # the dump is indexed as it grows: show where the compile is
            status[0] = capture_status(snapshots)

        dump = compile_dump(args.model, args.output, flags, module_scope=args.module_scope,
                       timeout=args.timeout, watch=watch,
                       progress=lambda done, total: progress(done, total, description=status[0]))
    with dump, progress_bar("finding changes") as progress:
        rows = dump.rows(progress=progress)
    changed = sum(r["changed"] == CHANGED for r in rows)
    after = sum(r["when"] == "after" for r in rows)
    print(f"{args.output}: {len(rows)} snapshots, {changed} of {after} passes changed the IR",
          file=sys.stderr)
    return 0
