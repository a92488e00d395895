"""The one exception hierarchy of irtools.

Every error a user can cause (bad input, a failing tool, a full disk) is an
`IrtoolsError`. The CLI prints it as one line and exits with code 2; anything
else is a bug and keeps its traceback.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: `import irtools` stays cheap
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any


class IrtoolsError(Exception):
    """Base class: a problem with the user's input, environment or tools."""

    exit_code = 2

    def __init__(self, problem: str, *, path: str | os.PathLike[str] | None = None,
                 offset: int | None = None, line: int | None = None,
                 expected: str | None = None, fix: str | None = None) -> None:
        self.problem = problem
        self.path = os.fspath(path) if path is not None else None
        self.offset = offset
        self.line = line
        self.expected = expected
        self.fix = fix
        super().__init__(self.message())

    def message(self) -> str:
        where = []
        if self.path is not None:
            where.append(printable(self.path))
        if self.offset is not None:
            where.append(f"offset {self.offset}")
        if self.line is not None:
            where.append(f"line {self.line}")
        text = self.problem
        if self.expected:
            text += f" (expected {self.expected})"
        if self.fix:
            text += f"; {self.fix}"
        text = " ".join(text.split())  # one line, whatever the parts held
        return (": ".join(where) + ": " + text) if where else text


def printable(path: str) -> str:
    """`path` with control characters escaped: a newline in a file name must not break the
    one-line message."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in path)


def json_kind(value: object) -> str:
    """How a JSON value is named in a message: "null", "a list", "a number"..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    names = {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)


class UsageError(IrtoolsError):
    """The command line asks for something that cannot be done."""


class TraceError(IrtoolsError):
    """A .tracy file could not be read."""


class NotATrace(TraceError):
    """The file is not a Tracy capture (wrong magic, empty, a directory)."""


class UnsupportedVersion(TraceError):
    """The capture's file version is outside what the reader knows."""


class TruncatedTrace(TraceError):
    """The capture ends before its data does."""


class CorruptTrace(TraceError):
    """The capture's bytes do not decode or do not make sense."""


class ProfileError(IrtoolsError):
    """An IREE HAL profile (.ireeprof) or its iree-profile export could not be read."""


class DumpError(IrtoolsError):
    """An IR dump could not be read."""


class MlirError(IrtoolsError):
    """An MLIR file could not be read or rewritten."""


class RunDirError(IrtoolsError):
    """A run directory's manifest.json or run.json is damaged or not irtools' own."""


class OutputError(IrtoolsError):
    """An output could not be written."""


class ToolNotFound(IrtoolsError):
    """A required IREE or Tracy tool is not installed."""


class ToolFailed(IrtoolsError):
    """An external tool exited with an error."""

    def __init__(self, problem: str, *, argv: Iterable[object] | None = None,
                 returncode: int | None = None, stderr_tail: str = "", **kw: Any) -> None:
        self.argv = list(argv or [])
        self.returncode = returncode
        self.stderr_tail = stderr_tail
        super().__init__(problem, **kw)
