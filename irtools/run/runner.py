"""Compile a model for each target and run each function under a Tracy capture.

Every step writes into the run directory as it goes and the manifest is
rewritten after each one, so an interrupted or failing run still leaves its
logs and a manifest that says how far it got.
"""

from __future__ import annotations

import ast
import contextlib
import datetime
import importlib
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from irtools import __version__, driver
from irtools._io import refuse_special
from irtools.errors import IrtoolsError, ToolFailed, UsageError
from irtools.run.compiles import CompileJob
from irtools.run.inputs import make_inputs
from irtools.run.layout import MANIFEST, RUN_FILE, write_json
from irtools.run.lock import lock_dir, unlock_dir
from irtools.run.manifest import SCHEMA
from irtools.run.signature import module_functions
from irtools.run.targets import BACKENDS, Target, parse_target
from irtools.run.tracy_capture import capture, kill_group, wait_for

COMPILE_ONLY = ("cuda", "rocm")


@dataclass
class Options:
    targets: list[Target]
    functions: list[str] = field(default_factory=list)     # empty: every exported function
    inputs: list[str] = field(default_factory=list)        # [FUNCTION:]VALUE, IREE syntax
    seed: int = 0
    repeat: int | None = None                              # captured runs of each function
    calls: int | None = None                               # calls in each run (benchmark-module)
    benchmark: bool = False
    ir_dump: bool = False
    profile: bool = True
    sampling: bool = False
    replace: bool = False                                  # replace an old run directory
    port: int | None = None                                # None: a free port per capture
    compile_flags: list[str] = field(default_factory=list)
    run_flags: list[str] = field(default_factory=list)
    compile_timeout: float = 1800
    run_timeout: float = 600
    variants: list[Variant] = field(default_factory=list)  # empty: one build, no variant folders
    jobs: int | None = None                                # compiles at once (default: CPUs)
    ray: str | None = None                                 # a Ray address: compile there
    ray_copy: bool = False                                 # (tests) send outputs back even if shared


@dataclass(frozen=True)
class Variant:
    """A build of the model: a name and the iree-compile flags it adds."""

    name: str
    flags: tuple[str, ...] = ()


VARIANT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")


def parse_variant(text: str) -> Variant:
    """`NAME=FLAGS`: FLAGS split like a shell would (`fast='--a=1 --b'`); `NAME=` adds none."""
    import shlex

    name, sep, flags = text.partition("=")
    name = name.strip()
    if not sep or not VARIANT_NAME.match(name) or name in BACKENDS:
        raise UsageError(f"bad variant {text!r}",
                         expected="NAME=FLAGS, NAME of letters, digits, '_.+-' and not a backend's name",
                         fix="e.g. --variant base= --variant fused='--iree-dispatch-creation-enable-aggressive-fusion'")
    try:
        return Variant(name, tuple(shlex.split(flags)))
    except ValueError as err:
        raise UsageError(f"cannot split the flags of variant {name!r}: {err}",
                         fix="quote the flags as a shell would") from None


def default_name(model: Path) -> str:
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return f"{model.stem}-{stamp}"


def _sha256(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _versions() -> dict:
    from importlib import metadata

    out = {"python": sys.version.split()[0], "irtools": __version__}
    for pkg in ("iree-base-compiler", "iree-base-runtime"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[pkg] = metadata.version(pkg)
    # The builds' own version files: what `--version` prints, without starting a tool
    # or importing the compiler package (0.25 s).
    for key, package in (("iree-compile", "iree.compiler"),
                         ("iree-run-module", "iree._runtime_libs_tracy")):
        folder = driver.package_dir(package)
        values: dict = {}
        with contextlib.suppress(OSError, SyntaxError, ValueError, TypeError):
            for node in ast.parse((folder / "version.py").read_text()).body:
                if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                    values[node.targets[0].id] = ast.literal_eval(node.value)
        if "VERSION" in values:
            revisions = " ".join(f"{k}@{v}" for k, v in values.get("REVISIONS", {}).items())
            out[key] = f"{values['VERSION']} {revisions}".strip()
    return out


def ir_dump_flags(folder: Path, argv) -> list[str]:
    """Print-IR flags for a per-pass dump that stays small and fast to write.

    A tree folder is written through buffered files; the same dump on stderr
    makes one write call per token and took 10x longer (43 s against 4 s for
    the example model). Weights are elided from the printed IR, not from the
    module: with them a 4.5 MB model gave a 4.9 GB dump.
    """
    from irtools.irdiff.compile_dump import EXACT_FLAGS

    flags = [f for f in EXACT_FLAGS if f not in argv]
    flags.append(f"--mlir-print-ir-tree-dir={folder}")
    if not any(str(a).startswith("--mlir-elide-elementsattrs-if-larger") for a in argv):
        flags.append("--mlir-elide-elementsattrs-if-larger=64")
    if not any(str(a).startswith("--mlir-elide-resource-strings-if-larger") for a in argv):
        flags.append("--mlir-elide-resource-strings-if-larger=64")
    return flags


# What `hotspots --explain` and `--by layer` read, written by the compile itself:
# +8-15% of its CPU time and 1-2 MB on the example model (see docs/roofline.md).
CODEGEN_DUMPS = {"configs": "--iree-hal-dump-executable-configurations-to",
                 "intermediates": "--iree-hal-dump-executable-intermediates-to",
                 "listing": "--iree-vm-bytecode-source-listing"}
# Intermediates nothing reads: the bitcode and the linked and optimized LLVM IR
# (with the ukernel library, most of the dump). The generated IR (ukernel calls)
# and the assembly stay.
UNREAD_INTERMEDIATES = ("*.bc", "*.linked.ll", "*.optimized.ll")


def codegen_dump_flags(folder: Path, backend: str, argv) -> tuple[list[str], dict]:
    """Flags for the dumps that explain dispatches, and their paths in the run directory.

    `--mlir-print-debuginfo` keeps model locations in the executable sources
    and the VM listing; a dump the user already asks for is left alone, and so is
    `--mlir-print-debuginfo=false` (smaller per-pass IR, no `--by layer`).
    """
    given = [str(a) for a in argv]
    chosen = any(a == "--mlir-print-debuginfo" or a.startswith("--mlir-print-debuginfo=") for a in given)
    flags = [] if chosen else ["--mlir-print-debuginfo"]
    paths = {}
    names = {"configs": "configs", "intermediates": "intermediates", "listing": "vm.mlir"}
    for key, flag in CODEGEN_DUMPS.items():
        if any(a.startswith(flag) for a in given):
            continue
        flags.append(f"{flag}={folder / names[key]}")
        paths[key] = f"{backend}/{names[key]}"
    return flags, paths


def prune_intermediates(folder: Path):
    for pattern in UNREAD_INTERMEDIATES:
        for path in folder.glob(pattern):
            with contextlib.suppress(OSError):
                path.unlink()


# Tools started by run_logged in any thread (compiles run side by side): on Ctrl-C
# the main thread kills them all, as the threads waiting on them cannot be interrupted.
_RUNNING: set[subprocess.Popen] = set()
_RUNNING_LOCK = threading.Lock()


def kill_running():
    """Kill the process group of every tool run_logged is waiting on."""
    with _RUNNING_LOCK:
        procs = list(_RUNNING)
    for proc in procs:
        kill_group(proc)


def run_logged(argv, log: Path, *, timeout: float, what: str, started=None) -> float:
    """Run a tool in its own process group, output to `log`; kill it on timeout or Ctrl-C.

    `started()` is called once the tool runs: what it does costs no wall time.
    """
    argv = [os.fspath(a) for a in argv]
    t0 = time.monotonic()
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=out, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        with _RUNNING_LOCK:
            _RUNNING.add(proc)
        try:
            if started:
                started()
            rc = wait_for(proc, timeout)
        finally:
            kill_group(proc)
            with _RUNNING_LOCK:
                _RUNNING.discard(proc)
        if rc is None:
            raise ToolFailed(f"{what} did not finish within {timeout:g} s; see {log}", argv=argv,
                             fix="raise --timeout, or check the model")
    if rc != 0:
        raise ToolFailed(f"{what} failed with exit code {rc}: {driver.first_error(log)}", argv=argv,
                         returncode=rc, path=log)
    return time.monotonic() - t0


LOCAL_DEVICES = ("local-sync", "local-task")


def available_devices(timeout: float = 60) -> list[str]:
    """Driver names with at least one device: `local-task`, `vulkan`...

    Asked of the plain build: the Tracy one takes twice as long to start.
    """
    tool = driver.find_tool("iree-run-module")
    proc = subprocess.run([tool, "--list_devices"], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)
    return sorted({ln.split("://")[0].strip() for ln in proc.stdout.splitlines() if "://" in ln})


class Runner:
    def __init__(self, model, out: Path, options: Options, *, report=None, on_run=None,
                 on_step=None):
        self.on_run = on_run or (lambda entry: None)
        # on_step("compile") once a compile runs (the CPU is mostly free: it is single-
        # threaded), on_step("capture") before a captured run (nothing else may run then).
        self.on_step = on_step or (lambda kind: None)
        self._background = []
        self.model = Path(model)
        self.out = Path(out)
        self.options = options
        self.report = report or (lambda message: None)
        self.manifest: dict = {}
        self._lock: int | None = None
        self.given_inputs: list[tuple[str | None, str]] = []
        self._made: dict[str, list[str]] = {}

    # -- manifest ---------------------------------------------------------
    def save(self, *, durable: bool = False):
        write_json(self.out / MANIFEST, self.manifest, durable=durable)

    def _start(self, argv):
        refuse_special(self.model)
        if not self.model.is_file():
            raise UsageError("no such model file", path=str(self.model),
                             fix="pass an MLIR file (.mlir or .mlirbc)")
        if self.out.exists() and not self.out.is_dir():
            raise UsageError("the run directory is a file, not a folder", path=str(self.out),
                             fix="choose another -o")
        # Locked before it is looked at: a run still writing it is never replaced.
        self._lock = lock_dir(self.out)
        if any(self.out.iterdir()):
            if not (self.options.replace and (self.out / MANIFEST).is_file()):
                raise UsageError("the run directory exists and is not empty", path=str(self.out),
                                 fix="choose another -o, or add --force to replace an old run")
            for old in self.out.iterdir():  # the folder itself stays: it holds the lock
                if old.is_dir() and not old.is_symlink():
                    shutil.rmtree(old)
                else:
                    old.unlink()
        self.manifest = {
            "schema": SCHEMA, "created": datetime.datetime.now().astimezone().isoformat(),
            "status": "running", "pid": os.getpid(), "argv": list(argv),
            "model": str(self.model.resolve()), "model_bytes": self.model.stat().st_size,
            "model_sha256": None,  # hashed in the background, filled in at the end
            "host": {"machine": platform.machine(), "system": platform.platform(),
                     "cpus": os.cpu_count()},
            "tools": {}, "devices": [], "compiles": [], "runs": [],
            "options": {"seed": self.options.seed, "repeat": self.options.repeat,
                        "calls": self.options.calls,
                        "benchmark": self.options.benchmark, "ir_dump": self.options.ir_dump,
                        "sampling": self.options.sampling, "profile": self.options.profile,
                        "compile_flags": list(self.options.compile_flags),
                        "jobs": self.options.jobs, "ray": self.options.ray},
            "variants": [{"name": v.name, "flags": list(v.flags)} for v in self.options.variants],
        }
        self.save()

    # -- steps --------------------------------------------------------------
    def compile_jobs(self) -> list[CompileJob]:
        """One compile per variant and backend, in the order given."""
        backends: dict[str, list[Target]] = {}
        for t in self.options.targets:
            backends.setdefault(t.backend, []).append(t)
        jobs = []
        for variant in self.options.variants or [None]:
            for backend, targets in backends.items():
                folder = f"{variant.name}/{backend}" if variant else backend
                flags = [*targets[0].compile_flags, *self.options.compile_flags,
                         *(variant.flags if variant else ())]
                entry = {"backend": backend, "variant": variant.name if variant else None,
                         "dir": folder, "status": "waiting", "vmfb": f"{folder}/module.vmfb",
                         "sources": f"{folder}/sources", "log": f"{folder}/compile.log",
                         "ir_dump": f"{folder}/ir" if self.options.ir_dump else None}
                # Where the codegen dumps land (the flags are added where the compile runs).
                entry.update(codegen_dump_flags(Path(folder), folder, flags)[1])
                jobs.append(CompileJob(entry["variant"], backend, folder, flags,
                                       self.options.ir_dump, self.options.compile_timeout, entry))
        return jobs

    def compile_all(self, jobs: list[CompileJob]):
        """Run every compile, `jobs` at a time (or on Ray); fill in their entries."""
        for job in jobs:
            self.manifest["compiles"].append(job.entry)
        self.save()
        if self.options.ray:
            from irtools.run.compiles import RayCompiles

            self.report(f"connecting to the Ray cluster at {self.options.ray}")
            pool = RayCompiles(self.options.ray, self.out, self.model, copy=self.options.ray_copy)
            self.manifest["ray"] = {"address": self.options.ray,
                                    "seconds_to_connect": round(pool.startup_seconds, 3)}
        else:
            from irtools.run.compiles import LocalCompiles

            pool = LocalCompiles(min(self.options.jobs or len(os.sched_getaffinity(0)), len(jobs)))
        futures = {}
        lock = threading.Lock()
        try:
            for job in jobs:
                job.entry["status"] = "running"
                futures[pool.submit(job, self.model, self.out,
                                    started=lambda job=job: self._compiling(job))] = job
            for future in as_completed(futures):
                job = futures[future]
                job.entry.update(future.result())
                with lock:
                    self.save()
        except BaseException:
            for job in jobs:
                if job.entry["status"] in ("running", "waiting"):
                    job.entry["status"] = "interrupted"
            kill_running()
            pool.close(cancel=True)
            raise
        pool.close()

    def run_one(self, target: Target, function: str, compiled: dict, signature,
                repeat: int | None = None) -> dict:
        variant = compiled.get("variant")
        rel = (f"{variant}/" if variant else "") + f"{target.backend}/{target.device}/{function}" \
            + (f"/r{repeat}" if repeat else "")
        folder = self.out / rel
        entry = {"name": rel, "target": target.name, "backend": target.backend,
                 "device": target.device, "function": function, "dir": rel, "status": "running",
                 "variant": compiled.get("variant"), "repeat": repeat,
                 "vmfb": compiled["vmfb"], "sources": compiled["sources"],
                 "ir_dump": compiled.get("ir_dump"), "trace": None, "profile": None,
                 **{k: compiled[k] for k in CODEGEN_DUMPS if compiled.get(k)}}
        self.manifest["runs"].append(entry)
        try:
            self._run_one(target, function, compiled, signature, folder, entry)
        except ToolFailed as err:
            entry.update(status="failed", error=str(err), returncode=err.returncode)
        except IrtoolsError as err:
            entry.update(status="failed", error=str(err))
        except KeyboardInterrupt:
            entry.update(status="interrupted")
            raise
        finally:
            if folder.is_dir():
                write_json(folder / RUN_FILE, {**entry, "schema": SCHEMA,
                                               "root": os.path.relpath(self.out, folder)})
            self.save()
        if entry["status"] == "ok":
            self.on_run(entry)
        return entry

    def _compiling(self, job: CompileJob):
        where = f" on Ray ({self.options.ray})" if self.options.ray else ""
        self.report(f"compiling {job.variant + ' ' if job.variant else ''}for {job.backend}{where}")
        self.on_step("compile")

    def _skip(self, entry, status, reason):
        entry.update(status=status, error=reason)
        self.report(f"{entry['name']}: {reason}")

    def _run_one(self, target, function, compiled, signature, folder, entry):
        if compiled["status"] != "ok":
            return self._skip(entry, "compile-failed", f"not run: the {target.backend} compile failed")
        if target.backend in COMPILE_ONLY and target.device not in self.devices:
            return self._skip(entry, "compile-only",
                              f"compiled only: no {target.device} device on this machine")
        if target.device not in self.devices:
            return self._skip(entry, "skipped", f"no {target.device} device on this machine "
                              f"(iree-run-module --list_devices shows: {', '.join(self.devices) or 'none'})")
        if function not in signature:
            raise UsageError(f"the module exports no function {function!r}",
                             expected="one of " + ", ".join(signature))
        folder.mkdir(parents=True, exist_ok=True)
        inputs = self._inputs(function, signature[function])
        entry["inputs"] = inputs
        # Calls of the function in this run; iree-benchmark-module's own rules decide (None).
        entry["calls"] = None if self.options.benchmark else (self.options.calls or 1)
        bench = self.options.benchmark or self.options.calls
        tool = driver.find_tool("iree-benchmark-module" if bench else "iree-run-module", tracy=True)
        argv = [tool, f"--module={self.out / compiled['vmfb']}", f"--device={target.device}",
                f"--function={function}", *[f"--input={v}" for v in inputs]]
        if self.options.calls:
            argv += [f"--benchmark_min_time={self.options.calls}x", "--benchmark_repetitions=1"]
        if bench:
            argv += ["--benchmark_format=json", f"--benchmark_out={folder / 'benchmark.json'}"]
        if self.options.profile:
            argv += [f"--device_profiling_mode={target.profiling_mode}",
                     f"--device_profiling_output={folder / 'profile.ireeprof'}"]
        argv += self.options.run_flags
        self.report(f"running {entry['name']}")
        # Work in threads would take cores from the run being measured: finish it first.
        for job in self._background:
            with contextlib.suppress(Exception):
                job.result()
        self.on_step("capture")
        result = capture(argv, folder / "trace.tracy", timeout=self.options.run_timeout,
                         sampling=self.options.sampling, log_dir=folder, port=self.options.port)
        entry.update(status="ok", command=result["run_argv"],
                     capture_command=result["capture_argv"], port=result["port"],
                     returncode=result["run_returncode"],
                     capture_returncode=result["capture_returncode"],
                     run_seconds=round(result["run_seconds"], 3),
                     seconds=round(result["total_seconds"], 3),
                     trace=f"{entry['dir']}/trace.tracy",
                     logs=[os.path.relpath(result["run_log"], self.out),
                           os.path.relpath(result["capture_log"], self.out)])
        if (folder / "profile.ireeprof").is_file():
            entry["profile"] = f"{entry['dir']}/profile.ireeprof"
        if bench and (folder / "benchmark.json").is_file():
            entry["benchmark"] = f"{entry['dir']}/benchmark.json"

    def _inputs(self, function, args) -> list[str]:
        given = [v for f, v in self.given_inputs if f in (None, function)]
        if given:
            return given
        if args is None:
            raise UsageError(f"the module records no signature for {function!r}",
                             fix=f"give its inputs with --input {function}:VALUE")
        # Made once: every variant and repeat gets the same files.
        if function not in self._made:
            self._made[function] = make_inputs(function, args, self.out / "inputs" / function,
                                               self.options.seed)
        return self._made[function]

    # -- the whole run ------------------------------------------------------
    @property
    def devices(self) -> list[str]:
        if not self.manifest["devices"]:
            self.manifest["devices"] = self._devices.result()
        return self.manifest["devices"]

    def execute(self, argv=()) -> dict:
        try:
            self._start(argv)
        except BaseException:
            unlock_dir(self._lock)
            raise
        try:
            return self._execute()
        finally:
            unlock_dir(self._lock)

    def _execute(self) -> dict:
        # Whatever the first compile does not need is done while it runs, on another core:
        # the device list, the versions, the model's hash, and loading numpy for the inputs.
        pool = ThreadPoolExecutor(2)
        if all(t.device in LOCAL_DEVICES for t in self.options.targets):
            # The CPU devices are built into the runtime: no need to ask (0.2 s of CPU,
            # most of it starting Vulkan, taken from the compile).
            self._devices = pool.submit(lambda: list(LOCAL_DEVICES))
        else:
            self._devices = pool.submit(available_devices)
        versions = pool.submit(_versions)
        digest = pool.submit(_sha256, self.model)
        self._background = [self._devices, versions, digest,
                            pool.submit(importlib.import_module, "numpy")]
        try:
            jobs = self.compile_jobs()
            self.compile_all(jobs)
            self.run_all(jobs)
            self.manifest["status"] = "done"
        except KeyboardInterrupt:
            self.manifest["status"] = "interrupted"
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            for key, job in (("tools", versions), ("model_sha256", digest)):
                if job.done() and not job.cancelled() and not job.exception():
                    self.manifest[key] = job.result()
            self.save(durable=True)
        return self.manifest

    def run_all(self, jobs: list[CompileJob]):
        """The captured runs, one at a time: round after round, each round every variant,
        target and function once, so that a machine whose load drifts slows all alike.
        With repeats, the variants take their turns in a shuffled order each round
        (seeded by --seed and the round), so that no variant always runs first or
        always after the same one."""
        plan = []   # (job, targets, signature, functions)
        for job in jobs:
            signature = {}
            if job.entry["status"] == "ok":
                signature = module_functions(self.out / job.entry["vmfb"])
                if not self.given_inputs:
                    self.given_inputs = self._split_inputs(signature)
            # A failed compile with no --function: its entry in "compiles" says it all.
            functions = self.options.functions or list(signature)
            targets = [t for t in self.options.targets if t.backend == job.backend]
            plan.append((job, targets, signature, functions))
        rounds = self.options.repeat or 1
        by_variant: dict[str | None, list] = {}
        for step in plan:
            by_variant.setdefault(step[0].variant, []).append(step)
        for r in range(1, rounds + 1):
            order = list(by_variant)
            if self.options.repeat and len(order) > 1:
                random.Random(f"{self.options.seed}/{r}").shuffle(order)
            for job, targets, signature, functions in (s for v in order for s in by_variant[v]):
                for target in targets:
                    for function in functions:
                        self.run_one(target, function, job.entry, signature,
                                     repeat=r if self.options.repeat else None)

    def _split_inputs(self, signature) -> list[tuple[str | None, str]]:
        out = []
        for value in self.options.inputs:
            head, sep, rest = value.partition(":")
            out.append((head, rest) if sep and head in signature else (None, value))
        return out


def run(model, out, options: Options, *, argv=(), report=None, on_run=None,
        on_step=None) -> dict:
    """Run everything; `on_run(entry)` is called after each successful run, `on_step`
    as a compile starts and before each captured run (see Runner)."""
    return Runner(model, out, options, report=report, on_run=on_run,
                  on_step=on_step).execute(argv)


def parse_variants(texts) -> list[Variant]:
    variants = [parse_variant(t) for t in texts or ()]
    names = [v.name for v in variants]
    for name in names:
        if names.count(name) > 1:
            raise UsageError(f"variant {name!r} is given twice",
                             fix="give each --variant its own name")
    return variants


def parse_targets(texts) -> list[Target]:
    targets = [parse_target(t) for t in (texts or ["llvm-cpu"])]
    seen, unique = set(), []
    for t in targets:
        if t.name not in seen:
            seen.add(t.name)
            unique.append(t)
    return unique
