"""The lock a run directory holds while `irtools run` writes it.

`irtools run -o DIR --force` used to delete DIR even while another irtools wrote it.
Now the writer holds an exclusive flock on the directory itself (its inode: nothing is
added to the folder); a second writer, with or without --force, is refused with the pid
of the first. The kernel drops a flock when its process dies, however it dies, so a
crashed run never leaves a stale lock behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from irtools.errors import UsageError


def lock_dir(path: Path) -> int:
    """Lock the folder `path` (made if missing); returns the descriptor that holds the lock."""
    path.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        pid = holder(fd)
        os.close(fd)
        who = f"irtools (pid {pid})" if pid else "another irtools"
        raise UsageError(f"{who} is writing this run directory", path=str(path),
                         fix="wait until it ends, or choose another -o") from None
    except BaseException:
        os.close(fd)
        raise
    return fd


def unlock_dir(fd: int | None) -> None:
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)   # closing drops the flock


def holder(fd: int) -> int | None:
    """The pid holding a flock on the file of `fd`, from /proc/locks (Linux); else None."""
    st = os.fstat(fd)
    ident = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    try:
        with open("/proc/locks") as f:
            for line in f:
                fields = line.split()
                # "1: FLOCK  ADVISORY  WRITE 4242 fd:00:1234 0 EOF"
                if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5] == ident:
                    return int(fields[4])
    except (OSError, ValueError):
        pass
    return None
