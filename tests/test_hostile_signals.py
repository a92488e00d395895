"""SIGTERM and SIGHUP are handled like Ctrl-C, in real processes.

Before: `timeout` (SIGTERM) or a closed terminal (SIGHUP) killed irtools at once and left
`.irtools-*.tmp` files, iree-compile / iree-tracy-capture / iree-run-module running in
their own sessions, and a manifest saying "running" forever. Now the signal becomes a
KeyboardInterrupt in the main thread: child process groups are killed, temporary files
removed, the manifest says "interrupted", and the exit code is 128 + the signal (143, 129).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time

import pytest

from irtools.irdiff.dump import Dump
from tests._hostile import leftovers
from tests.helpers import IRTOOLS, MODELS, plain_env

CPU = ["--iree-hal-target-device=local", "--iree-hal-local-target-device-backends=llvm-cpu"]


def start(*argv, cwd):
    log = open(os.path.join(cwd, "irtools.err"), "wb")
    proc = subprocess.Popen([*IRTOOLS, *map(str, argv)], cwd=cwd,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                            env=plain_env(), start_new_session=True)
    proc.log = log
    return proc


def processes(marker: str) -> list[str]:
    """IREE tools (and irtools) whose command line holds `marker` (the test's folder)."""
    out = subprocess.run(["ps", "-eww", "-o", "pid,args"], capture_output=True, text=True).stdout
    return [ln.strip() for ln in out.splitlines()[1:] if marker in ln and "ps -eww" not in ln]


def wait_for_tool(name: str, marker: str, proc, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not any(name in ln for ln in processes(marker)):
        if proc.poll() is not None:
            pytest.fail(f"irtools ended ({proc.returncode}) before {name} started")
        if time.monotonic() > deadline:
            pytest.fail(f"{name} never started")
        time.sleep(0.05)


def stop(proc, signum, tmp_path) -> tuple[int, str]:
    os.kill(proc.pid, signum)     # irtools alone, as `kill` does; its tools are in other sessions
    try:
        code = proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.log.close()
    return code, (tmp_path / "irtools.err").read_text(errors="replace")


def nothing_left(tmp_path):
    deadline = time.monotonic() + 10   # killed groups are reaped by then
    while processes(str(tmp_path)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes(str(tmp_path)) == []
    assert leftovers(tmp_path) == []


@pytest.mark.iree
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_during_a_compile(tmp_path, signum):
    out = tmp_path / "run"
    proc = start("run", MODELS / "c_tfm_ext.mlir", "-o", out, "--ir-dump", "--top", "0", cwd=tmp_path)
    wait_for_tool("iree-compile", str(tmp_path), proc)
    time.sleep(0.5)
    code, err = stop(proc, signum, tmp_path)
    assert code == 128 + signum, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == f"irtools: interrupted ({signal.Signals(signum).name})"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    assert [c["status"] for c in manifest["compiles"]] == ["interrupted"]
    nothing_left(tmp_path)


@pytest.mark.iree
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_during_a_capture(tmp_path, signum):
    out = tmp_path / "run"
    proc = start("run", MODELS / "b_mlp3.mlir", "-o", out, "--calls", "100000", "--top", "0",
                 "--target", "llvm-cpu@local-sync", cwd=tmp_path)
    wait_for_tool("iree-tracy-capture", str(tmp_path), proc)
    wait_for_tool("iree-benchmark-module", str(tmp_path), proc)
    time.sleep(1.0)
    code, err = stop(proc, signum, tmp_path)
    assert code == 128 + signum, err
    assert "Traceback" not in err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    assert [r["status"] for r in manifest["runs"]] == ["interrupted"]
    run_json = json.loads((out / manifest["runs"][0]["dir"] / "run.json").read_text())
    assert run_json["status"] == "interrupted"
    nothing_left(tmp_path)


@pytest.mark.iree
def test_a_signal_during_ir_capture_leaves_no_temporary_dump(tmp_path):
    model = tmp_path / "model.mlir"     # here, so that the compile's command line names tmp_path
    shutil.copy(MODELS / "c_tfm_ext.mlir", model)
    proc = start("ir", "capture", model, "-o", tmp_path / "dump.txt", "--", *CPU, cwd=tmp_path)
    wait_for_tool("iree-compile", str(tmp_path), proc)
    deadline = time.monotonic() + 120
    while not leftovers(tmp_path) and time.monotonic() < deadline:   # the dump is being written
        time.sleep(0.05)
    assert leftovers(tmp_path), "the dump's temporary file never appeared"
    code, err = stop(proc, signal.SIGTERM, tmp_path)
    assert code == 143, err
    assert not (tmp_path / "dump.txt").exists()
    nothing_left(tmp_path)


def _tiny_dump(path, snapshots=6):
    text = "".join(f"// -----// IR Dump After P{i} (p{i}) //----- //\nmodule {{\n  // {i}\n}}\n\n"
                   for i in range(snapshots))
    path.write_text(text)
    return path


@pytest.mark.parametrize("existing", [False, True])
def test_a_failed_split_leaves_the_folder_as_it_was(tmp_path, existing):
    dump = Dump.open(_tiny_dump(tmp_path / "dump.txt"))
    out = tmp_path / "split"
    if existing:
        out.mkdir()
        (out / "mine.txt").write_text("keep\n")
    calls = []

    def progress(done, total):
        calls.append(done)
        if len(calls) == 3:
            raise KeyboardInterrupt   # what SIGTERM becomes in the CLI

    with dump, pytest.raises(KeyboardInterrupt):
        dump.split(out, progress=progress)
    assert sorted(p.name for p in out.iterdir()) == ["mine.txt"] if existing else not out.exists()
    assert leftovers(tmp_path) == []


def test_a_split_moves_in_whole(tmp_path):
    dump = Dump.open(_tiny_dump(tmp_path / "dump.txt"))
    out = tmp_path / "split"
    out.mkdir()
    (out / "mine.txt").write_text("keep\n")
    with dump:
        written = dump.split(out)
    assert len(written) == 6 and all(os.path.isfile(p) for p in written)
    assert (out / "mine.txt").read_text() == "keep\n"
    assert leftovers(tmp_path) == []
