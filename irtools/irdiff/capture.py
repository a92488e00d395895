"""Run iree-compile with the print-ir flags that make changed flags exact."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

from irtools._io import atomic_output
from irtools.errors import ToolFailed, ToolNotFound
from irtools.irdiff.dump import Dump

# Before and After pairs make `changed` exact; one thread keeps snapshots whole.
EXACT_FLAGS = ["--mlir-print-ir-before-all", "--mlir-print-ir-after-all", "--mlir-disable-threading"]


def compile_argv(model, flags, *, module_scope=False, tool="iree-compile"):
    exe = shutil.which(tool)
    if exe is None:
        raise ToolNotFound(f"{tool} is not on PATH",
                           fix="pip install iree-base-compiler==3.13.0")
    argv = [exe, os.fspath(model), *flags]
    argv += [f for f in EXACT_FLAGS if f not in flags]
    if module_scope and "--mlir-print-ir-module-scope" not in flags:
        argv.append("--mlir-print-ir-module-scope")
    if "-o" not in flags and not any(f.startswith(("-o=", "--output-file")) for f in flags):
        argv += ["-o", os.devnull]
    return argv


def capture(model, output, flags=(), *, module_scope=False, timeout=None, progress=None) -> Dump:
    """Compile `model`, writing the dump to `output` (atomically), and return it indexed."""
    argv = compile_argv(model, list(flags), module_scope=module_scope)
    started = time.monotonic()
    with atomic_output(output, inputs=[model]) as out:
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=out)
        try:
            while proc.poll() is None:
                if timeout and time.monotonic() - started > timeout:
                    proc.kill()
                    proc.wait()
                    raise ToolFailed(f"iree-compile ran longer than {timeout:g} s", argv=argv,
                                     fix="raise --timeout")
                if progress:
                    out.flush()
                    progress(os.fstat(out.fileno()).st_size, None)
                time.sleep(0.2)
        except BaseException:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            raise
        if proc.returncode != 0:
            out.flush()
            tail = _tail(out.fileno())
            raise ToolFailed(f"iree-compile exited with code {proc.returncode}", argv=argv,
                             returncode=proc.returncode, stderr_tail=tail,
                             fix="see the end of the dump for the compiler's error: " + tail[-300:])
    return Dump.open(output)


def _tail(fd, size=4096):
    end = os.fstat(fd).st_size
    return os.pread(fd, size, max(0, end - size)).decode("utf-8", "replace")
