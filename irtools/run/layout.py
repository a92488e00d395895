"""The run directory that `irtools run` writes, and reading it back.

    NAME/manifest.json                  tools, commands, timings, statuses of every step
    NAME/inputs/FUNCTION/inputN.npy     the seeded random inputs (shared by all targets)
    NAME/BACKEND/module.vmfb            one compile per backend (llvm-cpu, vmvx, vulkan...)
    NAME/BACKEND/compile.log
    NAME/BACKEND/sources/               executable sources (--iree-hal-dump-executable-sources-to),
                                        with model locations (--mlir-print-debuginfo)
    NAME/BACKEND/configs/               lowering strategies (--iree-hal-dump-executable-configurations-to)
    NAME/BACKEND/intermediates/         generated LLVM IR and assembly (...-intermediates-to)
    NAME/BACKEND/vm.mlir                the host program, dispatch sites located (--iree-vm-bytecode-source-listing)
    NAME/BACKEND/ir/                    per-pass IR, with --ir-dump (a tree-dir folder)
    NAME/BACKEND/DEVICE/FUNCTION/       one run: trace.tracy, profile.ireeprof, run.json, logs

With variants (`--variant NAME=FLAGS`), each has its own compiles and runs under
its name, and with `--repeat N` each function runs N times, each run a folder:

    NAME/VARIANT/BACKEND/...            as above, one set per variant
    NAME/VARIANT/BACKEND/DEVICE/FUNCTION/rK/    repeat K (1..N) of one run

Runs are named like their folders (`fast/llvm-cpu/local-task/prefill/r2`); the
manifest's run entries say `variant` (null without variants) and `repeat` (1..N, or
null without --repeat), and its `variants` lists each variant's name and flags.
A run directory without variants or repeats has exactly the first layout, and
manifests written before variants existed read as one unnamed variant.

`run.json` repeats the run's manifest entry, so a run's own folder can be
passed wherever a run directory is accepted.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from irtools._io import atomic_output
from irtools.errors import UsageError
from irtools.run.manifest import check_manifest, check_run_file, read_json
from irtools.trace.dispatch import executable_of

MANIFEST = "manifest.json"
RUN_FILE = "run.json"


@dataclass
class RunInfo:
    """One function run on one target and device, as recorded in the manifest."""

    name: str                      # "llvm-cpu/local-task/prefill"
    target: str                    # as asked: "llvm-cpu", "llvm-cpu@local-sync", "vulkan"
    backend: str
    device: str
    function: str
    status: str                    # ok | failed | skipped | compile-failed | compile-only
    root: Path                     # the run directory holding manifest.json
    entry: dict = field(default_factory=dict, repr=False)

    def _path(self, key):
        value = self.entry.get(key)
        return self.root / value if value else None

    @property
    def variant(self) -> str | None:
        """The variant's name (`--variant NAME=...`), None in a run without variants."""
        value = self.entry.get("variant")
        return value if isinstance(value, str) else None

    @property
    def repeat(self) -> int | None:
        """Which repeat this is (1..N with `--repeat N`), None without repeats."""
        value = self.entry.get("repeat")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def key(self) -> tuple[str, str, str]:
        """What a run is across variants and repeats: (target, device, function)."""
        return (self.target, self.device, self.function)

    @property
    def dir(self) -> Path:
        return self.root / self.entry["dir"]

    @property
    def trace(self) -> Path | None:
        path = self._path("trace")
        return path if path and path.is_file() else None

    @property
    def profile(self) -> Path | None:
        path = self._path("profile")
        return path if path and path.is_file() else None

    @property
    def sources(self) -> Path | None:
        return self._path("sources")

    @property
    def configs(self) -> Path | None:
        """The compile's configurations dump (pipelines, tile sizes); None in older runs."""
        return self._existing("configs")

    @property
    def intermediates(self) -> Path | None:
        """The compile's intermediates (LLVM IR, assembly); None in older runs."""
        return self._existing("intermediates")

    @property
    def listing(self) -> Path | None:
        """The VM source listing (dispatch sites and their locations); None in older runs."""
        return self._existing("listing")

    def _existing(self, key) -> Path | None:
        path = self._path(key)
        return path if path is not None and path.exists() else None

    @property
    def ir_dump(self) -> Path | None:
        path = self._path("ir_dump")
        return path if path and path.exists() else None

    @property
    def vmfb(self) -> Path | None:
        return self._path("vmfb")

    @property
    def error(self) -> str | None:
        return self.entry.get("error")

    def dump(self, *, progress=None):
        """The compile's per-pass IR (`irtools run --ir-dump`) as an indexed `Dump`."""
        if self.ir_dump is None:
            raise UsageError(f"{self.name} has no IR dump", path=str(self.dir),
                             fix="rerun `irtools run` with --ir-dump (ir_dump=True)")
        from irtools.irdiff.dump import Dump

        return Dump.open(self.ir_dump, progress=progress)

    def source_of(self, dispatch: str) -> Path | None:
        """The executable source file of a dispatch (`prefill_dispatch_3_matmul_...`)."""
        folder = self.sources
        if folder is None or not folder.is_dir():
            return None
        executable = executable_of(dispatch)
        if executable is None:
            return None
        hits = sorted(folder.glob(f"*_{executable}.mlir"))
        return hits[0] if hits else None


def is_run_dir(path) -> bool:
    path = Path(path)
    return path.is_dir() and ((path / MANIFEST).is_file() or (path / RUN_FILE).is_file())


def run_info(root: Path, entry: dict) -> RunInfo:
    return RunInfo(name=entry["name"], target=entry["target"], backend=entry["backend"],
                   device=entry["device"], function=entry["function"], status=entry["status"],
                   root=root, entry=entry)


class RunDir:
    """A run directory: its manifest and its runs."""

    def __init__(self, root: Path, manifest: dict, only: str | None = None):
        self.root = root
        self.manifest = manifest
        self.runs = [run_info(root, e) for e in manifest.get("runs", [])
                     if only is None or e["name"] == only]

    def __repr__(self):
        from irtools.notebook.display import rundir_repr

        return rundir_repr(self)

    def _repr_html_(self):
        from irtools.notebook.display import rundir_html

        return rundir_html(self)

    @classmethod
    def open(cls, path) -> RunDir:
        path = Path(path)
        if (path / MANIFEST).is_file():
            return cls(path, check_manifest(read_json(path / MANIFEST), path / MANIFEST))
        if (path / RUN_FILE).is_file():
            entry = read_json(path / RUN_FILE, "an irtools run.json (schema 1)")
            root = check_run_file(entry, path / RUN_FILE)
            manifest = check_manifest(read_json(root / MANIFEST), root / MANIFEST)
            return cls(root, manifest, only=entry["name"])
        raise UsageError("not a run directory (no manifest.json)", path=str(path),
                         fix="pass a directory written by `irtools run`, or a .tracy file")

    @property
    def variants(self) -> list[str | None]:
        """The variants' names in the order they were given; [None] without variants."""
        names = [v.get("name") for v in self.manifest.get("variants") or []
                 if isinstance(v, dict) and isinstance(v.get("name"), str)]
        for r in self.runs:   # a manifest cut short may list runs of variants it does not name
            if r.variant not in names and r.variant is not None:
                names.append(r.variant)
        return names or [None]

    def variant_flags(self, name: str | None) -> list[str]:
        """The compile flags a variant added."""
        for v in self.manifest.get("variants") or []:
            if isinstance(v, dict) and v.get("name") == name:
                return [str(f) for f in v.get("flags") or []]
        return []

    def select(self, *, target=None, device=None, function=None, traced=False, variant=None,
               repeat=None) -> list[RunInfo]:
        """Runs matching every filter given; `variant` is a name of `variants`."""
        out = []
        for r in self.runs:
            if variant is not None and variant != r.variant:
                continue
            if repeat is not None and repeat != r.repeat:
                continue
            if target and target not in (r.target, r.backend):
                continue
            if device and device != r.device:
                continue
            if function and function != r.function:
                continue
            if traced and r.trace is None:
                continue
            out.append(r)
        return out

    def run(self, **filters) -> RunInfo:
        """The one traced run matching the filters; an error naming the choices otherwise."""
        hits = self.select(traced=True, **filters)
        if len(hits) == 1:
            return hits[0]
        names = ", ".join(r.name for r in self.select(traced=True)) or "none"
        what = "no traced run matches" if not hits else "several runs match"
        raise UsageError(f"{what} in this run directory (traced runs: {names})",
                         path=str(self.root),
                         fix="name one run's folder, e.g. RUN_DIR/llvm-cpu/local-task/prefill")

    def hotspots(self, *, target: str | None = None, device: str | None = None,
                 function: str | None = None, by: str = "dispatch", self_time: bool = False,
                 sort: str | None = None, top: int | None = None, filter: str | None = None,
                 thread: int | str | None = None, profile: bool = True, progress=None):
        """The hotspot table of the one traced run matching target, device and function
        (an error names the choices otherwise). The options are those of
        `irtools.hotspots`; `profile=True` takes the dispatch view's invocations and wall
        times from the run's HAL profile (exact), and its rows also name their executable
        source and IR dump."""
        from irtools.run.report import run_hotspots

        return run_hotspots(self.run(target=target, device=device, function=function), by=by,
                            self_time=self_time, sort=sort, top=top, filter=filter,
                            thread=thread, profile=profile, progress=progress)

    def explain(self, *, target=None, device=None, function=None, ceilings=...):
        """One run's dispatches with their work, % of the ceiling and codegen facts, as
        `irtools hotspots RUN --by dispatch --explain`; `irtools.plot.roofline(...)` draws it.

        `ceilings`: by default the cached ones of the run's target (`irtools.peak`)."""
        from irtools.analysis.explain import explain

        run = self.run(target=target, device=device, function=function)
        return explain(run, self.hotspots(target=target, device=device, function=function),
                       ceilings=ceilings)

    def layers(self, *, depth=None, target=None, device=None, function=None):
        """One run's dispatch wall time by model layer, as `irtools hotspots RUN --by layer`."""
        from irtools.analysis.explain import layers

        run = self.run(target=target, device=device, function=function)
        return layers(run, self.hotspots(target=target, device=device, function=function),
                      depth=depth)

    def run_list(self) -> list[RunInfo]:
        """The traced runs; an error if there are none."""
        runs = self.select(traced=True)
        if not runs:
            states = ", ".join(f"{r.name}: {r.status}" for r in self.runs) or "no runs"
            raise UsageError(f"this run directory holds no trace ({states})", path=str(self.root),
                             fix="see manifest.json and the logs for why the runs failed")
        return runs

    def to_pandas(self):
        import pandas as pd

        return pd.DataFrame([{
            "name": r.name, "target": r.target, "device": r.device, "function": r.function,
            "status": r.status, "seconds": r.entry.get("run_seconds"),
            "trace": str(r.trace) if r.trace else None,
            "profile": str(r.profile) if r.profile else None, "error": r.error,
        } for r in self.runs])


def write_json(path: Path, data: dict, *, durable: bool = False):
    with atomic_output(path, "w", durable=durable) as f:
        json.dump(data, f, indent=2, default=os.fspath)
        f.write("\n")
