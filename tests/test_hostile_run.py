"""A captured run that cannot succeed ends at once, not after --timeout.

Before: `irtools run --run-flag=--no-such` waited the whole --timeout (600 s): the
program fails before its Tracy client starts and, under TRACY_NO_EXIT, waits for a
profiler that never comes. Now it is stopped within seconds with the program's own
error line; so is a run whose iree-tracy-capture dies.
"""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from tests._hostile import one_error, run_process
from tests.helpers import MODELS
from tests.test_hostile_signals import nothing_left, processes, start, wait_for_tool

pytestmark = pytest.mark.iree


def test_an_unknown_run_flag_fails_at_once(tmp_path):
    out = tmp_path / "run"
    # The process limit (300 s) is half the default --timeout: waiting for it fails the test.
    code, stdout, err = run_process("run", MODELS / "a_mm_elem.mlir", "-o", out, "--top", "0",
                                    "--run-flag=--no-such", timeout=300, cwd=tmp_path)
    line = one_error(code, err, "failed before its Tracy client started", "flag 'no-such' not recognized")
    assert "did not finish" not in line
    run = json.loads((out / "manifest.json").read_text())["runs"][0]
    assert run["status"] == "failed" and "no-such" in run["error"]
    nothing_left(tmp_path)


def test_a_capture_tool_that_dies_ends_the_run(tmp_path):
    out = tmp_path / "run"
    proc = start("run", MODELS / "b_mlp3.mlir", "-o", out, "--calls", "100000", "--top", "0",
                 "--target", "llvm-cpu@local-sync", cwd=tmp_path)
    try:
        wait_for_tool("iree-benchmark-module", str(tmp_path), proc)
        capture = [ln for ln in processes(str(tmp_path)) if "iree-tracy-capture" in ln]
        os.kill(int(capture[0].split()[0]), signal.SIGKILL)
        code = proc.wait(timeout=300)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.log.close()
    err = (tmp_path / "irtools.err").read_text()
    one_error(code, err, "was still running when iree-tracy-capture ended")
    run = json.loads((out / "manifest.json").read_text())["runs"][0]
    assert run["status"] == "failed"
    time.sleep(0.5)
    nothing_left(tmp_path)
