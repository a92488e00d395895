"""Outputs that are devices, links, full disks or standard output.

Before: as root, `-o /dev/null` renamed a temporary file over /dev/null (it became a
regular file); `-o /dev/full` and `> /dev/full` gave tracebacks. Now a device or FIFO
is written as it is, a link is written through, and every write error is one line.
The device tests use device files made with mknod in a temporary folder (the same
devices as /dev/null and /dev/full), so that a regression cannot break the machine;
the tests of the real /dev/null and /dev/stdout put them back should a regression
replace them (never run these tests on the old code as root).
"""

from __future__ import annotations

import os
import stat

import pytest

from tests._hostile import leftovers, one_error, run_process
from tests.helpers import MODELS, TRACY, run_cli

TRACE = TRACY / "mlp3_llvmcpu_sync.tracy"
MODEL = MODELS / "a_mm_elem.mlir"
ROOT = os.geteuid() == 0


def _device(folder, name, minor):
    path = folder / name
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
    return path


def _is_device(path, minor):
    st = os.lstat(path)
    return stat.S_ISCHR(st.st_mode) and os.major(st.st_rdev) == 1 and os.minor(st.st_rdev) == minor


def _writers(out):
    return {
        "export csv": ["export", TRACE, "-o", out, "--format", "csv"],
        "export chrome": ["export", TRACE, "-o", out, "--format", "chrome-json"],
        "slim": ["slim", MODEL, "-o", out, "--min-bytes", "1"],
    }


@pytest.fixture
def devices(tmp_path):
    if not ROOT:
        pytest.skip("mknod needs root; the bug (a device replaced) needs root too")
    return _device(tmp_path, "null", 3), _device(tmp_path, "full", 7)


@pytest.mark.parametrize("command", list(_writers("x")))
def test_a_null_device_stays_a_device(devices, tmp_path, command):
    null, _ = devices
    link = tmp_path / "link"
    link.symlink_to(null)
    for out in (null, link):
        code, out_text, err = run_cli(*_writers(out)[command])
        assert code == 0, err
    assert _is_device(null, 3) and link.is_symlink() and os.readlink(link) == str(null)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("command", list(_writers("x")))
def test_a_full_device_is_one_error(devices, tmp_path, command):
    _, full = devices
    code, out, err = run_cli(*_writers(full)[command])
    one_error(code, err, full, "No space left on device")
    assert _is_device(full, 7)
    assert leftovers(tmp_path) == []


def test_slim_params_to_a_full_device(devices, tmp_path):
    _, full = devices
    model = tmp_path / "w.mlir"   # a constant to move (the fixture models have none)
    model.write_text('module {\n  util.global private @w = dense<"0x%s"> : tensor<64xf32>\n}\n'
                     % ("3F800000" * 64))
    code, out, err = run_cli("slim", model, "-o", tmp_path / "s.mlir", "--params", full, "--min-bytes", "1")
    one_error(code, err, full)
    assert _is_device(full, 7) and not (tmp_path / "s.mlir").exists()
    assert leftovers(tmp_path) == []


def test_ir_capture_refuses_a_device(devices, tmp_path):
    null, _ = devices
    code, out, err = run_cli("ir", "capture", MODEL, "-o", null)
    one_error(code, err, null, "character device")
    assert _is_device(null, 3)


@pytest.fixture
def real_devices():
    """/dev/null and /dev/stdout as they were, put back (and the test failed) if a
    regression replaced them: as root, the old code renamed a regular file over each."""
    yield
    broken = []
    if not _is_device("/dev/null", 3):
        broken.append("/dev/null")
        if ROOT:
            os.unlink("/dev/null")
            os.mknod("/dev/null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
            os.chmod("/dev/null", 0o666)
    if not os.path.islink("/dev/stdout"):
        broken.append("/dev/stdout")
        if ROOT:
            os.unlink("/dev/stdout")
            os.symlink("/proc/self/fd/1", "/dev/stdout")
    assert not broken, f"replaced by a regular file: {broken}"


def test_the_real_dev_null_stays_a_device(real_devices):
    for argv in _writers("/dev/null").values():
        code, out, err = run_cli(*argv)
        assert code == 0, err


def test_dev_stdout_is_written_as_it_is(tmp_path, real_devices):
    code, out, err = run_cli("export", TRACE, "-o", tmp_path / "ref.csv", "--format", "csv")
    assert code == 0, err
    expected = (tmp_path / "ref.csv").read_text()
    code, out, err = run_process("export", TRACE, "-o", "/dev/stdout", "--format", "csv")
    assert code == 0, err
    assert out == expected                          # into the pipe, the note beside it
    assert "wrote /dev/stdout" in err
    with open(tmp_path / "out.csv", "wb") as f:     # `-o /dev/stdout > out.csv`
        code, _, err = run_process("export", TRACE, "-o", "/dev/stdout", "--format", "csv", stdout=f)
    assert code == 0, err
    assert (tmp_path / "out.csv").read_text() == expected


def test_slim_to_dev_stdout_keeps_its_summary_apart(tmp_path, real_devices):
    code, out, err = run_cli("slim", MODEL, "-o", tmp_path / "ref.mlir", "--min-bytes", "1")
    assert code == 0, err
    with open(tmp_path / "out.mlir", "wb") as f:
        code, _, err = run_process("slim", MODEL, "-o", "/dev/stdout", "--min-bytes", "1", stdout=f)
    assert code == 0, err
    assert (tmp_path / "out.mlir").read_bytes() == (tmp_path / "ref.mlir").read_bytes()
    assert "/dev/stdout" in err


def test_a_link_to_a_file_is_written_through(tmp_path):
    (tmp_path / "real.csv").write_text("old\n")
    (tmp_path / "link.csv").symlink_to("real.csv")
    code, out, err = run_cli("export", TRACE, "-o", tmp_path / "link.csv", "--format", "csv")
    assert code == 0, err
    assert (tmp_path / "link.csv").is_symlink()
    assert (tmp_path / "real.csv").read_text().startswith("thread,")
    assert leftovers(tmp_path) == []


def test_a_folder_as_output(tmp_path):
    code, out, err = run_cli("export", TRACE, "-o", tmp_path, "--format", "csv")
    one_error(code, err, tmp_path, "is a folder")


STDOUT = {
    "hotspots": ["hotspots", TRACE],
    "hotspots csv": ["hotspots", TRACE, "--format", "csv"],
    "compare": ["compare", TRACE, TRACE],
    "slim --report": ["slim", MODEL, "--report", "--min-bytes", "1"],
    "export to stdout": ["export", TRACE, "-o", "/dev/stdout", "--format", "csv"],
}


@pytest.mark.parametrize("command", list(STDOUT))
def test_a_full_standard_output_is_one_error(command, real_devices):
    with open("/dev/full", "wb") as full:
        code, out, err = run_process(*STDOUT[command], stdout=full)
    line = one_error(code, err, "No space left on device")
    assert "standard output" in line or "/dev/stdout" in line


def test_ir_commands_on_a_full_standard_output(tmp_path):
    dump = tmp_path / "dump.txt"
    dump.write_text("// -----// IR Dump After CSE (cse) //----- //\nmodule {\n" + "  %0 = x\n" * 20000 + "}\n")
    for argv in (["ir", "show", dump, "0"], ["ir", "passes", dump], ["ir", "passes", dump, "--format", "json"]):
        with open("/dev/full", "wb") as full:
            code, out, err = run_process(*argv, stdout=full)
        one_error(code, err, "standard output", "No space left on device")
