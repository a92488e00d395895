"""Option values that cannot work are refused while parsing, in one line, exit code 2.

Before: `--port abc`, `--seed -1`, `--timeout inf`, `ir passes --pass '(['` gave
tracebacks; `--top 0`, `--timeout 0/nan`, `--repeat -3`, `ir diff -U -5` were taken.
"""

from __future__ import annotations

import contextlib
import io

import pytest

from irtools.cli import main
from tests._hostile import one_error
from tests.helpers import MODELS, TRACY, run_cli

TRACE = TRACY / "mlp3_llvmcpu_sync.tracy"
MODEL = MODELS / "a_mm_elem.mlir"


def parse_error(*argv) -> str:
    """Run the command in-process; it must stop while parsing with one error line."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        with pytest.raises(SystemExit) as stop:
            main([str(a) for a in argv])
    assert stop.value.code == 2, err.getvalue()
    text = err.getvalue()
    assert "Traceback" not in text
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert len(lines) == 1, text
    assert lines[0].startswith("irtools") and ": error: " in lines[0] and "--help" in lines[0]
    return lines[0]


RUN = ["run", MODEL, "-o", "unused"]
BAD = [
    (RUN, "--port", "abc"), (RUN, "--port", "0"), (RUN, "--port", "-1"), (RUN, "--port", "70000"),
    (RUN, "--seed", "abc"), (RUN, "--seed", "-1"), (RUN, "--seed", "1.5"), (RUN, "--seed", str(1 << 64)),
    (RUN, "--timeout", "inf"), (RUN, "--timeout", "abc"), (RUN, "--timeout", "0"), (RUN, "--timeout", "nan"),
    (RUN, "--timeout", "-1"), (RUN, "--compile-timeout", "0"), (RUN, "--compile-timeout", "inf"),
    (RUN, "--compile-timeout", "nan"), (RUN, "--repeat", "-3"), (RUN, "--repeat", "0"), (RUN, "--repeat", "x"),
    (RUN, "--calls", "0"), (RUN, "--jobs", "0"),
    (RUN, "--top", "-1"), (RUN, "--top", "x"),
    (["hotspots", TRACE], "--top", "0"), (["hotspots", TRACE], "--top", "-1"), (["hotspots", TRACE], "--top", "x"),
    (["hotspots", TRACE], "--filter", "(["), (["hotspots", TRACE], "--filter", "*"),
    (["compare", TRACE, TRACE], "--top", "0"), (["compare", TRACE, TRACE], "--filter", "(["),
    (["compare", TRACE, TRACE], "--fail-if-slower", "-5"), (["compare", TRACE, TRACE], "--fail-if-slower", "x"),
    (["compare", TRACE, TRACE], "--fail-if-slower", "nan"), (["compare", TRACE, TRACE], "--level", "0.3"),
    (["compare", TRACE, TRACE], "--level", "100"), (["compare", TRACE, TRACE], "--min-share", "x"),
    (["compare", TRACE, TRACE], "--pair", "size"),
    (["slim", MODEL, "--report"], "--min-bytes", "0"), (["slim", MODEL, "--report"], "--min-bytes", "-5"),
    (["slim", MODEL, "--report"], "--top", "0"), (["slim", MODEL, "--report"], "--top", "x"),
    (["ir", "passes", "dump.txt"], "--pass", "(["), (["ir", "passes", "dump.txt"], "--pass", "*"),
    (["ir", "diff", "dump.txt", "5"], "-U", "-5"), (["ir", "diff", "dump.txt", "5"], "-U", "x"),
    (["ir", "capture", "-o", "d.txt"], "--timeout", "nan"),
    (["ir", "capture", "-o", "d.txt"], "--timeout", "0"),
    (["ir", "capture", "-o", "d.txt"], "--timeout", "inf"),
]


@pytest.mark.parametrize("base,option,value", BAD, ids=[f"{b[0]} {o} {v}" for b, o, v in BAD])
def test_a_bad_value_is_one_usage_line(base, option, value, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)   # a value taken by mistake must not run into the checkout
    line = parse_error(*base, f"{option}={value}", *([MODEL] if base[:2] == ["ir", "capture"] else []))
    assert option in line


@pytest.mark.parametrize("argv", [["ir", "show", "dump.txt", "x"], ["ir", "diff", "dump.txt", "1", "y"]])
def test_a_snapshot_number_must_be_a_number(argv):
    parse_error(*argv)


def test_our_errors_after_the_flags_of_ir_capture(tmp_path):
    # `ir capture MODEL -- FLAGS` reads its own options among the compiler's by hand.
    code, out, err = run_cli("ir", "capture", MODEL, "--", "--timeout", "nan", "-o", tmp_path / "d.txt")
    one_error(code, err, "--timeout", "finite")
    code, out, err = run_cli("ir", "capture", MODEL, "--", "--timeout=-3", "-o", tmp_path / "d.txt")
    one_error(code, err, "--timeout")
    assert list(tmp_path.iterdir()) == []


def test_run_into_an_existing_file(tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("mine\n")
    code, out, err = run_cli("run", MODEL, "-o", target)
    one_error(code, err, target, "not a folder")
    assert target.read_text() == "mine\n"


def test_a_bad_pass_regex_through_the_api():
    from irtools.errors import UsageError
    from irtools.irdiff.dump import Dump

    dump = Dump.__new__(Dump)   # the pattern is checked before the dump is read
    with pytest.raises(UsageError, match="regular expression"):
        dump.rows(pass_re="([")


def _subcommands(parser=None, prefix=()):
    """Every (sub)command of the CLI, as argv prefixes."""
    import argparse

    from irtools.cli import build_parser

    parser = parser or build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*prefix, name)
                yield from _subcommands(sub, (*prefix, name))


@pytest.mark.parametrize("argv", list(_subcommands()), ids=" ".join)
def test_every_help_prints(argv):
    """A bare % in a help text breaks argparse's formatting: --help gave a traceback."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as stop:
        main([*argv, "--help"])
    assert stop.value.code == 0 and "usage: irtools" in out.getvalue()
