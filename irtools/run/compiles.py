"""The compiles of a run, side by side: on a local pool, or on a Ray cluster.

Compiles of a sweep (variants x backends) do not depend on one another, so they
run at once, up to `jobs` at a time (by default the CPUs this process may use):
each is an `iree-compile` process. With a Ray address they run as Ray tasks,
one CPU each, wherever the cluster has room: a worker that sees the run
directory (the same machine, or a shared file system) writes into it directly;
any other compiles in a temporary folder and sends the folder back, packed.

Captured runs never run here: they stay one at a time, after the compiles.
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
import tarfile
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from irtools.errors import ToolFailed, UsageError


@dataclass
class CompileJob:
    """One compile: a variant's model for one backend, into `folder` (relative to the run)."""

    variant: str | None
    backend: str
    folder: str                      # "llvm-cpu" or "fast/llvm-cpu"
    flags: list[str]                 # backend, --compile-flag and variant flags, in that order
    ir_dump: bool = False
    timeout: float = 1800
    entry: dict = field(default_factory=dict)


def compile_argv(tool: str, model: Path, folder: Path, flags: list[str], ir_dump: bool) -> list[str]:
    """The iree-compile command line of a job whose outputs go to `folder`: the sources,
    the codegen dumps (`runner.codegen_dump_flags`) and, with `ir_dump`, the per-pass IR."""
    from irtools.run.runner import codegen_dump_flags, ir_dump_flags

    argv = [tool, str(model), *flags, f"--iree-hal-dump-executable-sources-to={folder / 'sources'}",
            "-o", str(folder / "module.vmfb")]
    argv[-2:-2] = codegen_dump_flags(folder, folder.name, argv)[0]
    if ir_dump:
        argv += ir_dump_flags(folder / "ir", argv)
    return argv


def compile_here(model: Path, folder: Path, flags: list[str], ir_dump: bool, timeout: float,
                 started: Callable[[], None] | None = None) -> dict:
    """Run one compile on this machine; returns status, seconds, returncode, error, command."""
    from irtools import driver
    from irtools.run.runner import prune_intermediates, run_logged

    folder.mkdir(parents=True, exist_ok=True)
    argv = compile_argv(driver.find_tool("iree-compile"), model, folder, flags, ir_dump)
    out: dict = {"command": argv, "host": socket.gethostname()}
    try:
        out["seconds"] = run_logged(argv, folder / "compile.log", timeout=timeout,
                                    what=f"iree-compile ({folder.name})", started=started)
        out.update(status="ok", returncode=0)
    except ToolFailed as err:
        out.update(status="failed", returncode=err.returncode, error=str(err))
    finally:
        prune_intermediates(folder / "intermediates")
    return out


class LocalCompiles:
    """Compiles in threads, each waiting on its own iree-compile process."""

    def __init__(self, jobs: int | None = None):
        self.jobs = max(1, jobs or len(os.sched_getaffinity(0)))
        self.pool = ThreadPoolExecutor(self.jobs, thread_name_prefix="irtools-compile")

    def submit(self, job: CompileJob, model: Path, out: Path, started=None) -> Future:
        return self.pool.submit(compile_here, model, out / job.folder, job.flags, job.ir_dump,
                                job.timeout, started)

    def close(self, cancel: bool = False):
        self.pool.shutdown(wait=True, cancel_futures=cancel)


def pack(folder: Path) -> bytes:
    """A folder's files as an uncompressed tar (vmfbs and dumps compress little)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for path in sorted(folder.rglob("*")):
            tar.add(path, arcname=str(path.relative_to(folder)), recursive=False)
    return buf.getvalue()


def unpack(data: bytes, folder: Path):
    """Unpack what `pack` made into `folder`; members that would leave it are refused."""
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r") as tar:
        members = _inside(tar.getmembers(), folder)
        if hasattr(tarfile, "data_filter"):   # Python 3.11.4 and later
            tar.extractall(folder, members=members, filter="data")
        else:
            tar.extractall(folder, members=members)


def _inside(members, folder: Path):
    """Regular files and folders whose paths stay in `folder`; anything else (links,
    devices, absolute or `..` paths) is refused, as the "data" filter would."""
    root = folder.resolve()
    for m in members:
        target = (root / m.name).resolve()
        if not (m.isfile() or m.isdir()) or (target != root and root not in target.parents):
            raise ValueError(f"{m.name!r}: not a file or folder inside {folder}")
    return members


def _remote_compile(model_ref, model_path: str, run_dir: str, token: str, rel: str,
                    flags: list[str], ir_dump: bool, timeout: float, copy: bool) -> dict:
    """What a Ray worker runs: the compile into the run directory if this machine sees
    it (the token file is there), else into a temporary folder sent back packed."""
    shared = not copy and Path(run_dir, f".irtools-ray-{token}").is_file()
    with tempfile.TemporaryDirectory(prefix="irtools-ray-") as tmp:
        model = Path(model_path)
        if not (shared and model.is_file()):
            import ray

            model = Path(tmp, "model", model.name)
            model.parent.mkdir()
            model.write_bytes(ray.get(model_ref[0]))   # in a list: Ray passes it unresolved
        if shared:
            result = compile_here(model, Path(run_dir, rel), flags, ir_dump, timeout)
            result["transfer"] = "shared"
            return result
        folder = Path(tmp, "out")
        result = compile_here(model, folder, flags, ir_dump, timeout)
        result["packed"] = pack(folder)
        result["transfer"] = "copied"
        return result


class RayCompiles:
    """Compiles as Ray tasks on the cluster at `address` ("local" starts one here)."""

    def __init__(self, address: str, out: Path, model: Path, *, copy: bool = False):
        try:
            import ray
        except ImportError:
            raise UsageError("--ray needs Ray, which is not installed",
                             fix="pip install 'ray>=2.9' (or leave --ray out to compile here)") from None
        self.ray = ray
        self.out, self.copy = out, copy
        self.token = uuid.uuid4().hex
        t0 = time.monotonic()
        try:
            if not ray.is_initialized():
                ray.init(address=address, log_to_driver=False, include_dashboard=False,
                         **({"num_cpus": len(os.sched_getaffinity(0))} if address == "local" else {}))
        except Exception as err:  # Ray raises ConnectionError, RuntimeError, ValueError...
            raise UsageError(f"cannot reach the Ray cluster at {address!r}: "
                             f"{str(err).splitlines()[0] if str(err) else type(err).__name__}",
                             fix="start it (`ray start --head`), pass its address, or leave --ray out"
                             ) from None
        self.startup_seconds = time.monotonic() - t0
        self.model_path = str(model.resolve())
        self.model_ref = ray.put(model.read_bytes())
        # A worker on this machine (or on a shared file system) finds these.
        (out / f".irtools-ray-{self.token}").write_text("irtools run in progress\n")
        self.task = ray.remote(num_cpus=1, max_retries=0)(_remote_compile)
        self.refs: list = []
        self.lock = threading.Lock()
        self.pool = ThreadPoolExecutor(8, thread_name_prefix="irtools-ray")

    def submit(self, job: CompileJob, model: Path, out: Path, started=None) -> Future:
        ref = self.task.remote([self.model_ref], self.model_path, str(out.resolve()), self.token,
                               job.folder, job.flags, job.ir_dump, job.timeout, self.copy)
        with self.lock:
            self.refs.append(ref)
        if started:
            started()
        return self.pool.submit(self._wait, ref, out / job.folder)

    def _wait(self, ref, folder: Path) -> dict:
        result = self.ray.get(ref)
        packed = result.pop("packed", None)
        if packed is not None:
            unpack(packed, folder)
        return result

    def close(self, cancel: bool = False):
        if cancel:
            with self.lock:
                for ref in self.refs:
                    # Not forced: the task gets KeyboardInterrupt and kills its iree-compile.
                    with contextlib.suppress(Exception):  # a task that ended cannot be
                        self.ray.cancel(ref, force=False)  # cancelled: nothing to do
        self.pool.shutdown(wait=True, cancel_futures=cancel)
        (self.out / f".irtools-ray-{self.token}").unlink(missing_ok=True)
