"""Finding and running the IREE and Tracy tools: argv lists, timeouts, errors that say why."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

from irtools.errors import ToolFailed, ToolNotFound

INSTALL_FIX = "install them with `pip install iree-base-compiler iree-base-runtime`"
# Set (to a reason) where no IREE tool may be used: the test suite sets it while a test
# not marked `iree` runs, so a test that needs the tools and does not say so fails.
NO_TOOLS = "IRTOOLS_NO_TOOLS"


def package_dir(package: str) -> Path | None:
    """The folder of an `iree.*` package, found without importing it.

    find_spec("iree.compiler._mlir_libs") would import iree.compiler (0.25 s);
    only the `iree` namespace is looked up here.
    """
    top, _, rest = package.partition(".")
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        folder = Path(location, *rest.split(".")) if rest else Path(location)
        if folder.is_dir():
            return folder
    return None


def find_tool(name: str, *, tracy: bool = False) -> str:
    """Path of an IREE tool. With `tracy`, the Tracy-instrumented runtime build.

    Tools are found in the installed packages, never on PATH: a PATH holding another
    IREE (or none, as on a fresh machine with an unactivated venv) changes nothing.
    The instrumented tools (and iree-tracy-capture) ship inside iree-base-runtime
    in `iree/_runtime_libs_tracy`. The tools written in Python (iree-ir-tool,
    iree-build, ...) are console scripts in this environment's scripts folder.
    """
    if os.environ.get(NO_TOOLS):
        raise ToolNotFound(f"{name} may not be used here: {os.environ[NO_TOOLS]}")
    if tracy or name == "iree-tracy-capture":
        folder = package_dir("iree._runtime_libs_tracy")
        if folder is not None and (folder / name).is_file():
            return str(folder / name)
        raise ToolNotFound(f"the Tracy-instrumented {name} is not installed",
                           fix=INSTALL_FIX.replace("iree-base-compiler ", ""))
    # The binaries inside the packages first: the console scripts on PATH start a
    # Python interpreter to exec them, 60-100 ms on every call.
    for package in ("iree._runtime_libs", "iree.compiler._mlir_libs"):
        folder = package_dir(package)
        if folder is not None and (folder / name).is_file() and os.access(folder / name, os.X_OK):
            return str(folder / name)
    script = Path(sysconfig.get_path("scripts"), name)
    if script.is_file() and os.access(script, os.X_OK):
        return str(script)
    raise ToolNotFound(f"{name} is not installed in this Python environment ({sys.prefix})",
                       fix=INSTALL_FIX)


def tail(text: str, lines: int = 3) -> str:
    rows = [r for r in text.strip().splitlines() if r.strip()]
    return " | ".join(rows[-lines:])


def first_error(log, size: int = 1 << 16) -> str:
    """The compiler's or runtime's own error line in the log file `log`, else its last lines."""
    with open(log, "rb") as f:
        f.seek(max(0, os.fstat(f.fileno()).st_size - size))
        text = f.read().decode("utf-8", "replace")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for ln in lines:
        if "error:" in ln or "INVALID_ARGUMENT" in ln or "NOT_FOUND" in ln or "; " in ln and "c/runtime" in ln:
            return ln[:400]
    return tail("\n".join(lines))[:400]


def run_tool(argv, *, timeout: float = 600, cwd=None, env=None, what: str | None = None):
    """Run a tool to completion; returns CompletedProcess or raises ToolFailed."""
    argv = [os.fspath(a) for a in argv]
    what = what or Path(argv[0]).name
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=cwd,
                              env=env, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise ToolNotFound(f"{argv[0]} cannot be run", fix=INSTALL_FIX) from None
    except subprocess.TimeoutExpired:
        raise ToolFailed(f"{what} did not finish within {timeout:.0f} s", argv=argv,
                         fix="raise the timeout or check the input") from None
    if proc.returncode != 0:
        last = tail(proc.stderr) or tail(proc.stdout)
        raise ToolFailed(f"{what} failed with exit code {proc.returncode}: {last}", argv=argv,
                         returncode=proc.returncode, stderr_tail=last)
    return proc
