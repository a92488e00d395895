"""Helpers of the hostile-input tests: run `irtools` as a real process and check the promise.

The promise (docs, "Bad input"): exit code 2, one `irtools: error:` line naming the file,
no traceback, nothing left behind. A case that used to hang runs in its own process with
a time limit, so that a regression fails the test instead of hanging the suite.
"""

from __future__ import annotations

import os
import signal
import subprocess

from tests.helpers import IRTOOLS, plain_env


def run_process(*argv, timeout: float = 60, stdin=None, stdout=None, cwd=None, env=None):
    """`python -m irtools ARGV` in its own process group; returns (exit code, stdout, stderr).

    On timeout the group is killed and the test fails: the case hung."""
    import pytest

    proc = subprocess.Popen([*IRTOOLS, *map(str, argv)],
                            stdin=stdin if stdin is not None else subprocess.DEVNULL,
                            stdout=stdout if stdout is not None else subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=cwd, env=env or plain_env(),
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"irtools {' '.join(map(str, argv))} hung (> {timeout} s)")
    return (proc.returncode, (out or b"").decode("utf-8", "replace"),
            err.decode("utf-8", "replace"))


def one_error(code: int, err: str, *words) -> str:
    """The single `irtools: error:` line of a failed command; it must hold each of `words`."""
    assert "Traceback" not in err, err
    assert code == 2, (code, err)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("irtools: error: ")]
    assert len(errors) == 1, err
    for word in words:
        assert str(word) in errors[0], (word, errors[0])
    return errors[0]


def usage_error(code: int, err: str, *words) -> str:
    """argparse's rejection: exit 2, `usage:` then one `irtools ...: error:` line."""
    assert "Traceback" not in err, err
    assert code == 2, (code, err)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert lines and ": error: " in lines[-1] and lines[-1].startswith("irtools"), err
    assert len(lines) <= 6, err
    for word in words:
        assert str(word) in lines[-1], (word, lines[-1])
    return lines[-1]


def leftovers(*folders) -> list[str]:
    """Temporary files of atomic outputs (`.irtools-*.tmp`) under `folders`."""
    found = []
    for folder in folders:
        for root, dirs, files in os.walk(folder):
            found += [os.path.join(root, n) for n in files + dirs if n.startswith(".irtools-")]
    return found
