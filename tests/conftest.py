"""Shared test setup: where the fixtures are, and the real IREE tools.

The tools are never mocked and never skipped: a missing tool fails the test.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("IRTOOLS_SHARED", REPO.parent / "shared"))
FIXTURES = SHARED / "fixtures"
TRACY = FIXTURES / "tracy"
MODELS = FIXTURES / "models"


@pytest.fixture(autouse=True, scope="session")
def _own_cache(tmp_path_factory):
    """irtools' disk cache (dump indexes, TUI data) in a folder of the test session's own,
    not the user's."""
    old = os.environ.get("IRTOOLS_CACHE")
    os.environ["IRTOOLS_CACHE"] = str(tmp_path_factory.mktemp("irtools-cache"))
    yield
    if old is None:
        os.environ.pop("IRTOOLS_CACHE", None)
    else:
        os.environ["IRTOOLS_CACHE"] = old


def tool(name: str) -> str:
    """Path of a real IREE tool; fails (never skips) when it is missing."""
    from irtools import driver

    try:
        return driver.find_tool(name)
    except Exception as err:  # pragma: no cover - the failure is the point
        pytest.fail(f"required tool {name} is not installed: {err}")


@pytest.fixture(scope="session")
def shared():
    if not FIXTURES.is_dir():
        pytest.fail(f"the shared fixtures are missing: {FIXTURES}")
    return SHARED


@pytest.fixture(scope="session")
def dumps(tmp_path_factory):
    """dumps(model, mode): a print-ir dump of fixtures/models/<model>.mlir, compiled once a session."""
    from tests._irdiff_dumps import cached_dumps

    return cached_dumps(tmp_path_factory)


@pytest.fixture(scope="session")
def trees(tmp_path_factory):
    """The same compiles as `dumps`, written with --mlir-print-ir-tree-dir."""
    from tests._irdiff_dumps import cached_dumps

    return cached_dumps(tmp_path_factory, tree=True)


def run_cli(*argv):
    """Run `irtools` in-process; returns (exit code, stdout, stderr)."""
    import contextlib
    import io

    from irtools.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def python_exe() -> str:
    return sys.executable


def which(name):
    return shutil.which(name)
