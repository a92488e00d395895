"""The disk cache must never answer for another file.

It kept a dump's index with the path as typed: from another folder, `ir show` read the
offsets of one dump out of another file of the same relative name (wrong bytes, exit 0)
or crashed. Entries are keyed by the resolved path, device, inode, size and mtime, and
an index read from the cache opens the file through the path given now.
"""

from __future__ import annotations

import os

from tests.helpers import run_cli

HEADER = "// -----// IR Dump After {} ({}) //----- //\n"


def _dump(path, word, padding=0):
    """A small two-snapshot dump whose bodies name `word`."""
    preamble = "#" * (padding - 1) + "\n" if padding else ""   # bytes before the first header
    text = (preamble + HEADER.format("Canonicalizer", "canonicalize")
            + f"module {{\n  // {word} first\n}}\n\n"
            + HEADER.format("CSE", "cse") + f"module {{\n  // {word} second\n}}\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_the_same_relative_name_in_two_folders(tmp_path, monkeypatch):
    _dump(tmp_path / "a" / "dump.txt", "apple")
    _dump(tmp_path / "b" / "dump.txt", "banana-bread-with-a-longer-name")
    monkeypatch.chdir(tmp_path / "a")
    code, out, err = run_cli("ir", "passes", "dump.txt")     # indexed and cached from a/
    assert code == 0, err
    monkeypatch.chdir(tmp_path / "b")
    for n, word in ((0, "apple first"), (1, "apple second")):
        code, out, err = run_cli("ir", "show", "../a/dump.txt", n)
        assert code == 0, err
        assert word in out and "banana" not in out
    code, out, err = run_cli("ir", "show", "dump.txt", 1)      # b's own dump, not a's index
    assert code == 0, err
    assert "banana-bread-with-a-longer-name second" in out
    code, out, err = run_cli("ir", "diff", "../a/dump.txt", 1)
    assert code == 0, err
    assert "-  // apple first" in out and "+  // apple second" in out


def test_a_file_replaced_by_one_of_the_same_size_and_time(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = _dump(tmp_path / "dump.txt", "alpha1", padding=0)
    code, out, err = run_cli("ir", "show", "dump.txt", 1)
    assert code == 0 and "alpha1 second" in out
    stat = first.stat()
    # Same size, same mtime, another inode: the headers sit 4 bytes later.
    other = _dump(tmp_path / "new.txt", "beta", padding=4)
    os.utime(other, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert other.stat().st_size == stat.st_size
    os.replace(other, first)
    code, out, err = run_cli("ir", "show", "dump.txt", 1)
    assert code == 0, err
    assert "beta second" in out.splitlines()[1], out
