"""The machine's ceilings, measured with IREE kernels: FLOP/s and bytes/s.

As empirical roofline tools do, the ceilings are what compiled kernels reach
on this machine, not figures from a data sheet:

- compute: f32 matmuls (256³ and 512³; on llvm-cpu also data-tiled with
  ukernels), the best FLOP/s of any;
- memory: at footprints from 64 KiB to 64 MiB (twice the last-level cache of
  most machines), an elementwise add (it reads and writes; IREE's row sums,
  which only read, were 3-7x slower at every footprint on the machine this was
  written on, so they would not raise a ceiling). A dispatch
  whose data fits a cache moves it faster than one that streams from DRAM, so
  its memory ceiling is the one measured at its footprint (`bandwidth_at`).

Kernels are compiled for the target's backend and run on its device with the
plain (non-Tracy) `iree-benchmark-module`, recording the same HAL profile as
`irtools run` does; each kernel's time is the duration of its dispatch, the
same measure the roofline applies to a model's dispatches. On local-task the
kernels use as many workers as a run does (the task topology's default, or
`workers`); local-sync runs one thread, so its ceilings are one core's.

Other programs running at the same time slow kernels down and never speed them
up, so each kernel runs many times, interleaved with the others over several
rounds, and the fastest run counts. The median is kept to show the noise.
Results are cached per machine (CPU model, CPUs usable), IREE version and
target; `measure(..., force=True)` measures again.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import math
import os
import platform
import re
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from irtools import driver
from irtools.errors import ToolFailed, UsageError

FORMAT = 1
MATMUL_SIZES = (256, 512)
FOOTPRINTS = tuple(64 * 1024 * 4 ** i for i in range(6))    # 64 KiB .. 64 MiB
ROUNDS = 5
CALLS = 8           # calls of each kernel function per round


@dataclass
class KernelResult:
    """One kernel's measurement: its work and the durations of its dispatches."""

    name: str                 # "mm_512", "add_1048576", "sum_65536x1024"
    kind: str                 # compute | memory
    variant: str              # default | data-tiling
    flops: int
    bytes: int
    footprint: int            # the nominal size it stands for (memory kernels)
    runs: int
    best_ns: int
    median_ns: int

    @property
    def best_rate(self) -> float:
        """FLOP/s (compute) or bytes/s (memory) of the fastest run."""
        return (self.flops if self.kind == "compute" else self.bytes) / (self.best_ns * 1e-9)

    @property
    def median_rate(self) -> float:
        return (self.flops if self.kind == "compute" else self.bytes) / (self.median_ns * 1e-9)


@dataclass
class Ceilings:
    """Measured limits of one target on one machine."""

    target: str
    backend: str
    device: str
    workers: int
    flops: float                                  # FLOP/s
    bandwidth: list                               # [(footprint bytes, bytes/s)], ascending
    key: dict = field(default_factory=dict)
    measured: str = ""
    seconds: float = 0.0
    load: tuple = ()                              # load averages before and after
    kernels: list = field(default_factory=list)   # KernelResult as dicts

    def bandwidth_at(self, footprint: int | None) -> float:
        """The memory ceiling for a dispatch moving `footprint` bytes.

        The best rate measured at the largest footprint not above it, or at any
        larger one (bandwidth falls as data outgrows each cache, but tiny kernels
        pay more overhead): a bound the dispatch cannot beat, never an
        underestimate from a footprint larger than its own.
        """
        if not self.bandwidth:
            return math.nan
        rates = [(f, r) for f, r in self.bandwidth]
        start = 0
        if footprint is not None:
            for i, (f, _) in enumerate(rates):
                if f <= footprint:
                    start = i
        return max(r for _, r in rates[start:])

    @property
    def dram_bandwidth(self) -> float:
        return self.bandwidth[-1][1] if self.bandwidth else math.nan

    @property
    def peak_bandwidth(self) -> float:
        return max((r for _, r in self.bandwidth), default=math.nan)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Ceilings:
        fields = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        fields["bandwidth"] = [tuple(x) for x in fields.get("bandwidth", [])]
        fields["load"] = tuple(fields.get("load", ()))
        return cls(**fields)


# -- the kernels ------------------------------------------------------------

def _ty(shape) -> str:
    return "tensor<" + "x".join(str(d) for d in shape) + "xf32>"


def _filled(name: str, shape, value: str = "1.0") -> list[str]:
    """A tensor the compiler cannot fold away: a fill behind an optimization barrier."""
    t = _ty(shape)
    return [f"  %{name}_e = tensor.empty() : {t}",
            f"  %{name}_c = arith.constant {value} : f32",
            f"  %{name}_f = linalg.fill ins(%{name}_c : f32) outs(%{name}_e : {t}) -> {t}",
            f"  %{name} = util.optimization_barrier %{name}_f : {t}"]


def _looped(name: str, result_type: str, setup: list[str], init: str, step: list[str],
            loops: int) -> str:
    """A function running `step` `loops` times, each a dispatch: the buffers are
    allocated and touched once per call, not once per dispatch."""
    lines = [f"func.func @{name}() -> {result_type} {{", *setup,
             "  %c0 = arith.constant 0 : index", "  %c1 = arith.constant 1 : index",
             f"  %cn = arith.constant {loops} : index",
             f"  %r = scf.for %i = %c0 to %cn step %c1 iter_args(%t = {init}) -> {result_type} {{",
             *("  " + s for s in step), "  }", f"  return %r : {result_type}", "}", ""]
    return "\n".join(lines)


def _matmul(n: int, loops: int) -> str:
    t = _ty((n, n))
    step = [f"  %y = linalg.matmul ins(%a, %a : {t}, {t}) outs(%t : {t}) -> {t}",
            f"  scf.yield %y : {t}"]
    return _looped(f"mm_{n}", t, _filled("a", (n, n)) + _filled("acc", (n, n), "0.0"), "%acc", step,
                   loops)


def _add(count: int, loops: int) -> str:
    t = _ty((count,))
    step = [f"  %o = tensor.empty() : {t}",
            f"  %y = linalg.generic {{indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], "
            f"iterator_types = [\"parallel\"]}} ins(%t : {t}) outs(%o : {t}) {{",
            "  ^bb0(%v: f32, %out: f32):",
            "    %s = arith.addf %v, %x_c : f32",
            "    linalg.yield %s : f32",
            f"  }} -> {t}",
            f"  scf.yield %y : {t}"]
    return _looped(f"add_{count}", t, _filled("x", (count,)), "%x", step, loops)


@dataclass(frozen=True)
class Kernel:
    function: str
    kind: str
    flops: int
    bytes: int
    footprint: int
    loops: int        # dispatches per call

    @property
    def text(self) -> str:
        if self.kind == "compute":
            return _matmul(round((self.flops / 2) ** (1 / 3)), self.loops)
        return _add(self.bytes // 8, self.loops)


def _loops(seconds_per_dispatch: float, seconds: float = 0.005) -> int:
    """Dispatches per call: about `seconds` of kernel time, so that every kernel
    takes as long and one process can interleave them all."""
    return max(4, min(4096, round(seconds / seconds_per_dispatch)))


# Rough FLOP/s and bytes/s a backend reaches, only to size the kernels' loops: the
# interpreted vmvx is some 50x slower than native code.
SPEEDS = {"llvm-cpu": (100e9, 20e9), "vmvx": (2e9, 1e9), "vulkan": (20e9, 10e9)}


def kernels(matmul_sizes=MATMUL_SIZES, footprints=FOOTPRINTS, backend: str = "llvm-cpu") -> list[Kernel]:
    flops_rate, bytes_rate = SPEEDS.get(backend, SPEEDS["llvm-cpu"])
    out = [Kernel(f"mm_{n}", "compute", 2 * n ** 3, 4 * 4 * n * n, 4 * 4 * n * n,
                  # more runs of the compute kernels: the best needs every worker
                  # free at once, a rarer draw on a busy machine than one core free
                  _loops(2 * n ** 3 / flops_rate, 0.02)) for n in matmul_sizes]
    for size in footprints:  # read 4 bytes and write 4 per element
        out.append(Kernel(f"add_{size // 8}", "memory", size // 8, size, size,
                          _loops(size / bytes_rate)))
    return out


# -- the machine ------------------------------------------------------------

def cpu_model() -> str:
    with contextlib.suppress(OSError):
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.lower().startswith(("model name", "hardware", "cpu model")):
                    return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def usable_cpus() -> int:
    with contextlib.suppress(AttributeError, OSError):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def iree_versions() -> dict:
    from importlib import metadata

    out = {}
    for pkg in ("iree-base-compiler", "iree-base-runtime"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[pkg] = metadata.version(pkg)
    return out


def default_workers(device: str, run_flags=()) -> int:
    """Worker threads a run on `device` uses: 1 on local-sync; on local-task
    what `--task_topology_group_count` says, else the topology IREE picks."""
    if device != "local-task":
        return 1
    for flag in run_flags:
        m = re.fullmatch(r"--task_topology_group_count=(\d+)", str(flag))
        if m and int(m.group(1)) > 0:
            return int(m.group(1))
    tool = driver.find_tool("iree-run-module")
    with contextlib.suppress(ToolFailed, OSError):
        text = driver.run_tool([tool, "--dump_task_topologies"], timeout=60).stdout
        m = re.search(r"topology\[0\]: (\d+) worker groups", text)
        if m:
            return int(m.group(1))
    return usable_cpus()


def cache_key(target, workers: int) -> dict:
    return {"format": FORMAT, "cpu": cpu_model(), "cpus": usable_cpus(),
            "machine": platform.machine(), "iree": iree_versions(), "backend": target.backend,
            "device": target.device, "workers": workers}


def cache_file(key: dict) -> Path:
    from irtools.cache import cache_dir

    digest = hashlib.sha1(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    return cache_dir() / "peak" / f"{key['backend']}-{key['device']}-{digest}.json"


def cached(target, workers: int | None = None, run_flags=()) -> Ceilings | None:
    """The stored ceilings of `target` on this machine, or None."""
    workers = workers or default_workers(target.device, run_flags)
    path = cache_file(cache_key(target, workers))
    try:
        with open(path, encoding="utf-8") as f:
            return Ceilings.from_json(json.load(f))
    except (OSError, ValueError, TypeError, KeyError):
        return None


def _store(ceilings: Ceilings):
    path = cache_file(ceilings.key)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(ceilings.to_json(), indent=1))
        os.replace(tmp, path)


# -- measuring --------------------------------------------------------------

def _variants(backend: str) -> list[tuple[str, list[str]]]:
    out = [("default", [])]
    if backend == "llvm-cpu":
        out.append(("data-tiling", ["--iree-opt-data-tiling", "--iree-llvmcpu-enable-ukernels=all"]))
    return out


def _durations(profile: Path) -> dict[str, list[int]]:
    """Dispatch durations by dispatch name, as `hotspots --by dispatch` times a run's
    dispatches from its HAL profile (`ireeprof.profile_dispatches`)."""
    from irtools.trace.ireeprof import profile_dispatches

    found = profile_dispatches(profile, empty_ok=True)
    out: dict[str, list[int]] = {}
    if isinstance(found, dict):  # aggregates only: no per-execution times
        return out
    for code, wall in zip(found.name.tolist(), found.wall.tolist()):
        if wall > 0:
            out.setdefault(found.names[code], []).append(wall)
    return out


def _kernel_of(dispatch: str, functions) -> str | None:
    """`mm_512_dispatch_0_matmul_512x512x512_f32` -> `mm_512`; encodings are not kernels."""
    head = dispatch.split("_dispatch_")[0] if "_dispatch_" in dispatch else None
    return head if head in functions else None


def _compiled(wanted, flags, folder: Path, timeout, report, what) -> Path:
    """The kernels' module, compiled once per kernel set, flags and compiler version."""
    from irtools.cache import cache_dir

    text = "\n".join(k.text for k in wanted)
    ident = json.dumps([text, flags, iree_versions()]).encode()
    cached_vmfb = cache_dir() / "peak" / f"kernels-{hashlib.sha1(ident).hexdigest()[:16]}.vmfb"
    if cached_vmfb.is_file():
        return cached_vmfb
    source = folder / "kernels.mlir"
    source.write_text(text)
    vmfb = folder / "kernels.vmfb"
    report(f"compiling {what}")
    driver.run_tool([driver.find_tool("iree-compile"), str(source), *flags, "-o", str(vmfb)],
                    timeout=timeout, what="iree-compile")
    with contextlib.suppress(OSError):
        cached_vmfb.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached_vmfb.with_suffix(f".{os.getpid()}.tmp")
        shutil.copyfile(vmfb, tmp)
        os.replace(tmp, cached_vmfb)
        return cached_vmfb
    return vmfb


def measure(target, *, workers: int | None = None, rounds: int = ROUNDS, force: bool = False,
            matmul_sizes=MATMUL_SIZES, footprints=FOOTPRINTS, report=None,
            timeout: float = 1800) -> Ceilings:
    """Measure (or read from the cache) the ceilings of `target` (a run target)."""
    import time

    report = report or (lambda message: None)
    if target.backend in ("cuda", "rocm"):
        raise UsageError(f"cannot measure {target.name} here",
                         fix="measure on a machine with that device")
    workers = workers or default_workers(target.device)
    key = cache_key(target, workers)
    default_set = tuple(matmul_sizes) == MATMUL_SIZES and tuple(footprints) == FOOTPRINTS
    if not force and default_set:
        hit = cached(target, workers)
        if hit is not None:
            return hit
    chosen = kernels(matmul_sizes, footprints, target.backend)
    t0 = time.monotonic()
    load_before = os.getloadavg()
    results: dict[tuple[str, str], list[int]] = {}
    folder = Path(tempfile.mkdtemp(prefix="irtools-peak-"))
    try:
        for variant, flags in _variants(target.backend):
            wanted = [k for k in chosen if variant == "default" or k.kind == "compute"]
            vmfb = _compiled(wanted, [*target.compile_flags, *flags], folder, timeout, report,
                             f"{len(wanted)} kernels for {target.backend} ({variant})")
            # One process runs every kernel, the rounds interleaved in a random order:
            # a burst of load from elsewhere hits one round of each, not all of one.
            profile = folder / f"{variant}.ireeprof"
            argv = [driver.find_tool("iree-benchmark-module"), f"--module={vmfb}",
                    f"--device={target.device}", f"--benchmark_min_time={CALLS}x",
                    f"--benchmark_repetitions={rounds}",
                    "--benchmark_enable_random_interleaving=true",
                    # Buffers are reused, not faulted in anew: the best case, as a ceiling is.
                    "--device_allocator=caching",
                    "--benchmark_filter=^BM_(" + "|".join(k.function for k in wanted) + ")/",
                    f"--device_profiling_mode={target.profiling_mode}",
                    f"--device_profiling_output={profile}"]
            if target.device == "local-task":
                argv.append(f"--task_topology_group_count={workers}")
            report(f"running {len(wanted)} kernels on {target.device} ({variant})")
            driver.run_tool(argv, timeout=timeout, what="iree-benchmark-module")
            names = {k.function for k in wanted}
            for dispatch, durations in _durations(profile).items():
                function = _kernel_of(dispatch, names)
                if function is not None:
                    results.setdefault((function, variant), []).extend(durations)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    measured = []
    for k in chosen:
        for variant, _ in _variants(target.backend):
            durations = sorted(results.get((k.function, variant), []))
            if not durations:
                continue
            measured.append(KernelResult(k.function, k.kind, variant, k.flops, k.bytes,
                                         k.footprint, len(durations), durations[0],
                                         durations[len(durations) // 2]))
    if not any(m.kind == "compute" for m in measured):
        raise ToolFailed("no kernel dispatch was recorded in the HAL profile",
                         fix="check that iree-benchmark-module can run on this device")
    flops = max(m.best_rate for m in measured if m.kind == "compute")
    bandwidth = []
    for size in footprints:
        rates = [m.best_rate for m in measured if m.kind == "memory" and m.footprint == size]
        if rates:
            bandwidth.append((size, max(rates)))
    ceilings = Ceilings(target=target.name, backend=target.backend, device=target.device,
                        workers=workers, flops=flops, bandwidth=bandwidth, key=key,
                        measured=datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                        seconds=round(time.monotonic() - t0, 1),
                        load=(round(load_before[0], 2), round(os.getloadavg()[0], 2)),
                        kernels=[asdict(m) for m in measured])
    if default_set:
        _store(ceilings)
    return ceilings
