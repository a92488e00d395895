"""A run directory is locked while it is written: `run --force` no longer deletes a live run.

Before: a second `irtools run -o SAME --force` removed the folder of a run still in
progress. Now the writer holds a flock on the folder; a second writer is refused with
the first one's pid, and a lock of a killed process does not stay (the kernel drops it).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from irtools.run.lock import lock_dir, unlock_dir
from tests._hostile import one_error, run_process
from tests.helpers import MODELS, plain_env
from tests.test_hostile_signals import processes, start, wait_for_tool

MODEL = MODELS / "a_mm_elem.mlir"


def _old_run(folder):
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"schema": 1, "status": "running", "runs": []}))
    (folder / "trace.tracy").write_bytes(b"data of the run in progress")


@pytest.mark.parametrize("force", [False, True])
def test_a_locked_run_directory_is_left_alone(tmp_path, force):
    out = tmp_path / "run"
    _old_run(out)
    fd = lock_dir(out)                       # this test process plays the running irtools
    try:
        code, stdout, err = run_process("run", MODEL, "-o", out, *(["--force"] if force else []))
    finally:
        unlock_dir(fd)
    one_error(code, err, out, f"irtools (pid {os.getpid()}) is writing this run directory")
    assert (out / "trace.tracy").read_bytes() == b"data of the run in progress"


def test_the_lock_of_a_killed_process_does_not_stay(tmp_path):
    out = tmp_path / "run"
    code = ("import sys, time; from pathlib import Path; from irtools.run.lock import lock_dir; "
            "lock_dir(Path(sys.argv[1])); print('locked', flush=True); time.sleep(600)")
    holder = subprocess.Popen([sys.executable, "-c", code, str(out)], stdout=subprocess.PIPE, env=plain_env())
    try:
        assert holder.stdout.readline().strip() == b"locked"
        from irtools.errors import UsageError

        with pytest.raises(UsageError, match=f"pid {holder.pid}"):
            lock_dir(out)
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    finally:
        holder.kill()
        holder.stdout.close()
    unlock_dir(lock_dir(out))   # free again


@pytest.mark.iree
def test_run_force_while_a_run_writes_the_folder(tmp_path):
    out = tmp_path / "run"
    first = start("run", MODELS / "c_tfm_ext.mlir", "-o", out, "--top", "0", cwd=tmp_path)
    try:
        wait_for_tool("iree-compile", str(tmp_path), first)
        code, stdout, err = run_process("run", MODEL, "-o", out, "--force", cwd=tmp_path)
        one_error(code, err, out, f"irtools (pid {first.pid}) is writing this run directory")
        assert json.loads((out / "manifest.json").read_text())["pid"] == first.pid
        assert first.poll() is None          # the first run goes on
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=120)
        first.log.close()
    deadline = time.monotonic() + 10
    while processes(str(tmp_path)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
