"""Fixtures of the whole suite, and the check of the `iree` marker (see tests/helpers.py)."""

from __future__ import annotations

import os

import pytest

import irtools
from tests.helpers import FIXTURES, NO_TOOLS, SHARED, TRACY, make_dump


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """IREE's tools are refused while a test not marked `iree` is set up, run and torn down."""
    if item.get_closest_marker("iree") is not None:
        yield
        return
    old = os.environ.get(NO_TOOLS)
    os.environ[NO_TOOLS] = f"{item.nodeid} is not marked @pytest.mark.iree"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(NO_TOOLS, None)
        else:
            os.environ[NO_TOOLS] = old


@pytest.fixture(autouse=True, scope="session")
def irtools_cache(tmp_path_factory):
    """irtools' disk cache (dump indexes, TUI data) in a folder of the test session's own,
    not the user's."""
    old = os.environ.get("IRTOOLS_CACHE")
    path = tmp_path_factory.mktemp("irtools-cache")
    os.environ["IRTOOLS_CACHE"] = str(path)
    yield path
    if old is None:
        os.environ.pop("IRTOOLS_CACHE", None)
    else:
        os.environ["IRTOOLS_CACHE"] = old


@pytest.fixture(scope="session")
def shared():
    if not FIXTURES.is_dir():
        pytest.fail(f"the shared fixtures are missing: {FIXTURES}")
    return SHARED


@pytest.fixture(scope="module")
def prefill():
    """The real capture of a transformer's prefill on llvm-cpu (local-task)."""
    return irtools.open_trace(TRACY / "tfm_prefill_llvmcpu_task.tracy")


def _dump_maker(tmp_path_factory, **kw):
    folder = tmp_path_factory.getbasetemp() / "irdiff-dumps"
    folder.mkdir(exist_ok=True)
    return lambda model, mode: make_dump(folder, model, mode, **kw)


@pytest.fixture(scope="session")
def dumps(tmp_path_factory):
    """dumps(model, mode): a print-ir dump of fixtures/models/<model>.mlir, compiled once a
    session, when first asked for (tests that use it are marked `iree`)."""
    return _dump_maker(tmp_path_factory)


@pytest.fixture(scope="session")
def trees(tmp_path_factory):
    """The same compiles as `dumps`, written with --mlir-print-ir-tree-dir."""
    return _dump_maker(tmp_path_factory, tree=True)
