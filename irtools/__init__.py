"""irtools: profile IREE models with Tracy and navigate their pass-by-pass IR.

The notebook API. Importing this module stays cheap: the heavy modules (numpy,
pandas, the readers) load when a function is first called or a class first named.
"""

from __future__ import annotations

import os

from irtools.errors import IrtoolsError

TYPE_CHECKING = False  # as typing.TYPE_CHECKING (mypy knows the name), without importing typing
if TYPE_CHECKING:  # annotations only: nothing below is imported at run time
    from collections.abc import Callable, Mapping, Sequence
    from typing import Any, TypeGuard

    import pandas as pd

    from irtools.analysis.peak import Ceilings
    from irtools.irdiff.dump import Dump
    from irtools.run.layout import RunDir
    from irtools.slim.rewrite import SlimResult
    from irtools.trace.model import Trace

    PathLike = str | os.PathLike[str]
    Progress = Callable[[int, Any], None]  # progress(done, total); total may be None

__version__ = "0.1.0"

__all__ = ["open_trace", "open_run", "open_dump", "run_model", "hotspots", "compare", "compare_builds",
           "export", "slim_mlir", "slim_report", "peak", "as_table", "plot",
           "Trace", "Dump", "RunDir", "IrtoolsError"]

# Names loaded on first use: (module, attribute), or (module, None) for the module itself.
_LAZY = {
    "Trace": ("irtools.trace.model", "Trace"),
    "Dump": ("irtools.irdiff.dump", "Dump"),
    "RunDir": ("irtools.run.layout", "RunDir"),
    "as_table": ("irtools.notebook.display", "as_table"),
    "plot": ("irtools.notebook.plot", None),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'irtools' has no attribute {name!r}")
    import importlib

    module, attr = _LAZY[name]
    value = importlib.import_module(module)
    value = value if attr is None else getattr(value, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


def _is_run_dir(path: object) -> TypeGuard[PathLike]:
    if not isinstance(path, (str, os.PathLike)):
        return False
    from irtools.run.layout import is_run_dir

    return is_run_dir(path)


def open_trace(path: PathLike, *, progress: Progress | None = None) -> Trace:
    """Read a `.tracy` capture; returns a `Trace` whose `.zones()` is a DataFrame."""
    from irtools.trace.model import Trace

    return Trace.open(path, progress=progress)


def open_run(path: PathLike) -> RunDir:
    """A run directory of `irtools run` (or one run's folder in it): `.to_pandas()` lists
    its runs, `.hotspots(target=..., function=...)` ranks one run's zones."""
    from irtools.run.layout import RunDir

    return RunDir.open(path)


def open_dump(path: PathLike, *, progress: Progress | None = None) -> Dump:
    """Index a print-ir dump (`--mlir-print-ir-after-all` output, a file or a
    `--mlir-print-ir-tree-dir` folder); returns a `Dump`.

    `.passes()` is a DataFrame; `.diff(a, b)`, `.history(symbol)`, `.show(n, symbol=None)`.
    """
    from irtools.irdiff.dump import Dump

    return Dump.open(path, progress=progress)


def run_model(model: PathLike, output: PathLike, *, targets: Sequence[str] = ("llvm-cpu",),
              functions: Sequence[str] = (), inputs: Sequence[str] = (), seed: int = 0,
              repeat: int | None = None, benchmark: bool = False, ir_dump: bool = False,
              profile: bool = True, sampling: bool = False, replace: bool = False,
              port: int | None = None, compile_flags: Sequence[str] = (),
              run_flags: Sequence[str] = (), compile_timeout: float = 1800,
              run_timeout: float = 600, variants: Mapping[str, Sequence[str]] | None = None,
              calls: int | None = None, jobs: int | None = None, ray: str | None = None,
              report: Callable[[str], None] | None = None) -> RunDir:
    """Compile `model` for each target and run each function under Tracy, as `irtools run`;
    returns the run directory written to `output`.

    targets: backends, optionally with a device: "llvm-cpu", "llvm-cpu@local-sync", "vmvx",
        "vulkan". functions: the functions to run (default: every exported one).
    inputs: "[FUNCTION:]VALUE" in iree-run-module's syntax; other inputs are seeded random
        (`seed`). repeat: run each function this many times, each a captured process
        (the variants taking turns); calls: call it this many times in each run
        (iree-benchmark-module); benchmark: iree-benchmark-module with its own repetitions.
    variants: {name: extra iree-compile flags}, each a build compiled and run under
        output/NAME (compare them with `compare_builds`). jobs: compiles at once (default:
        the usable CPUs); ray: a Ray address to compile on instead ("local" starts one).
    ir_dump: also keep each compile's per-pass IR (`RunInfo.dump()`). profile: record IREE's
        HAL profile (.ireeprof) beside the trace. sampling: let Tracy sample call stacks.
    replace: replace an existing run directory at `output`. port: the Tracy port (default:
        a free one per capture). compile_flags / run_flags: passed to iree-compile /
        the run tool. Timeouts are in seconds. report(message): called at each step.

    Not named `run`: that name belongs to the `irtools.run` package.
    """
    from irtools.run.layout import RunDir
    from irtools.run.runner import Options, Variant, parse_targets
    from irtools.run.runner import run as run_all

    options = Options(targets=parse_targets(list(targets)), functions=list(functions),
                      inputs=list(inputs), seed=seed, repeat=repeat, calls=calls,
                      variants=[Variant(n, tuple(f)) for n, f in (variants or {}).items()],
                      jobs=jobs, ray=ray, benchmark=benchmark,
                      ir_dump=ir_dump, profile=profile, sampling=sampling, replace=replace,
                      port=port, compile_flags=list(compile_flags), run_flags=list(run_flags),
                      compile_timeout=compile_timeout, run_timeout=run_timeout)
    run_all(model, output, options, report=report)
    return RunDir.open(output)


def hotspots(trace: Trace | PathLike, *, by: str = "name", self_time: bool = False,
             sort: str | None = None, top: int | None = None, filter: str | None = None,
             thread: int | str | None = None, profile: PathLike | None = None,
             progress: Progress | None = None) -> pd.DataFrame:
    """Rank the zones of a capture as a DataFrame, as `irtools hotspots`.

    trace: a `Trace`, a `.tracy` path, or a run directory (then every traced run, with a
        `run` column first; dispatch views take times from the run's HAL profile).
    by: "name" (the effective name, as Tracy's GUI shows), "srcloc" (source location, as
        Tracy's csvexport), "dispatch" (one row per IREE dispatch: invocations, wall time,
        CPU time, parallelism; see below) or "op" (dispatch tile time summed by op kind).
    self_time: a zone's span less its direct children's. sort: "wall" (the default for
        dispatches), "cpu", "total" (the default otherwise), "mean", "count" or "max".
        top: keep the first N rows. filter: keep groups whose name matches this regular
        expression. thread: only zones of this thread (id or name; not with dispatches).
    profile: the HAL profile of the same run (.ireeprof, or iree-profile's JSONL), which
        makes the dispatch view exact.

    Times are integer nanoseconds in `*_ns` columns; `share` is the percentage of the
    capture's length. By dispatch: `invocations`; `wall_ns`, the summed spans of its
    invocations (first tile's start to last tile's end), and their mean, median, p90, min
    and max; `cpu_ns`, the time of its tiles on all threads; `parallelism` = cpu / wall;
    `tiles`, workgroups per invocation; `share` of the function's wall time; `timing`,
    "profile" (exact) or "tracy" (estimated from the zones); `ambiguous`, where concurrent
    invocations of one executable leave the count a guess.
    """
    if _is_run_dir(trace):
        if profile is not None:
            from irtools.errors import UsageError

            raise UsageError("a run directory brings its own HAL profile", fix="drop profile=")
        from irtools.run.report import runs_hotspots

        return runs_hotspots(trace, by=by, self_time=self_time, sort=sort, top=top,
                             filter=filter, thread=thread, progress=progress)
    from irtools.trace.hotspots import hotspots as rank

    return rank(trace, by=by, self_time=self_time, sort=sort, top=top, filter=filter,
                thread=thread, profile=profile, progress=progress)


def compare(a: Trace | PathLike, b: Trace | PathLike, *, by: str = "name",
            self_time: bool = False, top: int | None = None, filter: str | None = None,
            labels: tuple[str, str] = ("a", "b"),
            progress: Progress | None = None) -> pd.DataFrame:
    """The hotspot groups of two captures side by side, as `irtools compare A B --by BY`.

    a, b: `Trace`s, `.tracy` paths or run directories. With run directories the runs of the
    same name are paired (or the only run of each side), and columns `a` and `b` come first,
    naming each row's pair. (Given run directories and no `--by`, the command compares the
    builds dispatch by dispatch, with confidence intervals: that is `compare_builds`.)
    by, self_time, filter: as for `hotspots`. top: keep the N largest differences (per pair).
    labels: the suffixes of the two sides' columns (`total_ns_a`, `total_ns_b`, ...).

    Columns: the group's columns, count/total_ns/mean_ns of each side, `delta_ns` (total of
    b less a), `ratio` and `mean_ratio` (b / a; inf when a group is new). Rows are sorted
    by the size of the difference. By dispatch: invocations, wall_ns, wall_mean_ns, cpu_ns
    and parallelism of each side; `delta_ns`, `ratio` and `mean_ratio` compare wall times,
    `cpu_delta_ns` and `cpu_ratio` CPU times.
    """
    if _is_run_dir(a) or _is_run_dir(b):
        from irtools.run.report import compare_run_hotspots, stack_runs

        return stack_runs(compare_run_hotspots(a, b, by=by, self_time=self_time, top=top, filter=filter,
                                       labels=labels, progress=progress), ("a", "b"))
    from irtools.trace.compare import compare as compare_traces

    return compare_traces(a, b, by=by, self_time=self_time, top=top, filter=filter,
                          labels=labels, progress=progress)


def compare_builds(a: PathLike, b: PathLike | None = None, *, pair: str = "structure",
                   threshold: float = 0.05, min_share: float = 0.01,
                   level: float = 0.95) -> pd.DataFrame:
    """Two builds of a model dispatch by dispatch, as `irtools compare` on run directories.

    a, b: run directories, or "RUN_DIR@VARIANT" for one variant of `run_model(variants=...)`;
    without `b`, every variant of `a` against its first. pair: "structure" (what each
    dispatch computes, from the executable sources) or "name". threshold: the relative
    change a verdict calls slower or faster (0.05: 5%); min_share: groups holding less of
    A's time get no verdict; level: of the confidence intervals.

    One row per group of paired dispatches (and a total per run): `pairing` (same, merge
    2→1, new...), wall per call of each side (`wall_a_ns`, `wall_b_ns`: the invocations'
    summed spans), CPU time per call (`cpu_a_ns`, `cpu_b_ns`: their tiles on all threads)
    and `parallelism_a`, `parallelism_b`, `ratio` B/A of the walls with its interval
    (`low`, `high`), `p`, `q` (adjusted over all rows) and `verdict`.
    `attrs["coverage"]` gives the share of each side's time that was paired.
    """
    from irtools.experiment.compare import compare_runs, open_side, variant_sides

    pairs = variant_sides(os.fspath(a)) if b is None else \
        [(open_side(os.fspath(a)), open_side(os.fspath(b)))]
    return compare_runs(pairs, by=pair, threshold=threshold, min_share=min_share, level=level)


def export(trace: Trace | PathLike, output: PathLike | None = None, *, format: str | None = None,
           progress: Progress | None = None) -> str:
    """Write a trace's zones (a `Trace` or a path) as Chrome JSON, Parquet or CSV.

    `format`: chrome-json | parquet | csv, by default from `output`'s name; `.gz`
    outputs are compressed. Returns the output's path. See `irtools export --help`.
    """
    from irtools.trace.export import export as write

    return write(trace, output, format, progress=progress)


def slim_mlir(input: PathLike, output: PathLike, *, params: PathLike | None = None,
              scope: str = "model", min_bytes: int = 1024,
              progress: Progress | None = None) -> SlimResult:
    """Move large constants out of an MLIR file into resources (or `params`, an .irpa).

    Not named `slim`: that name belongs to the `irtools.slim` package.
    """
    from irtools.slim import slim

    return slim(input, output, params=params, scope=scope, min_bytes=min_bytes, progress=progress)


def slim_report(input: PathLike, *, min_bytes: int = 1024,
                progress: Progress | None = None) -> SlimResult:
    """List the large constants of an MLIR file; `.to_pandas()` gives a DataFrame."""
    from irtools.slim import report

    return report(input, min_bytes=min_bytes, progress=progress)


def peak(target: str = "llvm-cpu", *, workers: int | None = None, force: bool = False) -> Ceilings:
    """The compute and memory ceilings of `target` on this machine, as `irtools peak`
    measures them (read from the cache unless `force`). `RunDir.explain()` uses them."""
    from irtools.analysis.peak import measure
    from irtools.run.targets import parse_target

    return measure(parse_target(target), workers=workers, force=force)
