"""`irtools tui PATH...`: explore hotspots, IR and pass diffs in a terminal UI."""

from __future__ import annotations

import argparse

EXAMPLE = """\
examples:
  irtools tui runs/llama                       # a run directory written by `irtools run`
  irtools tui trace.tracy dump.txt             # a capture and the IR dump of its compile
  irtools tui before.tracy after.tracy         # two captures: compare mode
  irtools tui dump.txt                         # the passes of an IR dump
keys: ? for help, ctrl+p for the command palette, q to quit.
"""


def add_parser(sub):
    p = sub.add_parser("tui", help="explore hotspots, IR and pass diffs in a terminal UI",
                       description=__doc__, epilog=EXAMPLE,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="run directories, .tracy captures, IR dumps (two captures: compare)")
    p.set_defaults(func=run)


def run(args) -> int:
    from irtools.tui.app import IrtoolsApp
    from irtools.tui.session import open_paths

    IrtoolsApp(open_paths(args.paths)).run()
    return 0
