"""A dump read from standard input (`irtools ir passes -`), kept in a file while it is used.

The index reads a dump twice and seeks in it, so a pipe is copied first. The copy goes
to the cache folder (on disk; /tmp may be memory), is removed when the command ends
(Ctrl-C, SIGTERM and SIGHUP included; a copy left by a killed process is removed by the
next one), and has limits: input is refused as soon as 64 MiB have come without an
`IR Dump` header (`cat /dev/zero | irtools ir passes -` does not fill the disk), and
the copy stops at IRTOOLS_STDIN_LIMIT bytes (default 64 GiB) or when less than 1 GiB
would stay free on its file system.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile

from irtools.errors import DumpError

MARK = b"IR Dump "
WINDOW = 64 << 20           # bytes in which the first header must show
LIMIT = 64 << 30            # default IRTOOLS_STDIN_LIMIT
RESERVE = 1 << 30           # free bytes the copy leaves on its file system
CHUNK = 8 << 20
PREFIX = "stdin-"
SAVE_FIX = "save the dump to a file and pass its path"
STDIN = "standard input"


def limit() -> int:
    """IRTOOLS_STDIN_LIMIT in bytes: a number with an optional K, M, G or T (powers of 1024)."""
    text = os.environ.get("IRTOOLS_STDIN_LIMIT", "").strip()
    if not text:
        return LIMIT
    m = re.fullmatch(r"(\d+)\s*([KMGT]?)i?B?", text, re.IGNORECASE)
    if not m:
        raise DumpError(f"IRTOOLS_STDIN_LIMIT={text!r} is not a size",
                        expected="bytes, or a number with K, M, G or T, e.g. 100G")
    return int(m.group(1)) << (10 * " KMGT".index(m.group(2).upper() or " "))


@contextlib.contextmanager
def stdin_copy(stream, folder, *, progress=None):
    """Copy the binary `stream` into a file of `folder`; yield its path, remove it after."""
    cap = limit()
    os.makedirs(folder, exist_ok=True)
    _remove_orphans(folder)
    fd, path = tempfile.mkstemp(prefix=f"{PREFIX}{os.getpid()}-", suffix=".txt", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            _copy(stream, out, path, cap, progress)
        yield path
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _copy(stream, out, path, cap, progress):
    done, seen, tail = 0, False, b""
    free_checked = 0
    while True:
        block = stream.read(CHUNK)
        if not block:
            return
        if not seen:
            seen = MARK in tail + block
            tail = block[-len(MARK):]
            if not seen and done + len(block) >= WINDOW:
                raise DumpError(f"no 'IR Dump' header in the first {WINDOW >> 20} MiB",
                                path=STDIN, expected="'// -----// IR Dump After ...' lines",
                                fix="pipe the stderr of iree-compile --mlir-print-ir-after-all")
        if done + len(block) > cap:
            raise DumpError(f"larger than IRTOOLS_STDIN_LIMIT ({cap:,} bytes)",
                            path=STDIN, fix=f"{SAVE_FIX}, or raise IRTOOLS_STDIN_LIMIT")
        if done >= free_checked:   # every 256 MiB: what the copy leaves free
            free = shutil.disk_usage(os.path.dirname(path)).free
            if free - len(block) < RESERVE:
                raise DumpError(f"its copy would leave less than 1 GiB free in {os.path.dirname(path)}",
                                path=STDIN, fix=SAVE_FIX)
            free_checked = done + (256 << 20)
        try:
            out.write(block)
        except OSError as err:
            raise DumpError(f"cannot keep a copy: {err.strerror}", path=STDIN, fix=SAVE_FIX) from err
        done += len(block)
        if progress:
            progress(done, None)


def _remove_orphans(folder):
    """Copies whose process is gone (it was killed with SIGKILL)."""
    for name in os.listdir(folder):
        m = re.match(re.escape(PREFIX) + r"(\d+)-", name)
        if m and not _alive(int(m.group(1))):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(folder, name))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
