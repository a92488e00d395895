"""Run iree-compile with the print-ir flags that make changed flags exact."""

from __future__ import annotations

import os
import subprocess
import time

from irtools._io import atomic_output, special_kind
from irtools.errors import OutputError, ToolFailed
from irtools.irdiff.dump import Dump
from irtools.irdiff.index import Index, Reader, complete

# Before and After pairs make `changed` exact; one thread keeps snapshots whole.
EXACT_FLAGS = ["--mlir-print-ir-before-all", "--mlir-print-ir-after-all", "--mlir-disable-threading"]


def compile_argv(model, flags, *, module_scope=False, tool="iree-compile"):
    from irtools.driver import find_tool

    argv = [find_tool(tool), os.fspath(model), *flags]
    argv += [f for f in EXACT_FLAGS if f not in flags]
    if module_scope and "--mlir-print-ir-module-scope" not in flags:
        argv.append("--mlir-print-ir-module-scope")
    if "-o" not in flags and not any(f.startswith(("-o=", "--output-file")) for f in flags):
        argv += ["-o", os.devnull]
    return argv


def compile_dump(model, output, flags=(), *, module_scope=False, timeout=None, progress=None,
            watch=None) -> Dump:
    """Compile `model`, writing the dump to `output` (atomically), and return it indexed.

    The dump is indexed while the compiler writes it: `progress(bytes, None)` and
    `watch(snapshots)` (the list so far; the last one may still be growing) are called
    a few times a second.
    """
    kind = special_kind(output)
    if kind is not None:
        raise OutputError(f"is {kind}: the dump is read back while it is written", path=os.fspath(output),
                          fix="give a file name, e.g. -o dump.txt")
    argv = compile_argv(model, list(flags), module_scope=module_scope)
    started = time.monotonic()
    idx = Index(os.fspath(output), 0)
    reader = Reader(idx)
    with atomic_output(output, inputs=[model]) as out:
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=out)
        # Our own handle on the file: the compiler's offset must not move under it.
        with open(f"/proc/self/fd/{out.fileno()}", "rb", buffering=0) as growing:
            try:
                while proc.poll() is None:
                    if timeout and time.monotonic() - started > timeout:
                        proc.kill()
                        proc.wait()
                        raise ToolFailed(f"iree-compile ran longer than {timeout:g} s", argv=argv,
                                         fix="raise --timeout")
                    _follow(reader, growing, progress, watch, more=True)
                    time.sleep(0.2)
            except BaseException:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                raise
            if proc.returncode != 0:
                tail = _tail(out.fileno())
                raise ToolFailed(f"iree-compile exited with code {proc.returncode}", argv=argv,
                                 returncode=proc.returncode, stderr_tail=tail,
                                 fix="see the end of the dump for the compiler's error: " + tail[-300:])
            _follow(reader, growing, progress, watch, more=False)
    idx.size = reader.end
    return Dump(complete(idx))


def _follow(reader, growing, progress, watch, *, more):
    count = len(reader.idx.snapshots)
    reader.read(growing, more=more)
    if progress:
        progress(reader.end, None)
    if watch and len(reader.idx.snapshots) != count:
        watch(reader.idx.snapshots)


def _tail(fd, size=4096):
    end = os.fstat(fd).st_size
    return os.pread(fd, size, max(0, end - size)).decode("utf-8", "replace")
