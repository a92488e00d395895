"""A dump from standard input (`ir passes -`): limited, and never left behind.

Before: the copy had no limit (`cat /dev/zero | irtools ir passes -` filled the disk) and
stayed in /tmp when the command was stopped with SIGTERM.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from tests._hostile import one_error, run_process
from tests.helpers import plain_env

HEADER = b"// -----// IR Dump After CSE (cse) //----- //\n"


def _dump(n=3000):
    return b"".join(HEADER + b"module {\n  // %d\n}\n\n" % i for i in range(n))


def _copies(cache):
    folder = cache / "stdin"
    return sorted(os.listdir(folder)) if folder.is_dir() else []


def test_endless_zeros_end_with_one_line(tmp_path):
    with open("/dev/zero", "rb") as zeros:
        code, out, err = run_process("ir", "passes", "-", stdin=zeros, timeout=120,
                                     env=plain_env(IRTOOLS_CACHE=tmp_path / "cache"))
    one_error(code, err, "standard input", "no 'IR Dump' header in the first 64 MiB")
    assert _copies(tmp_path / "cache") == []


def test_a_dump_over_the_limit(tmp_path):
    dump = tmp_path / "dump.txt"
    dump.write_bytes(_dump())
    assert dump.stat().st_size > 100_000
    with open(dump, "rb") as f:
        code, out, err = run_process("ir", "passes", "-", stdin=f,
                                     env=plain_env(IRTOOLS_CACHE=tmp_path / "cache", IRTOOLS_STDIN_LIMIT="100K"))
    one_error(code, err, "standard input", "IRTOOLS_STDIN_LIMIT (102,400 bytes)")
    with open(dump, "rb") as f:
        code, out, err = run_process("ir", "passes", "-", "--all", "--format", "csv", stdin=f,
                                     env=plain_env(IRTOOLS_CACHE=tmp_path / "cache", IRTOOLS_STDIN_LIMIT="1M"))
    assert code == 0, err
    assert out.count("\n") == 3001
    assert _copies(tmp_path / "cache") == []


def test_a_bad_limit(tmp_path):
    with open(os.devnull, "rb") as f:
        code, out, err = run_process("ir", "passes", "-", stdin=f,
                                     env=plain_env(IRTOOLS_CACHE=tmp_path / "cache", IRTOOLS_STDIN_LIMIT="lots"))
    one_error(code, err, "IRTOOLS_STDIN_LIMIT='lots' is not a size")


def test_sigterm_while_reading_stdin_removes_the_copy(tmp_path):
    cache = tmp_path / "cache"
    proc = subprocess.Popen([sys.executable, "-m", "irtools", "ir", "passes", "-"], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=plain_env(IRTOOLS_CACHE=cache))
    try:
        proc.stdin.write(_dump(100))          # a dump that is still coming
        proc.stdin.flush()
        deadline = time.monotonic() + 60
        while not _copies(cache) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _copies(cache), "the copy never appeared"
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    finally:
        proc.kill()
        proc.stdin.close()
    err = proc.stderr.read().decode()
    assert code == 143, err
    assert "Traceback" not in err
    assert _copies(cache) == []


def test_a_copy_left_by_a_killed_process_is_removed(tmp_path):
    cache = tmp_path / "cache"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    (cache / "stdin").mkdir(parents=True)
    (cache / "stdin" / f"stdin-{dead}-abc.txt").write_bytes(b"x" * 1000)
    (cache / "stdin" / f"stdin-{os.getpid()}-abc.txt").write_bytes(b"mine, alive")
    with open(os.devnull, "rb") as f:
        run_process("ir", "passes", "-", stdin=f, env=plain_env(IRTOOLS_CACHE=cache))
    assert _copies(cache) == [f"stdin-{os.getpid()}-abc.txt"]
