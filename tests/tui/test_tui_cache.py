"""The disk cache: a changed input misses, a damaged entry is recomputed, the size is bounded."""

from __future__ import annotations

import os

from irtools import cache


def test_cache_follows_the_input(tmp_path, monkeypatch):
    monkeypatch.setenv("IRTOOLS_CACHE", str(tmp_path / "cache"))
    src = tmp_path / "input.txt"
    src.write_text("one")
    calls = []

    def compute():
        calls.append(1)
        return {"n": len(calls)}

    assert cache.cached(src, "thing", ("a",), compute) == {"n": 1}
    assert cache.cached(src, "thing", ("a",), compute) == {"n": 1}       # a hit
    assert cache.cached(src, "thing", ("b",), compute) == {"n": 2}       # other parameters
    src.write_text("two!")                                               # the input changed
    assert cache.cached(src, "thing", ("a",), compute) == {"n": 3}
    for entry in (tmp_path / "cache").glob("*.pkl"):                     # damaged entries
        entry.write_bytes(b"not a pickle")
    assert cache.cached(src, "thing", ("a",), compute) == {"n": 4}


def test_folder_inputs_change_with_any_file(tmp_path, monkeypatch):
    monkeypatch.setenv("IRTOOLS_CACHE", str(tmp_path / "cache"))
    tree = tmp_path / "tree" / "deep"
    tree.mkdir(parents=True)
    (tree / "a.mlir").write_text("x")
    cache.store(tmp_path / "tree", "dump-index", (), "first")
    assert cache.load(tmp_path / "tree", "dump-index", ()) == "first"
    (tree / "b.mlir").write_text("y")
    assert cache.load(tmp_path / "tree", "dump-index", ()) is None


def test_cache_size_is_bounded(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("IRTOOLS_CACHE", str(folder))
    monkeypatch.setattr(cache, "LIMIT", 250_000)
    src = tmp_path / "input.txt"
    src.write_text("x")
    for i in range(5):
        cache.store(src, "blob", (i,), os.urandom(100_000))
    sizes = [p.stat().st_size for p in folder.glob("*.pkl")]
    assert sum(sizes) <= 250_000 and len(sizes) == 2
    assert cache.load(src, "blob", (4,)) is not None and cache.load(src, "blob", (0,)) is None
