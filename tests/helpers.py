"""What the tests share: where the fixtures are, the real IREE tools, and running irtools.

Tools. Every IREE tool comes from the installed packages through `irtools.driver`, as
irtools itself finds them, never from PATH: the suite passes with PATH=/usr/bin:/bin.
A missing tool fails the test; nothing is mocked and nothing is skipped.

The `iree` marker. A test that compiles, runs or captures a model, or calls any IREE
tool (iree-compile, iree-run-module, iree-tracy-capture, iree-profile, iree-dump-module,
...), is marked `@pytest.mark.iree` (or its module sets `pytestmark`), so that
`pytest -m "not iree"` is a quick run without them. The marking is checked: while a test
without the marker runs (its setup, its session or module fixtures included), conftest
sets IRTOOLS_NO_TOOLS in the environment, and `driver.find_tool` refuses every tool, in
the test's process and in the `python -m irtools` processes it starts. An unmarked test
that needs a tool therefore fails, in the full run as in `-m "not iree"`; fixtures that
compile run only for the tests that ask for them, so deselected tests compile nothing.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("IRTOOLS_SHARED", REPO.parent / "shared"))
FIXTURES = SHARED / "fixtures"
TRACY = FIXTURES / "tracy"
MODELS = FIXTURES / "models"
MAKE_LLAMA = REPO / "examples" / "make_llama.py"
# irtools as a process: this interpreter's, not whatever `irtools` PATH holds.
IRTOOLS = [sys.executable, "-m", "irtools"]
# Set while a test not marked `iree` runs; see the docstring above and irtools.driver.
NO_TOOLS = "IRTOOLS_NO_TOOLS"


def tool(name: str, *, tracy: bool = False) -> str:
    """Path of a real IREE tool, found as irtools finds it; fails (never skips) without it."""
    from irtools import driver
    from irtools.errors import ToolNotFound

    try:
        return driver.find_tool(name, tracy=tracy)
    except ToolNotFound as err:
        pytest.fail(f"required tool {name}: {err}")


def plain_env(**extra) -> dict[str, str]:
    """A user's environment: nothing of the venv on PATH (irtools finds its tools itself)."""
    env = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8",
           "PYTHONPATH": str(REPO)}
    for name in ("IRTOOLS_CACHE", NO_TOOLS):
        if os.environ.get(name):
            env[name] = os.environ[name]
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run_checked(argv, timeout: float = 600, **kw) -> subprocess.CompletedProcess[str]:
    """Run a command to completion; the test fails with its stderr if it fails."""
    proc = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=timeout, **kw)
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(map(str, argv))} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc


def run_cli(*argv) -> tuple[int, str, str]:
    """Run `irtools ARGV` in-process; returns (exit code, stdout, stderr)."""
    from irtools.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def text_of(html: str) -> str:
    """The visible text of an HTML fragment, one space between cells."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&amp;", "&")


def run_ir(*argv) -> tuple[int, str, str]:
    """`run_cli("ir", *argv)`."""
    return run_cli("ir", *argv)


def irtools_run(cwd, *args, timeout: float = 1200) -> None:
    """`irtools run ARGS` as its own process in `cwd`; the test fails if it fails."""
    run_checked([*IRTOOLS, "run", *args], timeout=timeout, cwd=cwd)


# -- compiling and running models -----------------------------------------------------

BACKEND_FLAGS = {
    "llvm-cpu": ["--iree-hal-target-device=local", "--iree-hal-local-target-device-backends=llvm-cpu",
                 "--iree-llvmcpu-target-cpu=host"],
    "vmvx": ["--iree-hal-target-device=local", "--iree-hal-local-target-device-backends=vmvx"],
}


def make_llama(path, *args) -> Path:
    """examples/make_llama.py PATH ARGS."""
    run_checked([sys.executable, MAKE_LLAMA, path, *args])
    return Path(path)


def compile_mlir(mlir, vmfb, backend: str = "llvm-cpu", extra=()) -> Path:
    run_checked([tool("iree-compile"), mlir, *BACKEND_FLAGS[backend], *extra, "-o", vmfb])
    return Path(vmfb)


def run_function(vmfb, function, inputs, n_outputs, workdir, *, device="local-task", parameters=None):
    """Run one function with .npy inputs; return its outputs as numpy arrays."""
    workdir = Path(workdir)
    argv = [tool("iree-run-module"), f"--module={vmfb}", f"--device={device}", f"--function={function}"]
    if parameters:
        argv.append(f"--parameters={parameters}")
    for i, array in enumerate(inputs):
        path = workdir / f"{function}_in{i}.npy"
        np.save(path, array)
        argv.append(f"--input=@{path}")
    outs = [workdir / f"{function}_{Path(vmfb).stem}_out{i}.npy" for i in range(n_outputs)]
    argv += [f"--output=@{p}" for p in outs]
    run_checked(argv)
    return [np.load(p) for p in outs]


_FUNC_LINE = re.compile(r"^(\s*func\.func @(\w+)\()(.*)(\) -> .*\{)\s*$")
_ARG = re.compile(r"%(\w+): (tensor<[^>]*>)")


def inline_weights(src, dst, keep=("x", "a", "k_cache", "v_cache")):
    """Rewrite a fixture whose weights are function arguments so the weights are inline
    `arith.constant dense<"0x...">` values (seeded by name, so equal names get equal data).
    Returns {function: [(arg name, type), ...]} for the arguments that remain inputs."""
    inputs, out = {}, []
    for line in Path(src).read_text().splitlines():
        m = _FUNC_LINE.match(line)
        if not m:
            out.append(line)
            continue
        args = _ARG.findall(m.group(3))
        kept = [(n, t) for n, t in args if n in keep]
        inputs[m.group(2)] = kept
        out.append(m.group(1) + ", ".join(f"%{n}: {t}" for n, t in kept) + m.group(4))
        for name, ty in args:
            if name not in keep:
                shape = [int(d) for d in re.findall(r"(\d+)x", ty)]
                rng = np.random.default_rng(zlib.crc32(name.encode()))
                data = (rng.standard_normal(shape, dtype=np.float32) * 0.05).astype("<f4")
                out.append(f'    %{name} = arith.constant dense<"0x{data.tobytes().hex().upper()}"> : {ty}')
    Path(dst).write_text("\n".join(out) + "\n")
    return inputs


def random_inputs(args, seed=0):
    rng = np.random.default_rng(seed)
    shapes = [[int(d) for d in re.findall(r"(\d+)x", t)] for _, t in args]
    return [rng.standard_normal(s, dtype=np.float32) for s in shapes]


# -- print-ir dumps of the fixture models ---------------------------------------------

TARGET = ["--iree-hal-target-device=local", "--iree-hal-local-target-device-backends=llvm-cpu",
          "--iree-llvmcpu-target-cpu=host", "--mlir-disable-threading"]
MODES = {
    "ba": ["--mlir-print-ir-before-all", "--mlir-print-ir-after-all"],
    "a": ["--mlir-print-ir-after-all"],
    "bam": ["--mlir-print-ir-before-all", "--mlir-print-ir-after-all", "--mlir-print-ir-module-scope"],
    "am": ["--mlir-print-ir-after-all", "--mlir-print-ir-module-scope"],
}


def compile_to_dump(mlir, dump, *flags) -> Path:
    """Compile `mlir` for llvm-cpu with print-ir `flags`, the dump going to `dump`; the test
    fails with the end of the dump if the compile fails."""
    with open(dump, "wb") as err:
        proc = subprocess.run([tool("iree-compile"), str(mlir), *TARGET, *map(str, flags),
                               "-o", os.devnull], stderr=err, timeout=1200)
    if proc.returncode != 0:
        pytest.fail(f"iree-compile {mlir} failed ({proc.returncode}):\n"
                    + Path(dump).read_bytes()[-3000:].decode(errors="replace"))
    return Path(dump)


def make_dump(folder: Path, model: str, mode: str, *, tree: bool = False) -> Path:
    """Compile fixtures/models/<model>.mlir with the dump flags of `mode`, once per folder.

    With `tree`, the dump is a --mlir-print-ir-tree-dir folder instead of stderr.
    """
    out = folder / f"{model}.{mode}.{'tree' if tree else 'txt'}"
    if not out.exists():
        tmp = out.with_name(out.name + ".part")
        flags = [f"--mlir-print-ir-tree-dir={tmp}"] if tree else []
        with open(os.devnull if tree else tmp, "wb") as err:
            subprocess.run([tool("iree-compile"), str(MODELS / f"{model}.mlir"), *TARGET, *MODES[mode],
                            *flags, "-o", str(folder / f"{model}.{mode}.vmfb")],
                           stderr=err, check=True, timeout=600)
        tmp.rename(out)
    return out


def iree_profile_groups(profile) -> dict:
    """The oracle: `iree-profile dispatch --format=jsonl` on a HAL profile, one entry per
    dispatch name: count (executions), total_ns (summed spans), tile_ns, tiles."""
    import json

    from irtools import driver

    out = driver.run_tool([tool("iree-profile"), "dispatch", "--format=jsonl", profile]).stdout
    groups: dict = {}
    for line in out.splitlines():
        r = json.loads(line)
        if r["type"] not in ("host_dispatch_group", "dispatch_group"):
            continue
        g = groups.setdefault(r["key"], {"count": 0, "total_ns": 0, "tile_ns": 0, "tiles": 0})
        g["count"] += r["count"]
        g["total_ns"] += r["total_ns"]
        g["tile_ns"] += r.get("total_tile_duration_sum_ns", 0)
        g["tiles"] += r.get("total_tile_count", 0)
    return groups


def within(a, b, rel=0.01, abs_ns=10_000) -> bool:
    """Two times agree: within `rel` of the second plus `abs_ns`."""
    return abs(a - b) <= rel * b + abs_ns


def check_against_iree_profile(frame, prof, *, exact: bool) -> list[str]:
    """Problems of a dispatch table against iree-profile's own aggregates of the same run:
    invocation counts exact, wall within 1% + 10 µs; CPU time equal to the profile's tile
    time (`exact`) or, from Tracy zones, within 2% + 10 µs per invocation. Rows flagged
    ambiguous may miscount; they are checked by the tests that hide what resolves them.

    Per invocation for the zones: the profile times a dispatch from its issue on, the zones
    only its tiles, so what runs between (seen up to 9 µs an invocation on CI's machine,
    CI stop 17) is missing from the estimate, once per invocation."""
    oracle = iree_profile_groups(prof)
    rows = {r["name"]: r for r in frame.to_dict("records")}
    bad = [f"{name}: missing" for name in oracle if name not in rows]
    for name, g in oracle.items():
        r = rows.get(name)
        if r is None or r.get("ambiguous"):
            continue
        if r["invocations"] != g["count"]:
            bad.append(f"{name}: {r['invocations']} invocations, iree-profile {g['count']}")
        slack = 10_000 if exact else 10_000 * max(1, g["count"])
        if not within(r["wall_ns"], g["total_ns"], abs_ns=slack):
            bad.append(f"{name}: wall {r['wall_ns']} ns, iree-profile {g['total_ns']} ns")
        if exact and r["cpu_ns"] != g["tile_ns"]:
            bad.append(f"{name}: cpu {r['cpu_ns']} ns, iree-profile tiles {g['tile_ns']} ns")
        if not exact and not within(r["cpu_ns"], g["tile_ns"], rel=0.02, abs_ns=slack):
            bad.append(f"{name}: zones {r['cpu_ns']} ns, iree-profile tiles {g['tile_ns']} ns")
    return bad
