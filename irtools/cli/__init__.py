"""The `irtools` command line: a thin layer over the core and render modules.

Each subcommand lives in its own module with `add_parser(subparsers)`, which
registers the parser and sets `func(args) -> int`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from irtools.errors import IrtoolsError

# Subcommand modules, in the order `irtools --help` lists them.
COMMANDS = ["run", "hotspots", "compare", "slim", "ir", "export", "tui"]


def build_parser() -> argparse.ArgumentParser:
    from irtools.cli._args import Parser

    parser = Parser(
        prog="irtools",
        description="Profile IREE models and navigate their compiler IR.",
    )
    parser.add_argument("--traceback", action="store_true",
                        help="show the Python traceback on errors")
    from irtools import __version__
    parser.add_argument("--version", action="version", version=f"irtools {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(f"irtools.cli.{name}").add_parser(sub)
    return parser


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    show_traceback = "--traceback" in argv
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except IrtoolsError as err:
        if show_traceback:
            raise
        print(f"irtools: error: {err}", file=sys.stderr)
        return err.exit_code
    except BrokenPipeError:
        # The reader of our output went away (`irtools ... | head`): stay quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("irtools: interrupted", file=sys.stderr)
        return 130
