"""Inputs that are not regular files: a FIFO blocked every command, /dev/zero never ended.

Each command now refuses a FIFO, a device or a socket before opening it, with one line
that says what it is and what to pass instead.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from irtools.irdiff.treedir import tree_parts
from tests._hostile import one_error, run_process
from tests.helpers import MODELS, TRACY

GOOD = TRACY / "mlp3_llvmcpu_sync.tracy"


def _commands(bad, out):
    return {
        "hotspots": ["hotspots", bad],
        "compare A": ["compare", bad, GOOD],
        "compare B": ["compare", GOOD, bad],
        "export": ["export", bad, "-o", out / "x.json.gz"],
        "profile": ["hotspots", GOOD, "--by", "dispatch", "--profile", bad],
        "ir passes": ["ir", "passes", bad],
        "ir show": ["ir", "show", bad, "1"],
        "ir diff": ["ir", "diff", bad, "1"],
        "ir history": ["ir", "history", bad, "@main"],
        "ir split": ["ir", "split", bad, "-o", out / "split"],
        "ir capture": ["ir", "capture", bad, "-o", out / "d.txt"],
        "slim": ["slim", bad, "--report"],
        "run": ["run", bad, "-o", out / "run"],
        "tui": ["tui", bad],
    }


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipe.tracy"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("command", list(_commands("x", Path("."))))
def test_a_fifo_is_refused_not_waited_on(fifo, tmp_path, command):
    argv = _commands(fifo, tmp_path)[command]
    code, out, err = run_process(*argv, timeout=60)
    line = one_error(code, err, fifo, "FIFO", "pass a regular file")
    if command.startswith("ir ") and command != "ir capture":
        assert "'-'" in line          # the ir commands read standard input
    assert not (tmp_path / "split").exists() and not (tmp_path / "run").exists()


@pytest.mark.parametrize("command", ["ir passes", "hotspots", "slim", "tui", "run", "profile"])
def test_dev_zero_is_refused(tmp_path, command):
    code, out, err = run_process(*_commands("/dev/zero", tmp_path)[command], timeout=60)
    one_error(code, err, "/dev/zero", "character device")


def test_a_socket_is_refused(tmp_path):
    path = tmp_path / "sock"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(path))
    code, out, err = run_process("ir", "passes", path, timeout=60)
    one_error(code, err, "socket")


def test_a_fifo_in_a_tree_dir_is_skipped(tmp_path):
    folder = tmp_path / "tree" / "builtin_module_no-symbol-name"
    folder.mkdir(parents=True)
    (folder / "0_canonicalize.mlir").write_text(
        "// -----// IR Dump After Canonicalizer (canonicalize) //----- //\nmodule {\n}\n")
    os.mkfifo(folder / "1_cse.mlir")
    parts, _ = tree_parts(tmp_path / "tree")
    assert [os.path.basename(p.path) for p in parts] == ["0_canonicalize.mlir"]


def test_a_model_fifo_is_refused_by_run(fifo, tmp_path):
    # The model is checked before anything runs: no compile, no run directory.
    code, out, err = run_process("run", fifo, "-o", tmp_path / "r", timeout=60)
    one_error(code, err, "FIFO")
    assert not (tmp_path / "r").exists()
    assert MODELS.is_dir()
