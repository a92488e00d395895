"""`irtools tui` refuses what it cannot show before the app starts.

Before: an empty folder, an empty or foreign `.tracy` file, or a FIFO started the app
(which then failed inside, or hung on the FIFO). Now each is one error line, exit 2.
"""

from __future__ import annotations

import os

import pytest

from tests._hostile import one_error, run_process

CASES = {
    "an empty folder": (lambda p: p.mkdir(), "no print-ir files in this folder"),
    "a folder of other files": (lambda p: (p.mkdir(), (p / "notes.txt").write_text("x")), "no print-ir files"),
    "an empty .tracy": (lambda p: p.write_bytes(b""), "the file is empty"),
    "a cut .tracy header": (lambda p: p.write_bytes(b"tr\xfd"), "not a Tracy capture"),
    "text named .tracy": (lambda p: p.write_text("hello\n"), "not a Tracy capture"),
    "a FIFO": (lambda p: os.mkfifo(p), "FIFO"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_tui_refuses_before_it_starts(tmp_path, case):
    make, words = CASES[case]
    path = tmp_path / ("in.tracy" if "tracy" in case else "input")
    make(path)
    code, out, err = run_process("tui", path, timeout=60)   # the app would wait for keys: a hang
    one_error(code, err, path, words)
