"""Real print-ir dumps of the fixture models, compiled once per test session."""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import subprocess
from pathlib import Path

SHARED = Path(__file__).parents[1].parent / "shared"
MODELS = SHARED / "fixtures" / "models"
TARGET = ["--iree-hal-target-device=local", "--iree-hal-local-target-device-backends=llvm-cpu",
          "--iree-llvmcpu-target-cpu=host", "--mlir-disable-threading"]
MODES = {
    "ba": ["--mlir-print-ir-before-all", "--mlir-print-ir-after-all"],
    "a": ["--mlir-print-ir-after-all"],
    "bam": ["--mlir-print-ir-before-all", "--mlir-print-ir-after-all", "--mlir-print-ir-module-scope"],
    "am": ["--mlir-print-ir-after-all", "--mlir-print-ir-module-scope"],
}


def tool(name):
    path = shutil.which(name)
    assert path, f"{name} is required (pip install iree-base-compiler==3.13.0)"
    return path


def make_dump(folder: Path, model: str, mode: str, *, tree: bool = False) -> Path:
    """Compile fixtures/models/<model>.mlir with the dump flags of `mode`; cached per session.

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


def cached_dumps(tmp_path_factory, **kw):
    """`make_dump` in a folder of the test session (see the `dumps` fixture in conftest)."""
    folder = tmp_path_factory.getbasetemp() / "irdiff-dumps"
    folder.mkdir(exist_ok=True)
    return lambda model, mode: make_dump(folder, model, mode, **kw)


def run_cli(*argv, stdin=None):
    """Run `irtools ir ...` in-process; returns (exit code, stdout, stderr)."""
    from irtools.cli import ir
    from irtools.errors import IrtoolsError

    parser = argparse.ArgumentParser(prog="irtools")
    sub = parser.add_subparsers(dest="command")
    ir.add_parser(sub)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        args = parser.parse_args(["ir", *map(str, argv)])
        try:
            code = args.func(args) or 0
        except IrtoolsError as e:
            print(f"irtools: error: {e}", file=err)
            code = e.exit_code
    return code, out.getvalue(), err.getvalue()
