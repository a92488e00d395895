"""`irtools run` with the real tools: every fixture model on every target this machine has."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time

import numpy as np
import pytest

import irtools
from irtools.run.runner import available_devices
from tests.helpers import IRTOOLS, MODELS, check_against_iree_profile, iree_profile_groups, run_cli, tool

pytestmark = pytest.mark.iree  # every test here needs IREE's tools

TARGETS = ["llvm-cpu", "llvm-cpu@local-sync", "vmvx", "vulkan", "cuda"]
MODEL_NAMES = ["a_mm_elem", "b_mlp3", "c_tfm_ext", "c_tfm_manual"]
# IREE 3.13 cannot compile iree_linalg_ext.online_attention for SPIR-V: the run must say so.
KNOWN_FAILURES = {"c_tfm_ext": ("vulkan", "'iree_linalg_ext.online_attention' op result #0")}


def leftovers(marker: str) -> list[str]:
    """Processes whose command line mentions `marker` (a run directory)."""
    out = subprocess.run(["ps", "-eww", "-o", "pid,args"], capture_output=True, text=True).stdout
    return [ln for ln in out.splitlines()[1:] if marker in ln and "ps -eww" not in ln]


@pytest.fixture(scope="session")
def devices():
    tool("iree-compile")
    found = available_devices()
    for needed in ("local-task", "local-sync", "vulkan"):
        if needed not in found:
            pytest.fail(f"no {needed} device (iree-run-module --list_devices: {found}); "
                        "install Mesa's lavapipe: apt-get install mesa-vulkan-drivers libvulkan1")
    return found


@pytest.fixture(scope="session")
def model_runs(tmp_path_factory, devices):
    root = tmp_path_factory.mktemp("runs")
    out = {}
    for name in MODEL_NAMES:
        args = ["run", MODELS / f"{name}.mlir", "-o", root / name, "--top", "3"]
        for t in TARGETS:
            args += ["--target", t]
        code, stdout, stderr = run_cli(*args)
        known = KNOWN_FAILURES.get(name)
        if known:
            assert code == 2 and known[1] in stderr, stderr
        else:
            assert code == 0, stderr
        out[name] = (root / name, stdout)
    return out


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_every_target_gives_a_readable_trace(model_runs, name):
    root, stdout = model_runs[name]
    manifest = json.loads((root / "manifest.json").read_text())
    by_target = {}
    for r in manifest["runs"]:
        by_target.setdefault(r["target"], []).append(r)
    # A failed compile with no --function lists no runs: the compile entry holds the error.
    assert set(by_target) == set(TARGETS) - {KNOWN_FAILURES.get(name, ("",))[0]}
    for target, runs in by_target.items():
        for r in runs:
            if KNOWN_FAILURES.get(name, ("",))[0] == target:
                assert r["status"] == "compile-failed"
                continue
            if target == "cuda":
                assert r["status"] == "compile-only" and "no cuda device" in r["error"]
                continue
            assert r["status"] == "ok", r
            assert r["command"][0].endswith("iree-run-module")
            frame = irtools.hotspots(root / r["trace"], by="name")
            assert frame["count"].sum() > 0
    for c in manifest["compiles"]:
        if KNOWN_FAILURES.get(name, ("",))[0] == c["backend"]:
            assert c["status"] == "failed" and KNOWN_FAILURES[name][1] in c["error"]
            assert (root / c["log"]).is_file()
            continue
        assert c["status"] == "ok" and (root / c["vmfb"]).stat().st_size > 0
        assert any((root / c["sources"]).glob("*.mlir"))
    assert manifest["tools"]["iree-base-compiler"] == "3.13.0"
    assert "slowest:" in stdout


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_signatures_read_from_the_flatbuffer_match_iree_dump_module(model_runs, name):
    from irtools.run.signature import dumped_functions, module_functions
    from irtools.run.vmfb import exported_declarations

    root, _ = model_runs[name]
    manifest = json.loads((root / "manifest.json").read_text())
    checked = 0
    for c in manifest["compiles"]:
        if c["status"] != "ok":
            continue
        vmfb = root / c["vmfb"]
        exported_declarations(vmfb)  # raises if our reader had to fall back
        ours = module_functions(vmfb)
        assert ours and ours == dumped_functions(vmfb), c["backend"]
        checked += 1
    assert checked >= 3  # llvm-cpu, vmvx, cuda; and vulkan where it compiles


def test_signature_of_a_module_without_the_zip_wrapper(tmp_path):
    from irtools.run.signature import dumped_functions, module_functions
    from irtools.run.vmfb import exported_declarations

    vmfb = tmp_path / "plain.vmfb"
    subprocess.run([tool("iree-compile"), MODELS / "b_mlp3.mlir", "--iree-hal-target-device=local",
                    "--iree-hal-local-target-device-backends=vmvx",
                    "--iree-vm-emit-polyglot-zip=false", "-o", vmfb], check=True)
    assert vmfb.read_bytes()[:2] != b"PK"
    assert exported_declarations(vmfb)
    assert module_functions(vmfb) == dumped_functions(vmfb)
    # Not a module at all: the FlatBuffer reader gives up and the tool's error is reported.
    bad = tmp_path / "bad.vmfb"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ValueError):
        exported_declarations(bad)
    from irtools.errors import IrtoolsError

    with pytest.raises(IrtoolsError):
        module_functions(bad)


def disagreements(run) -> list[str]:
    """Where the dispatch table of a run disagrees with `iree-profile dispatch` on it:
    with the HAL profile (exact), and from the Tracy zones alone (estimated)."""
    exact = irtools.open_run(run.root).hotspots(target=run.target, device=run.device,
                                                function=run.function)
    # Initializers run before profiling begins: only Tracy saw them.
    from_tracy = exact.loc[exact["timing"] != "profile", "name"]
    assert from_tracy.str.startswith("_initializer").all(), list(from_tracy)
    assert not exact["ambiguous"].any()
    bad = check_against_iree_profile(exact, run.profile, exact=True)
    if run.backend == "llvm-cpu":  # vmvx names no tiles on local-task: nothing to estimate
        estimate = irtools.hotspots(run.trace, by="dispatch")
        assert set(estimate["timing"]) == {"tracy"}
        bad += [f"{line} (from Tracy)" for line in
                check_against_iree_profile(estimate, run.profile, exact=False)]
        bad += [f"{n}: flagged ambiguous" for n in estimate.loc[estimate["ambiguous"], "name"]]
    return bad


@pytest.mark.parametrize("name", MODEL_NAMES)
@pytest.mark.parametrize("target, device", [("llvm-cpu", "local-task"),
                                            ("llvm-cpu@local-sync", "local-sync"),
                                            ("vmvx", "local-task")])
def test_dispatch_invocations_agree_with_iree_profile(model_runs, name, target, device,
                                                      tmp_path):
    """Invocation counts exact; wall within 1% + 10 µs per dispatch; CPU time equal to the
    profile's tile time (or, from Tracy zones, within 2% + 10 µs)."""
    root, _ = model_runs[name]
    runs = irtools.open_run(root).select(target=target.split("@")[0], device=device,
                                         traced=True)
    assert runs
    for run in runs:
        bad = disagreements(run)
        # A worker preempted on this 2-core machine can stretch one measurement and
        # not the other; a real disagreement repeats, so capture twice more.
        for attempt in range(2):
            if not bad:
                break
            again = irtools.run_model(MODELS / f"{name}.mlir",
                                      tmp_path / run.function / f"again{attempt}",
                                      targets=[target], functions=[run.function])
            bad = disagreements(again.run())
        assert not bad, bad


def test_concurrent_invocations_are_counted_or_flagged(model_runs):
    """The Q, K and V projections of c_tfm_ext run at once, three commands of one executable
    between two barriers. With the command buffer's recording the capture counts them;
    without it they look like one invocation, and the estimate must say it does not know."""
    from irtools.trace.invocations import CB_BARRIER, CB_BEGIN, CB_DISPATCH, CB_END, find_invocations, gather
    from irtools.trace.model import Trace

    root, _ = model_runs["c_tfm_ext"]
    run = irtools.open_run(root).run(target="llvm-cpu", device="local-task", function="prefill")
    oracle = iree_profile_groups(run.profile)
    trace = Trace.open(run.trace)
    zones = gather(trace)
    counted = find_invocations(zones, trace.name_of)
    assert not counted.ambiguous.any() and counted.verified.all()
    for hide in (False, True):
        if hide:  # as if the recording had happened before the capture started
            keep = ~np.isin(zones.role, (CB_BEGIN, CB_END, CB_DISPATCH, CB_BARRIER))
            zones = type(zones)(**{k: v[keep] for k, v in vars(zones).items()})
        found = find_invocations(zones, trace.name_of)
        for i, name in enumerate(found.names):
            if name not in oracle:  # an initializer, run before profiling began
                continue
            mine = found.name == i
            flagged = bool((found.ambiguous | ~found.verified)[mine].any())
            if int(mine.sum()) != oracle[name]["count"]:
                assert flagged, (name, hide)
        repeated = [n for n, g in oracle.items() if g["count"] > 2]  # Q, K, V: 3 per layer
        assert repeated
        counts = {n: int((found.name == found.names.index(n)).sum()) for n in repeated}
        if hide:
            assert any(counts[n] != oracle[n]["count"] for n in repeated)  # can fail
        else:
            assert all(counts[n] == oracle[n]["count"] for n in repeated)


def test_run_dir_hotspots_merge_the_profile(model_runs):
    root, _ = model_runs["c_tfm_manual"]
    code, out, err = run_cli("hotspots", root / "vulkan" / "vulkan" / "prefill",
                             "--by", "dispatch", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    # Tracy records no GPU zones for vulkan in IREE 3.13: the times come from the profile,
    # which has no CPU time for a GPU's dispatches.
    assert rows and {r["timing"] for r in rows} == {"profile"}
    assert all(r["wall_ns"] > 0 and r["cpu_ns"] is None and r["source"].endswith(".mlir")
               for r in rows)
    code, out, err = run_cli("hotspots", root, "--by", "op", "--format", "csv")
    assert code == 0, err
    assert out.splitlines()[0].startswith("run,op,count,total_ns")
    assert "vmvx/local-task/prefill" in out and "vulkan/vulkan/decode" in out


def test_compare_run_dirs(model_runs):
    a, _ = model_runs["c_tfm_ext"]
    b, _ = model_runs["c_tfm_manual"]
    code, out, err = run_cli("compare", a, b, "--by", "op", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert {r["a"].split(" (")[1].rstrip(")") for r in rows} >= {
        "llvm-cpu/local-task/prefill", "vmvx/local-task/decode"}
    code, out, err = run_cli("compare", a / "llvm-cpu/local-task/prefill",
                             a / "vmvx/local-task/prefill", "--by", "op")
    assert code == 0 and "matmul" in out


def test_the_notebook_api_takes_run_dirs_as_the_cli_does(model_runs):
    a, _ = model_runs["c_tfm_ext"]
    b, _ = model_runs["c_tfm_manual"]
    code, out, err = run_cli("compare", a, b, "--by", "op", "--format", "json")
    assert code == 0, err
    compared = irtools.compare(a, b, by="op")
    assert list(compared.columns[:2]) == ["a", "b"]
    rows = json.loads(out)
    assert [(r["a"], r["b"], r["op"], r["delta_ns"]) for r in rows] == list(
        zip(compared["a"], compared["b"], compared["op"], compared["delta_ns"]))
    one = a / "llvm-cpu/local-task/prefill"
    pair = irtools.compare(one, irtools.open_trace(one / "trace.tracy"))
    assert len(pair) and (pair["delta_ns"] == 0).all()  # a run against its own trace
    code, out, err = run_cli("hotspots", a, "--by", "dispatch", "--format", "json")
    assert code == 0, err
    table = irtools.hotspots(a, by="dispatch")
    assert table.columns[0] == "run" and len(table) == len(json.loads(out))


# ---- inputs and signatures --------------------------------------------------

def test_random_inputs_follow_the_signature_and_the_seed(tmp_path, devices):
    model = tmp_path / "sig.mlir"
    model.write_text("func.func @f(%a: tensor<?x4xf32>, %b: i32, %c: tensor<3xi64>) -> tensor<?x4xf32> {\n"
                     "  return %a : tensor<?x4xf32>\n}\n")
    runs = []
    for i in range(2):
        code, out, err = run_cli("run", model, "-o", tmp_path / f"r{i}", "--top", "0")
        assert code == 0, err
        runs.append(json.loads((tmp_path / f"r{i}/manifest.json").read_text())["runs"][0])
    a = [np.load(v[1:]) for v in runs[0]["inputs"] if v.startswith("@")]
    b = [np.load(v[1:]) for v in runs[1]["inputs"] if v.startswith("@")]
    assert a[0].shape == (1, 4) and a[0].dtype == np.float32
    assert a[1].dtype == np.int64 and a[1].min() >= 0 and a[1].max() < 32
    assert all((x == y).all() for x, y in zip(a, b))
    assert runs[0]["inputs"][1].lstrip("-").isdigit()


# ---- bad input: a clear message, a run directory with logs, no process left ---

def _bad_run(tmp_path, *args):
    out = tmp_path / "run"
    code, stdout, stderr = run_cli("run", *args, "-o", out, "--top", "0")
    manifest = json.loads((out / "manifest.json").read_text())
    assert not leftovers(str(out))
    return code, stderr.strip().splitlines()[-1], manifest, out


def test_a_model_that_does_not_compile(tmp_path, devices):
    bad = tmp_path / "bad.mlir"
    bad.write_text("func.func @main(%a: tensor<4xf32>) -> tensor<4xf32> {\n"
                   "  %0 = arith.addf %a, %a : tensor<8xf32>\n  return %0 : tensor<4xf32>\n}\n")
    code, line, manifest, out = _bad_run(tmp_path, bad, "--target", "llvm-cpu")
    assert code == 2
    assert "iree-compile (llvm-cpu) failed" in line and "error:" in line
    assert manifest["compiles"][0]["status"] == "failed"
    assert "error:" in (out / "llvm-cpu" / "compile.log").read_text()


def test_a_wrong_function_name(tmp_path, devices):
    code, line, manifest, _ = _bad_run(tmp_path, MODELS / "b_mlp3.mlir", "--function", "nope")
    assert code == 2 and "exports no function 'nope'" in line and "main" in line
    assert manifest["runs"][0]["status"] == "failed"


def test_inputs_of_the_wrong_shape(tmp_path, devices):
    code, line, manifest, out = _bad_run(tmp_path, MODELS / "a_mm_elem.mlir",
                                         "--input", "3x3xf32=1", "--input", "3x3xf32=1",
                                         "--input", "3xf32=1")
    assert code == 2 and "iree-run-module failed" in line
    assert "INVALID_ARGUMENT" in line or "shape" in line
    assert (out / manifest["runs"][0]["dir"] / "trace.run.log").is_file()


def test_a_target_with_no_device(tmp_path, devices, monkeypatch):
    # An ICD list naming no driver hides lavapipe, as on a machine without a GPU driver.
    monkeypatch.setenv("VK_ICD_FILENAMES", str(tmp_path / "none.json"))
    monkeypatch.setenv("VK_DRIVER_FILES", str(tmp_path / "none.json"))
    code, out, err = run_cli("run", MODELS / "a_mm_elem.mlir", "--target", "vulkan",
                             "--target", "llvm-cpu", "--target", "rocm", "-o", tmp_path / "run")
    assert code == 0, err
    states = {r["target"]: r for r in json.loads((tmp_path / "run/manifest.json").read_text())["runs"]}
    assert states["vulkan"]["status"] == "skipped" and "no vulkan device" in states["vulkan"]["error"]
    assert states["rocm"]["status"] == "compile-only"
    assert states["llvm-cpu"]["status"] == "ok"
    assert "no vulkan device on this machine" in err


def test_a_port_the_tracy_client_cannot_use(tmp_path, devices):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        code, line, manifest, _ = _bad_run(tmp_path, MODELS / "a_mm_elem.mlir", "--port", str(port))
    assert code == 2 and f"port {port} is not free" in line
    assert manifest["runs"][0]["status"] == "failed"


def test_a_run_that_hangs_is_stopped(tmp_path, devices):
    started = time.monotonic()
    code, line, manifest, _ = _bad_run(tmp_path, MODELS / "b_mlp3.mlir", "--calls", "1000000",
                                       "--timeout", "3")
    assert code == 2 and "did not finish" in line
    assert time.monotonic() - started < 60
    assert manifest["runs"][0]["status"] == "failed"


def test_ctrl_c_leaves_no_process_and_a_manifest(tmp_path, devices):
    out = tmp_path / "run"
    proc = subprocess.Popen([*IRTOOLS, "run", str(MODELS / "b_mlp3.mlir"),
                             "--calls", "1000000", "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any("iree-benchmark-module" in ln
                                                   for ln in leftovers(str(out))):
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.2)
    assert any("iree-benchmark-module" in ln for ln in leftovers(str(out)))
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    time.sleep(0.5)
    assert not leftovers(str(out))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    assert manifest["runs"][0]["status"] == "interrupted"


def test_no_summary_work_runs_during_a_capture(tmp_path, devices):
    """The summary's reading never happens while a run is measured: every job started
    before a capture has finished when the capture starts. The compiles run side by side
    first (two backends here), then the captures one at a time."""
    from irtools.cli.run import _Summaries
    from irtools.run.runner import Options, parse_targets, run

    summaries = _Summaries(tmp_path / "out", top=3)
    submitted, events = [], []
    original = summaries.start

    def start():  # as if each batch of runs took 2 s to read (a big trace)
        had = bool(summaries.pending)
        original()
        if had:
            summaries.jobs.append(summaries.pool.submit(time.sleep, 2))
        submitted.extend(summaries.jobs)

    summaries.start = start

    def step(kind):
        summaries.step(kind)
        events.append((kind, sum(not job.done() for job in submitted)))

    manifest = run(MODELS / "b_mlp3.mlir", tmp_path / "out",
                   Options(targets=parse_targets(["llvm-cpu", "vmvx", "llvm-cpu@local-sync"])),
                   on_run=summaries.add, on_step=step)
    summaries.start()
    frames = {name: job.result() for name, job in summaries.frames.items()}
    summaries.close()
    assert [k for k, _ in events] == ["compile", "compile", "capture", "capture", "capture"]
    assert [n for k, n in events if k == "capture"] == [0, 0, 0]
    assert [c["backend"] for c in manifest["compiles"]] == ["llvm-cpu", "vmvx"]
    assert set(frames) == {r["name"] for r in manifest["runs"]}
    assert all(len(f) > 0 for f in frames.values())
