"""What every screen shares: loading in a worker with progress, a search bar, commands."""

from __future__ import annotations

import time

from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Input, Label, ProgressBar
from textual.worker import get_current_worker

from irtools.errors import IrtoolsError
from irtools.units import human_bytes


class Loading(Horizontal):
    """One line: what is loading and how far it got. Hidden when idle."""

    DEFAULT_CSS = """
    Loading { height: 1; display: none; }
    Loading.-busy { display: block; }
    Loading Label { width: auto; padding-right: 1; }
    Loading ProgressBar { width: 50; }
    """

    def compose(self):
        yield Label("", id="what")
        yield ProgressBar(show_eta=False, id="bar")

    def on_mount(self):
        self.jobs = {}   # group -> what; several loads may run at once

    def start(self, group: str, what: str):
        self.jobs[group] = what
        self._show(what)
        self.query_one("#bar", ProgressBar).update(total=None, progress=0)
        self.add_class("-busy")

    def _show(self, what: str):
        self.query_one("#what", Label).update(what)

    def update_progress(self, group, done, total):
        if group not in self.jobs:
            return
        self.query_one("#bar", ProgressBar).update(total=max(total, 1), progress=done)
        what = self.jobs[group]
        if total > 1 << 20:
            what += f" ({human_bytes(done)} of {human_bytes(total)})"
        self._show(what)

    def stop(self, group: str):
        self.jobs.pop(group, None)
        if self.jobs:
            self._show(next(reversed(self.jobs.values())))
            self.query_one("#bar", ProgressBar).update(total=None, progress=0)
        else:
            self.remove_class("-busy")


class SearchBar(Input):
    """An input shown on `/`, hidden again on Enter or Escape."""

    DEFAULT_CSS = """
    SearchBar { dock: bottom; display: none; margin-bottom: 1; }
    SearchBar.-open { display: block; }
    """

    def open(self, placeholder="search (a regular expression)"):
        self.placeholder = placeholder
        self.add_class("-open")
        self.focus()

    def close(self):
        self.remove_class("-open")

    def key_escape(self, event):
        event.stop()
        self.close()
        self.screen.focus_next()


class BaseScreen(Screen):
    """A screen that loads its data off the UI thread."""

    def load(self, what: str, fn, done, *, group="load"):
        """Run `fn(progress)` in a thread; then `done(result)` on the UI thread.

        A later load of the same group replaces an earlier one still running.
        """
        loading = self.query_one(Loading)
        loading.start(group, what)
        app = self.app

        last = 0.0

        def progress(done_, total):
            nonlocal last
            now = time.monotonic()
            if now - last >= 0.1:
                last = now
                app.call_from_thread(loading.update_progress, group, done_, total)

        def job():
            worker = get_current_worker()
            try:
                result = fn(progress)
            except IrtoolsError as err:
                if not worker.is_cancelled:
                    app.call_from_thread(self._failed, loading, group, str(err))
                return
            except Exception as err:  # a bug: say so on screen, keep it on the worker
                app.call_from_thread(self._failed, loading, group,
                                     f"internal error ({type(err).__name__}): {err}")
                raise
            if not worker.is_cancelled:
                app.call_from_thread(self._loaded, loading, group, done, result)

        self.run_worker(job, thread=True, exclusive=True, group=group, exit_on_error=False)

    def _loaded(self, loading, group, done, result):
        if self.is_attached:
            loading.stop(group)
            done(result)

    def _failed(self, loading, group, message):
        loading.stop(group)
        self.notify(message, title="error", severity="error", timeout=10)

    def commands(self) -> list:
        """(name, help, callback) for the command palette, from the footer bindings."""
        out = []
        for binding in self.BINDINGS:
            if isinstance(binding, tuple):
                key, action, description = (binding + ("",))[:3]
            else:
                key, action, description = binding.key, binding.action, binding.description
            if description:
                out.append((description, f"key {key}",
                            lambda a=action: self.run_action(a)))
        return out
