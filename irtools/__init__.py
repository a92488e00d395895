"""irtools: profile IREE models with Tracy and navigate their pass-by-pass IR.

The notebook API. Importing this module stays cheap: the heavy modules load
when a function is first called.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["open_run", "run_model", "open_trace", "hotspots", "compare", "IrtoolsError", "open_dump",
           "slim_mlir", "slim_report", "export", "plot", "as_table"]

from irtools.errors import IrtoolsError

# Submodules and classes loaded on first use, so that `import irtools` stays cheap.
_LAZY = {"plot": ("irtools.notebook.plot", None), "as_table": ("irtools.notebook.display", "as_table")}


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'irtools' has no attribute {name!r}")
    import importlib

    module, attr = _LAZY[name]
    value = importlib.import_module(module)
    return value if attr is None else getattr(value, attr)


def open_trace(path, *, progress=None):
    """Read a `.tracy` capture; returns a `Trace` whose `.zones()` is a DataFrame."""
    from irtools.trace.model import Trace

    return Trace.open(path, progress=progress)


def run_model(model, output, *, targets=("llvm-cpu",), functions=(), report=None, **options):
    """Compile and run `model` on each target under Tracy (as `irtools run`); returns a RunDir.

    Not named `run`: that name belongs to the `irtools.run` package.
    """
    from irtools.run.layout import RunDir
    from irtools.run.runner import Options, parse_targets
    from irtools.run.runner import run as _run

    _run(model, output, Options(targets=parse_targets(targets), functions=list(functions),
                                **options), report=report)
    return RunDir.open(output)


def open_run(path):
    """A run directory of `irtools run`: `.to_pandas()` lists its runs, `.hotspots(...)`."""
    from irtools.run.layout import RunDir

    return RunDir.open(path)


def hotspots(trace, **options):
    """Rank zones of a trace (a `Trace` or a path) as a DataFrame; see `irtools hotspots --help`."""
    from irtools.trace.hotspots import hotspots as _hotspots

    return _hotspots(trace, **options)


def compare(a, b, **options):
    """Put the hotspot groups of two traces side by side, as a DataFrame."""
    from irtools.trace.compare import compare as _compare

    return _compare(a, b, **options)


def export(trace, output=None, *, format=None, progress=None):
    """Write a trace's zones (a `Trace` or a path) as Chrome JSON, Parquet or CSV.

    `format`: chrome-json | parquet | csv, by default from `output`'s name; `.gz`
    outputs are compressed. Returns the output's path. See `irtools export --help`.
    """
    from irtools.trace.export import export as _export

    return _export(trace, output, format, progress=progress)


def slim_mlir(input, output, *, params=None, scope="model", min_bytes=1024, progress=None):
    """Move large constants out of an MLIR file into resources (or `params`, an .irpa).

    Not named `slim`: that name belongs to the `irtools.slim` package.
    """
    from irtools.slim import slim as _slim

    return _slim(input, output, params=params, scope=scope, min_bytes=min_bytes, progress=progress)


def slim_report(input, *, min_bytes=1024, progress=None):
    """List the large constants of an MLIR file; `.to_pandas()` gives a DataFrame."""
    from irtools.slim import report as _report

    return _report(input, min_bytes=min_bytes, progress=progress)


def open_dump(path, *, progress=None):
    """Index a print-ir dump (`--mlir-print-ir-after-all` output, a file or a
    `--mlir-print-ir-tree-dir` folder); returns a `Dump`.

    `.passes()` is a DataFrame; `.diff(a, b)`, `.history(symbol)`, `.show(n, symbol=None)`.
    """
    from irtools.irdiff.dump import Dump

    return Dump.open(path, progress=progress)
