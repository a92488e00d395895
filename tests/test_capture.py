"""Real captures: iree-compile, the instrumented iree-run-module, iree-tracy-capture."""

from __future__ import annotations

import re
import subprocess

import pytest

import irtools
from irtools import driver
from irtools.errors import ToolFailed
from irtools.run.tracy_capture import capture
from tests.helpers import MODELS, check_against_iree_profile, iree_profile_groups, tool

pytestmark = pytest.mark.iree  # every test here needs IREE's tools

MLP = MODELS / "b_mlp3.mlir"


def splat_inputs(mlir, function="main"):
    text = mlir.read_text()
    sig = re.search(rf"func\.func @{function}\((.*?)\)\s*->", text, re.S).group(1)
    return [f"--input={shape}x{dt}=0.01" for shape, dt in re.findall(r"tensor<([\dx]+)x(f32)>", sig)]


@pytest.fixture(scope="module")
def modules(tmp_path_factory):
    out = tmp_path_factory.mktemp("modules")
    built = {}
    for backend in ("llvm-cpu", "vmvx"):
        vmfb = out / f"mlp3_{backend}.vmfb"
        extra = ["--iree-llvmcpu-target-cpu=host"] if backend == "llvm-cpu" else []
        driver.run_tool([tool("iree-compile"), MLP, "--iree-hal-target-device=local",
                         f"--iree-hal-local-target-device-backends={backend}", *extra,
                         "-o", vmfb], timeout=600)
        built[backend] = vmfb
    return built


def _run(tmp_path, vmfb, device, name):
    prof = tmp_path / f"{name}.ireeprof"
    argv = [driver.find_tool("iree-run-module", tracy=True), f"--module={vmfb}",
            f"--device={device}", "--function=main", *splat_inputs(MLP),
            "--device_profiling_mode=queue-events,host-execution,executable-metadata",
            f"--device_profiling_output={prof}"]
    tool("iree-tracy-capture")
    capture(argv, tmp_path / f"{name}.tracy", timeout=300)
    return tmp_path / f"{name}.tracy", prof


def test_local_sync_capture_agrees_with_its_profile(tmp_path, modules):
    trace_path, prof = _run(tmp_path, modules["llvm-cpu"], "local-sync", "sync")
    h = irtools.hotspots(trace_path, by="dispatch")
    assert len(h) == 4 and set(h["timing"]) == {"tracy"} and not h["ambiguous"].any()
    assert check_against_iree_profile(h, prof, exact=False) == []
    # One zone per tile on local-sync: the zones count the workgroups.
    oracle = iree_profile_groups(prof)
    assert {r.name: r.tiles for r in h.itertuples()} == {
        n: g["tiles"] / g["count"] for n, g in oracle.items()}
    exact = irtools.hotspots(trace_path, by="dispatch", profile=prof)
    assert set(exact["timing"]) == {"profile"}
    assert check_against_iree_profile(exact, prof, exact=True) == []


def test_local_task_capture_names_its_dispatches(tmp_path, modules):
    trace_path, prof = _run(tmp_path, modules["llvm-cpu"], "local-task", "task")
    h = irtools.hotspots(trace_path, by="dispatch")
    assert "warning" not in h.attrs and not h["ambiguous"].any()
    assert check_against_iree_profile(h, prof, exact=False) == []
    exact = irtools.hotspots(trace_path, by="dispatch", profile=prof)
    assert check_against_iree_profile(exact, prof, exact=True) == []


@pytest.mark.parametrize("device", ["local-task", "local-sync"])
def test_vmvx_capture_is_flagged_and_the_profile_fills_in(tmp_path, modules, device):
    """vmvx names no tiles (local-task) or none at all (local-sync, where only the inline
    dispatch zone marks an execution): the table says so, and the profile fills it in."""
    trace_path, prof = _run(tmp_path, modules["vmvx"], device, "vmvx")
    h = irtools.hotspots(trace_path, by="dispatch")
    assert len(h) == 0 and "carry no dispatch name" in h.attrs["warning"]
    assert irtools.hotspots(trace_path, by="op").attrs["warning"] == h.attrs["warning"]
    if device == "local-sync":  # one unnamed zone per execution
        executions = sum(g["count"] for g in iree_profile_groups(prof).values())
        assert h.attrs["warning"].startswith(f"{executions:,} dispatch zones")
    exact = irtools.hotspots(trace_path, by="dispatch", profile=prof)
    assert len(exact) == 4 and set(exact["timing"]) == {"profile"}
    assert "warning" not in exact.attrs
    assert check_against_iree_profile(exact, prof, exact=True) == []


def test_failing_run_reports_and_leaves_no_process(tmp_path, modules):
    argv = [driver.find_tool("iree-run-module", tracy=True), f"--module={modules['llvm-cpu']}",
            "--device=local-sync", "--function=no_such_function"]
    with pytest.raises(ToolFailed, match="exit code"):
        capture(argv, tmp_path / "bad.tracy", timeout=60)
    left = subprocess.run(["pgrep", "-f", str(tmp_path / "bad.tracy")], capture_output=True)
    assert left.stdout == b""


def test_timeout_kills_both_processes(tmp_path):
    argv = ["sleep", "30"]
    with pytest.raises(ToolFailed, match="did not finish"):
        capture(argv, tmp_path / "slow.tracy", timeout=1)
    left = subprocess.run(["pgrep", "-f", str(tmp_path / "slow.tracy")], capture_output=True)
    assert left.stdout == b""
