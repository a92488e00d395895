"""Files in and out: inputs that can be read to an end, outputs a reader never sees half-written."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile

from irtools.errors import OutputError, UsageError

_SPECIAL = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
            (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def special_kind(path) -> str | None:
    """What `path` is when it is neither a regular file nor a folder ("a FIFO (named pipe)"...);
    None for those, and for a path that cannot be looked at (opening it says why)."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    return next((kind for test, kind in _SPECIAL if test(mode)), None)


def is_stream(path) -> bool:
    """An output to write as it is, never to replace: a device, a FIFO, or anything under
    /dev or /proc (/dev/stdout links to whatever the shell opened: a pipe, a terminal, `> f`)."""
    return special_kind(path) is not None or os.path.abspath(path).startswith(("/dev/", "/proc/"))


def refuse_special(path, error=UsageError, *, stdin: bool = False) -> None:
    """Raise `error` for an input that is a FIFO, device or socket.

    Such a file blocks on open (a FIFO without a writer), never ends (/dev/zero), or
    cannot be seeked, and every reader of irtools seeks or reads twice. Standard input
    is read through `-` where a command takes it (it is copied first).
    """
    kind = special_kind(path)
    if kind is not None:
        raise error(f"is {kind}, not a regular file", path=os.fspath(path),
                    fix="pass a regular file" + (", or '-' to read standard input" if stdin else ""))


def same_file(a, b) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def umask() -> int:
    """The process umask (reading it means setting it: set it back at once)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_output(path, mode: str = "wb", *, inputs=(), durable: bool = True):
    """Open a temporary file beside `path`; rename it over `path` on success.

    On any error the temporary file is removed, so no partial output is left.
    `inputs` are paths that must never be overwritten. `durable=False` skips the
    fsync: the rename stays atomic, only a power cut could lose the file (right for
    a manifest rewritten after every step).

    A symlink is written through, as the shell's `>` does: the file it points to is
    replaced, the link stays. A device or FIFO (`-o /dev/null`, `-o /dev/stdout`) is
    written to as it is, never renamed over: as root that would replace /dev/null
    with a regular file.
    """
    path = os.fspath(path)
    for src in inputs:
        if src is not None and same_file(src, path):
            raise OutputError("output is the same file as the input", path=path,
                              fix="write the output to another path")
    if os.path.isdir(path):
        raise OutputError("is a folder, not a file", path=path, fix="give a file name")
    if is_stream(path):
        kind = special_kind(path)
        if kind == "a socket":
            raise OutputError(f"is {kind}, not a file", path=path, fix="give a file name")
        with _direct(path, mode) as handle:
            yield handle
        return
    target = os.path.realpath(path)
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        raise OutputError("the output folder does not exist", path=path,
                          fix=f"create {os.path.dirname(os.path.abspath(path))} first")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".irtools-", suffix=".tmp", dir=folder)
    except OSError as err:
        raise output_error(err, path, "cannot create a file here") from err
    try:
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        os.fchmod(fd, 0o666 & ~umask())
        with os.fdopen(fd, mode) as handle:
            yield handle
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, target)
    except OSError as err:
        _remove(tmp)
        raise output_error(err, path) from err
    except BaseException:
        _remove(tmp)
        raise


@contextlib.contextmanager
def _direct(path, mode):
    """Write straight into a device or FIFO: there is nothing to rename."""
    try:
        with open(path, mode) as handle:
            yield handle
            handle.flush()
    except OSError as err:
        raise output_error(err, path) from err


_FIXES = {errno.ENOSPC: "free some disk space or choose another path",
          errno.EDQUOT: "free some of your disk quota or choose another path",
          errno.EFBIG: "choose a file system that takes larger files",
          errno.EACCES: "choose a path you may write to", errno.EPERM: "choose a path you may write to",
          errno.EROFS: "choose a path on a writable file system"}


def output_error(err: OSError, path, what: str = "cannot write the output",
                 kind=OutputError) -> OutputError:
    """An OSError met while writing `path`, as the one-line OutputError that says what to do."""
    return kind(f"{what}: {err.strerror or err}", path=os.fspath(path),
                fix=_FIXES.get(getattr(err, "errno", None)))


def copy_range(src_fd: int, offset: int, length: int, out) -> None:
    """Append `length` bytes of `src_fd`, from `offset`, to the binary file `out`.

    copy_file_range keeps the bytes in the kernel; where it is refused (another file
    system, an old kernel) they go through memory. Writeback of the copied range starts
    at once, so the fsync of `atomic_output` has little left to wait for.
    """
    out.flush()
    dst = out.fileno()
    at = os.lseek(dst, 0, os.SEEK_CUR)
    while length > 0:
        try:
            n = os.copy_file_range(src_fd, dst, min(length, 64 << 20), offset)
        except OSError as err:
            if err.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
                raise
            n = 0
        if n == 0:
            break
        with contextlib.suppress(OSError):  # DONTNEED on dirty pages starts their writeback
            os.posix_fadvise(dst, at, n, os.POSIX_FADV_DONTNEED)
        at, offset, length = at + n, offset + n, length - n
    while length > 0:
        data = os.pread(src_fd, min(length, 8 << 20), offset)
        if not data:
            raise OSError(errno.EIO, "the input got shorter while it was read")
        out.write(data)
        offset, length = offset + len(data), length - len(data)


def _remove(path):
    with contextlib.suppress(OSError):
        os.unlink(path)
