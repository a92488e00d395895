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

    def start(self, what: str):
        self.query_one("#what", Label).update(what)
        self.query_one("#bar", ProgressBar).update(total=None, progress=0)
        self.add_class("-busy")

    def update_progress(self, done, total):
        self.query_one("#bar", ProgressBar).update(total=max(total, 1), progress=done)
        if total > 1 << 20:
            label = self.query_one("#what", Label)
            label.update(f"{str(label.content).split(' (')[0]} ({human_bytes(done)} of "
                         f"{human_bytes(total)})")

    def stop(self):
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
        loading.start(what)
        app = self.app

        def progress(done_, total, _last=[0.0]):
            now = time.monotonic()
            if now - _last[0] >= 0.1:
                _last[0] = now
                app.call_from_thread(loading.update_progress, done_, total)

        def job():
            worker = get_current_worker()
            try:
                result = fn(progress)
            except IrtoolsError as err:
                if not worker.is_cancelled:
                    app.call_from_thread(self._failed, loading, str(err))
                return
            if not worker.is_cancelled:
                app.call_from_thread(self._loaded, loading, done, result)

        self.run_worker(job, thread=True, exclusive=True, group=group, exit_on_error=False)

    def _loaded(self, loading, done, result):
        if self.is_attached:
            loading.stop()
            done(result)

    def _failed(self, loading, message):
        loading.stop()
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
