"""The `irtools` command line: a thin layer over the core and render modules.

Each subcommand lives in its own module with `add_parser(subparsers)`, which
registers the parser and sets `func(args) -> int`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading

from irtools._io import output_error
from irtools.errors import IrtoolsError, OutputError

# Subcommand modules, in the order `irtools --help` lists them.
COMMANDS = ["run", "hotspots", "compare", "peak", "slim", "ir", "export", "tui"]


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
    real_stdout, sys.stdout = sys.stdout, _Stdout(sys.stdout)
    handlers = _catch_signals()
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a full disk under `> out.txt` is met here, not at exit
        return code
    except IrtoolsError as err:
        if show_traceback:
            raise
        if isinstance(err, StdoutError):
            _drop_stdout(real_stdout)
        print(f"irtools: error: {err}", file=sys.stderr)
        return err.exit_code
    except BrokenPipeError:
        # The reader of our output went away (`irtools ... | head`): stay quiet.
        _drop_stdout(real_stdout)
        return 0
    except OSError as err:
        # A file that vanished or may not be read, met outside the readers that say so.
        if show_traceback or err.filename is None:
            raise
        error = IrtoolsError(err.strerror or str(err), path=err.filename)
        print(f"irtools: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt as err:
        signum = getattr(err, "signum", signal.SIGINT)
        print(f"irtools: interrupted ({signal.Signals(signum).name})", file=sys.stderr)
        return 128 + signum
    finally:
        sys.stdout = real_stdout
        for signum, handler in handlers.items():
            signal.signal(signum, handler)



class Terminated(KeyboardInterrupt):
    """SIGTERM (`timeout`, `kill`) or SIGHUP (a closed terminal), raised in the main thread
    like Ctrl-C's KeyboardInterrupt, so that the same cleanup runs: the process groups of
    IREE tools are killed, temporary files removed, a run's manifest says "interrupted".
    The exit code is 128 + the signal's number, as a shell reports it: 143 and 129."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _catch_signals() -> dict:
    """Handle SIGTERM and SIGHUP like Ctrl-C; the old handlers, to put back."""
    if threading.current_thread() is not threading.main_thread():
        return {}

    def terminated(signum, frame):
        for s in old:   # once: a second signal must not cut the cleanup short
            signal.signal(s, signal.SIG_IGN)
        raise Terminated(signum)

    # Only where the default (dying) stands: under `nohup`, SIGHUP stays ignored.
    old = {s: h for s in (signal.SIGTERM, signal.SIGHUP)
           if (h := signal.getsignal(s)) == signal.SIG_DFL}
    for s in old:
        signal.signal(s, terminated)
    return old


class StdoutError(OutputError):
    """Standard output cannot be written (`> /dev/full`, a closed terminal)."""


class _Stdout:
    """sys.stdout, whose write errors become one StdoutError (a broken pipe stays itself)."""

    def __init__(self, stream):
        self._stream = stream

    def __getattr__(self, name):
        return getattr(self._stream, name)

    def write(self, text):
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as err:
            raise output_error(err, "standard output", "cannot write", StdoutError) from err

    def flush(self):
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as err:
            raise output_error(err, "standard output", "cannot write", StdoutError) from err


def _drop_stdout(stream):
    """Send what is left in standard output's buffer to /dev/null, so that the flush at
    exit does not fail again with a traceback."""
    try:
        fd = stream.fileno()
    except (OSError, ValueError, AttributeError):  # not a real file (tests use StringIO)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)
