"""Bad inputs give one clear line and leave no partial output behind."""

from __future__ import annotations

import errno
import io
import os
import subprocess
import sys

import pytest

import irtools
import irtools._io
from irtools.errors import MlirError
from tests.helpers import run_cli

GOOD = 'module {\n  util.global private @w = dense<"0x%s"> : tensor<512xf32>\n}\n' % ("3F800000" * 511 + "00000040")


def _only(tmp_path, *names):
    assert sorted(os.listdir(tmp_path)) == sorted(names)  # no output, no temporary left


@pytest.mark.parametrize("content, words", [
    (b"\x89PNG\r\n\x1a\n\0\0\0IHDR", "not an MLIR text file"),
    (b"hello world, this is prose\n", "not an MLIR text file"),
    (b"ML\xefR\0bytecode", "MLIR bytecode"),
    (('module {\n  %c = arith.constant dense<"0x' + "AB" * 5000).encode(), "unterminated dense<\"0x"),
    (GOOD.replace("3F800000", "3F8G0000", 1).encode(), "invalid hex digit 'G'"),
    (GOOD.replace('0000040"', '000040"').encode(), "odd number of digits"),
])
def test_bad_input_one_line_no_output(tmp_path, content, words):
    src = tmp_path / "in.mlir"
    src.write_bytes(content)
    for argv in (["-o", tmp_path / "out.mlir"], ["-o", tmp_path / "out.mlir", "--params", tmp_path / "w.irpa"],
                 ["--report"]):
        rc, out, err = run_cli("slim", src, *argv)
        assert rc == 2 and err.startswith("irtools: error: ") and words in err
        assert err.count("\n") == 1 and "Traceback" not in err
        _only(tmp_path, "in.mlir")


def test_error_says_where(tmp_path):
    src = tmp_path / "in.mlir"
    src.write_text(GOOD.replace("3F800000", "3F8G0000", 1))
    with pytest.raises(MlirError) as info:
        irtools.slim_mlir(src, tmp_path / "out.mlir")
    assert info.value.line == 2 and info.value.offset == GOOD.index("0x") + 5


def test_output_equal_to_input_is_refused(tmp_path):
    src = tmp_path / "in.mlir"
    src.write_text(GOOD)
    for argv in (["-o", src], ["-o", tmp_path / "out.mlir", "--params", src],
                 ["-o", tmp_path / "out.mlir", "--params", tmp_path / "out.mlir"]):
        rc, _, err = run_cli("slim", src, *argv)
        assert rc == 2 and "irtools: error:" in err and err.count("\n") == 1
    assert src.read_text() == GOOD
    _only(tmp_path, "in.mlir")


class _FullDisk(io.RawIOBase):
    """A writer that fails like a full disk after a few bytes."""

    def __init__(self, fd, limit=100):
        self.fd, self.left = fd, limit

    def writable(self):
        return True

    def write(self, data):
        if len(data) > self.left:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.left -= len(data)
        return os.write(self.fd, data)

    def fileno(self):
        return self.fd

    def close(self):
        if not self.closed:
            os.close(self.fd)
        super().close()


def test_full_disk_leaves_nothing(tmp_path, monkeypatch):
    src = tmp_path / "in.mlir"
    src.write_text(GOOD)
    monkeypatch.setattr(irtools._io.os, "fdopen", lambda fd, mode: io.BufferedWriter(_FullDisk(fd), 16))
    rc, _, err = run_cli("slim", src, "-o", tmp_path / "out.mlir")
    assert rc == 2 and "No space left on device" in err and "free some disk space" in err
    assert err.count("\n") == 1
    _only(tmp_path, "in.mlir")


def test_archive_write_failure_leaves_nothing(tmp_path):
    """IREE writes the archive itself: make its writes fail with a file size limit."""
    src = tmp_path / "in.mlir"
    src.write_text(GOOD)
    code = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
            "resource.setrlimit(resource.RLIMIT_FSIZE, (3000, 3000)); "
            "from irtools.cli import main; sys.exit(main(sys.argv[1:]))")
    proc = subprocess.run([sys.executable, "-c", code, "slim", str(src), "-o", str(tmp_path / "out.mlir"),
                           "--params", str(tmp_path / "w.irpa")], capture_output=True, text=True)
    assert proc.returncode == 2 and "cannot write the parameter archive" in proc.stderr
    assert proc.stderr.count("\n") == 1
    _only(tmp_path, "in.mlir")


def test_cli_report_and_summary(tmp_path):
    src = tmp_path / "in.mlir"
    src.write_text(GOOD)
    rc, out, _ = run_cli("slim", src, "--report")
    assert rc == 0 and "tensor<512xf32>" in out and "1 of at least" in out
    _only(tmp_path, "in.mlir")
    rc, out, _ = run_cli("slim", src, "-o", tmp_path / "out.mlir", "--params", tmp_path / "w.irpa")
    assert rc == 0 and "--parameters=model=" in out
    assert '#flow.parameter.named<"model"::"w">' in (tmp_path / "out.mlir").read_text()
    rc, _, err = run_cli("slim", src)
    assert rc == 2 and "either -o" in err


def test_splats_small_and_unsupported_stay_inline(tmp_path):
    src = tmp_path / "in.mlir"
    text = ('module {\n'
            '  util.global private @splat = dense<"0x3F800000"> : tensor<4096xf32>\n'
            '  util.global private @small = dense<"0x0000803F0000803F"> : tensor<2xf32>\n'
            f'  util.global private @bits = dense<"0x{"01" * 4096}"> : tensor<4096xi1>\n'
            f'  util.global private @big = dense<"0x{"11" * 4096}"> : tensor<1024xf32>\n}}\n')
    src.write_text(text)
    result = irtools.slim_mlir(src, tmp_path / "out.mlir")
    assert [(c.name, c.action) for c in result.constants] == [
        ("splat", "splat"), ("small", "small"), ("bits", "type"), ("big", "moved")]
    out = (tmp_path / "out.mlir").read_text()
    assert text.splitlines()[1:4] == out.splitlines()[1:4]
    irtools.slim_mlir(src, tmp_path / "par.mlir", params=tmp_path / "w.irpa")
    assert text.splitlines()[1:4] == (tmp_path / "par.mlir").read_text().splitlines()[1:4]
