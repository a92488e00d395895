"""Rendering shared by the CLI and the TUI: consoles, progress, human units.

Core modules report progress through a plain callback `progress(done, total)`;
`progress_bar` turns that into a rich bar on a terminal, shown only once the
work has lasted a second.
"""

from __future__ import annotations

import contextlib
import sys
import time

from rich.console import Console

from irtools.units import human_bytes, human_ns  # noqa: F401  (re-exported)


def stdout_console(**kw) -> Console:
    return Console(soft_wrap=False, **kw)


def console_width() -> int:
    return stdout_console().width


def stderr_console() -> Console:
    return Console(stderr=True)


@contextlib.contextmanager
def progress_bar(description: str, *, unit_bytes: bool = True, delay: float = 1.0,
                 stream=None):
    """Yield a `progress(done, total, description=None)` callback that drives a rich bar
    on a terminal; `total` may be None (unknown), `description` replaces the label.

    Nothing is drawn when stderr is not a terminal or the work ends within `delay` s.
    """
    stream = stream or sys.stderr
    if not stream.isatty():
        yield lambda done, total, description=None: None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

    columns = [TextColumn("{task.description}"), BarColumn(), TaskProgressColumn()]
    if unit_bytes:
        columns.append(DownloadColumn())
    columns.append(TimeRemainingColumn())
    bar = Progress(*columns, console=Console(file=stream), transient=True)
    label = description
    started = time.monotonic()
    task = None

    def update(done, total, description=None):
        nonlocal task
        if task is None:
            if time.monotonic() - started < delay:
                return
            bar.start()
            task = bar.add_task(label, total=total)
        bar.update(task, completed=done, total=total, description=description or label)

    try:
        yield update
    finally:
        if task is not None:
            bar.stop()
