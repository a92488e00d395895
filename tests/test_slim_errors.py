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


def _blob(n, seed):
    """A resource blob as MLIR prints one: its alignment as a little-endian u32, then the bytes."""
    return "0x04000000" + bytes((seed * 7 + k * 13) % 256 for k in range(n)).hex().upper()


# What a torch or ONNX import looks like: globals and constants are `dense_resource`
# with their bytes in the resource section, a placeholder is a `#util.byte_pattern`.
TORCH_ONNX = f'''module @"torch-jit-export" {{
  util.global private @__auto.fc1.weight = dense_resource<__auto.fc1.weight> : tensor<8x64xf32>
  util.global private @__auto.fc2.weight = #util.byte_pattern<1> : tensor<64x16xf32>
  func.func @main_graph(%arg0: tensor<1x8xf32>) -> tensor<1x16xf32> {{
    %w = util.global.load @__auto.fc1.weight : tensor<8x64xf32>
    %w2 = util.global.load @__auto.fc2.weight : tensor<64x16xf32>
    %b = arith.constant dense_resource<_onnx__Add_7> : tensor<1x64xf32>
    %h = linalg.matmul ins(%arg0, %w : tensor<1x8xf32>, tensor<8x64xf32>)
        outs(%b : tensor<1x64xf32>) -> tensor<1x64xf32>
    %z = arith.constant dense<0.0> : tensor<1x16xf32>
    %o = linalg.matmul ins(%h, %w2 : tensor<1x64xf32>, tensor<64x16xf32>)
        outs(%z : tensor<1x16xf32>) -> tensor<1x16xf32>
    return %o : tensor<1x16xf32>
  }}
}}

{{-#
  dialect_resources: {{
    builtin: {{
      __auto.fc1.weight: "{_blob(8 * 64 * 4, 1)}",
      _onnx__Add_7: "{_blob(64 * 4, 2)}"
    }}
  }}
#-}}
'''


def test_params_on_a_torch_onnx_import_says_why_not(tmp_path):
    """No dense<...> to move: a clear line and exit 2, no empty archive, no output, and no
    "run with --parameters"; without --params the file goes through as it is."""
    src = tmp_path / "in.mlir"
    src.write_text(TORCH_ONNX)
    rc, out, err = run_cli("slim", src, "-o", tmp_path / "out.mlir", "--params", tmp_path / "w.irpa")
    assert rc == 2 and err.startswith("irtools: error: ") and err.count("\n") == 1
    assert "2 dense_resource blobs" in err and "--parameters" not in out + err
    _only(tmp_path, "in.mlir")
    rc, _, err = run_cli("slim", src, "-o", tmp_path / "out.mlir", "--params", tmp_path / "w.irpa",
                         "--min-bytes", "1")
    assert rc == 2 and "dense_resource" in err
    rc, out, _ = run_cli("slim", src, "-o", tmp_path / "out.mlir")
    assert rc == 0 and (tmp_path / "out.mlir").read_text() == TORCH_ONNX


def test_params_with_nothing_large_enough_says_so(tmp_path):
    src = tmp_path / "in.mlir"
    src.write_text(GOOD)
    rc, _, err = run_cli("slim", src, "-o", tmp_path / "out.mlir", "--params", tmp_path / "w.irpa",
                         "--min-bytes", "1000000")
    assert rc == 2 and "no dense<...> constant of at least 1000000 bytes" in err and err.count("\n") == 1
    _only(tmp_path, "in.mlir")
