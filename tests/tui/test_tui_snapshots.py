"""SVG snapshots of every screen at a fixed terminal size (pytest-textual-snapshot).

The captures are the shared fixtures; the IR dump is a fixture model compiled to flow
(the same text every time), opened by a relative path so that titles do not hold the
session's temporary folder. Update with `pytest --snapshot-update` and review.
"""

from __future__ import annotations

import pytest

from irtools.tui.app import IrtoolsApp
from irtools.tui.session import open_paths
from tests.helpers import TRACY
from tests.tui.pilot import settle

SIZE = (120, 36)
PREFILL = TRACY / "tfm_prefill_llvmcpu_task.tracy"
DUMP = "dump.mlir"
SYMBOL = "@main_dispatch_0"


def app_on(*paths):
    return IrtoolsApp(open_paths([str(p) for p in paths]))


def keys(*presses):
    """A run_before that presses keys, letting every load finish after each."""
    async def run(pilot):
        await settle(pilot)
        for key in presses:
            await pilot.press(key)
            await settle(pilot)
    return run


def test_hotspots(snap_compare):
    assert snap_compare(app_on(PREFILL), terminal_size=SIZE, run_before=keys())


def test_hotspots_by_op_self_time(snap_compare):
    assert snap_compare(app_on(PREFILL), terminal_size=SIZE, run_before=keys("g", "s"))


def test_compare(snap_compare):
    assert snap_compare(app_on(TRACY / "matmul_llvmcpu_task.tracy", TRACY / "mlp3_llvmcpu_sync.tracy"),
                        terminal_size=SIZE, run_before=keys())


def test_dispatch(snap_compare):
    assert snap_compare(app_on(PREFILL), terminal_size=SIZE, run_before=keys("enter"))


def test_help(snap_compare):
    assert snap_compare(app_on(PREFILL), terminal_size=SIZE, run_before=keys("question_mark"))


@pytest.mark.iree
def test_passes_changed(snap_compare, flow_dump, monkeypatch):
    monkeypatch.chdir(flow_dump)
    assert snap_compare(app_on(DUMP), terminal_size=SIZE, run_before=keys())   # changed only by default


@pytest.mark.iree
def test_diff_unified(snap_compare, flow_dump, monkeypatch):
    monkeypatch.chdir(flow_dump)
    assert snap_compare(app_on(DUMP), terminal_size=SIZE,
                        run_before=keys("/", *SYMBOL, "enter", "enter"))


@pytest.mark.iree
def test_diff_side_by_side(snap_compare, flow_dump, monkeypatch):
    monkeypatch.chdir(flow_dump)
    assert snap_compare(app_on(DUMP), terminal_size=SIZE,
                        run_before=keys("/", *SYMBOL, "enter", "enter", "s"))


@pytest.mark.iree
def test_ir_view_search(snap_compare, flow_dump, monkeypatch):
    monkeypatch.chdir(flow_dump)
    assert snap_compare(app_on(DUMP), terminal_size=SIZE,
                        run_before=keys("/", *SYMBOL, "enter", "v",
                                        "/", *"linalg", "enter"))
