"""Measured ceilings: the kernels' work and the cache.

How well two measurements agree is timing, measured in benchmarks/bench_peak.py,
not asserted here; that no fixture dispatch exceeds its ceiling is in test_explain.py."""

from __future__ import annotations

import subprocess

import pytest

from irtools.analysis import peak
from irtools.analysis.work import analyze_sources
from irtools.run.targets import parse_target
from tests.helpers import tool


def test_bandwidth_at_never_takes_a_larger_footprint_alone():
    c = peak.Ceilings("llvm-cpu", "llvm-cpu", "local-task", 2, 1e11,
                      [(64 << 10, 50e9), (1 << 20, 80e9), (16 << 20, 30e9), (64 << 20, 10e9)])
    assert c.bandwidth_at(None) == 80e9
    assert c.bandwidth_at(1 << 10) == 80e9          # smaller than any: the best of all
    assert c.bandwidth_at(2 << 20) == 80e9          # between 1 and 16 MiB: the 1 MiB rate
    assert c.bandwidth_at(20 << 20) == 30e9
    assert c.bandwidth_at(1 << 30) == 10e9
    assert c.peak_bandwidth == 80e9 and c.dram_bandwidth == 10e9
    again = peak.Ceilings.from_json(c.to_json())
    assert again == c


@pytest.mark.iree
def test_kernels_do_the_work_they_are_credited_with(tmp_path):
    """The work model reads the kernels' dispatches as the ceilings count them."""
    chosen = peak.kernels((64,), (64 << 10, 1 << 20))
    (tmp_path / "k.mlir").write_text("\n".join(k.text for k in chosen))
    target = parse_target("llvm-cpu")
    subprocess.run([tool("iree-compile"), str(tmp_path / "k.mlir"), *target.compile_flags,
                    f"--iree-hal-dump-executable-sources-to={tmp_path / 'src'}",
                    "-o", str(tmp_path / "k.vmfb")], check=True, capture_output=True)
    works = analyze_sources(tmp_path / "src")
    for k in chosen:
        [w] = [w for n, w in works.items() if n.startswith(k.function + "_dispatch")]
        if k.kind == "compute":
            assert w.flops == k.flops
        else:
            assert w.bytes == k.bytes == k.footprint


@pytest.mark.iree
def test_ceilings_are_cached_per_target(monkeypatch, tmp_path):
    # Its own cache: other tests (or `irtools peak`) may have stored full ceilings already.
    monkeypatch.setenv("IRTOOLS_CACHE", str(tmp_path / "cache"))
    target = parse_target("llvm-cpu@local-sync")
    first = peak.measure(target, force=True, matmul_sizes=(256,), footprints=(256 << 10,))
    assert first.workers == 1 and first.device == "local-sync"
    assert peak.cached(target) is None  # a reduced kernel set is not stored as the ceilings
    stored = peak.Ceilings.from_json({**first.to_json(), "key": peak.cache_key(target, 1)})
    peak._store(stored)
    assert peak.cached(target) == stored
    assert peak.measure(target) == stored  # no measuring: the cache answers
    assert peak.cached(parse_target("llvm-cpu")) is None or peak.cached(
        parse_target("llvm-cpu")).device == "local-task"
