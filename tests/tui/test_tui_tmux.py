"""The real app in a real terminal: tmux runs `irtools tui`, we type and read the screen."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest

from tests.helpers import IRTOOLS

pytestmark = pytest.mark.iree  # every test here needs IREE's tools

WIDTH, HEIGHT = 140, 40


class Terminal:
    """A tmux server of our own (its own socket), running one command in one pane."""

    def __init__(self, argv, cwd, env):
        self.tmux = shutil.which("tmux")
        if self.tmux is None:
            pytest.fail("tmux is required for this test (apt-get install tmux)")
        self.socket = f"irtools-tui-test-{os.getpid()}"
        command = " ".join(f"'{a}'" for a in argv)
        self._tmux("new-session", "-d", "-s", "tui", "-x", str(WIDTH), "-y", str(HEIGHT),
                   "-c", str(cwd), *[f"-e{k}={v}" for k, v in env.items()], command)

    def _tmux(self, *args, check=True):
        # The server inherits our environment: COLUMNS or LINES (pytest's terminal
        # width) would override the pane's real size in the app.
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        return subprocess.run([self.tmux, "-L", self.socket, *args], capture_output=True,
                              text=True, check=check, timeout=30, env=env)

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "tui").stdout

    def keys(self, *keys):
        for key in keys:
            self._tmux("send-keys", "-t", "tui", key)
            time.sleep(0.2)

    def wait_for(self, *texts, timeout=120.0) -> str:
        """The screen once it shows all of `texts`.

        Parts of a screen are drawn in separate frames: Textual fills a new screen's
        footer a refresh or more after the screen itself, and the data loads in a
        thread. Under load the frames lie hundreds of milliseconds apart, so wait for
        every text a check needs, not for one and then assert on the rest.
        """
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen()
            if all(text in shown for text in texts):
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(f"{texts!r} never all appeared; the screen shows:\n{shown}")
            time.sleep(0.2)

    def alive(self) -> bool:
        return self._tmux("has-session", "-t", "tui", check=False).returncode == 0

    def close(self):
        self._tmux("kill-server", check=False)


def test_a_person_walks_through_a_run(runs, irtools_cache):
    env = {"IRTOOLS_CACHE": str(irtools_cache), "TERM": "xterm-256color", "COLORTERM": "truecolor",
           "PATH": os.environ["PATH"]}
    term = Terminal([*IRTOOLS, "tui", "runs/llvm"], runs, env)
    try:
        shown = term.wait_for("Share", "_dispatch_", "llvm-cpu/local-task/prefill:",
                              "g Group by", "c Compare")
        lines = shown.splitlines()
        head = next(i for i, line in enumerate(lines) if line.lstrip().startswith("Name"))
        for word in ("Invoc.", "Wall", "CPU", "Share"):
            assert word in lines[head]
        top = lines[head + 1].split()[0]
        assert "_dispatch_" in top
        assert "g Group by" in lines[-1] and "c Compare" in lines[-1]

        term.keys("Enter")
        term.wait_for("passes changed @", "█", "Median", top)   # history, histogram, statistics

        term.keys("Enter")
        shown = term.wait_for(" hunks, +", "--- #", "+++ #", "@@ -", "s Side by side")
        lines = shown.splitlines()
        order = [next(i for i, line in enumerate(lines) if line.startswith(mark))
                 for mark in ("--- #", "+++ #", "@@ -")]
        assert order == sorted(order), f"a unified diff's header is out of order:\n{shown}"

        term.keys("s")
        shown = term.wait_for(" │ ")

        # One key at a time, as a person types: an Escape followed at once by a letter
        # reads as Alt+letter in a terminal.
        term.keys("Escape")
        term.wait_for("e Executable source")
        term.keys("Escape")
        term.wait_for("g Group by")
        time.sleep(0.5)
        term.keys("c")
        term.wait_for("Δ wall", "A = llvm-cpu/local-task/prefill", "B = llvm-cpu/local-task/decode")

        term.keys("?")
        term.wait_for("command palette")
        term.keys("Escape")
        term.wait_for("g Group by")
        time.sleep(0.5)
        term.keys("q")
        deadline = time.monotonic() + 15
        while term.alive() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not term.alive(), "q quits the app"
    finally:
        term.close()
