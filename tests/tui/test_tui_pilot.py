"""Drive the app with Textual's pilot through its main paths, on real run directories."""

from __future__ import annotations

import asyncio

import pytest

from irtools.tui.app import IrtoolsApp
from irtools.tui.session import open_paths
from tests.helpers import TRACY
from tests.tui.pilot import settle

SIZE = (150, 45)


def drive(paths, script, size=SIZE):
    """Run `script(app, pilot)` against the app opened on `paths`."""
    async def main():
        app = IrtoolsApp(open_paths([str(p) for p in paths]))
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await script(app, pilot)
    asyncio.run(main())


def cells(table, column):
    return [str(table.get_cell_at((r, column))) for r in range(table.row_count)]


@pytest.mark.iree
def test_run_dispatch_history_diff_compare(runs):
    from textual.widgets import DataTable

    from irtools.tui.dispatch import DispatchScreen
    from irtools.tui.hotspots import HotspotsScreen
    from irtools.tui.rows import RowsView
    from irtools.tui.viewers import DiffScreen, IRScreen

    async def script(app, pilot):
        screen = app.screen
        assert isinstance(screen, HotspotsScreen)
        assert screen.session.a.label == "llvm-cpu/local-task/prefill"
        totals = list(screen.view["wall_ns"])  # dispatches by wall time
        assert totals == sorted(totals, reverse=True) and len(totals) > 3
        top = screen.view["name"][0]
        assert "_dispatch_" in top

        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, DispatchScreen) and detail.group == top
        # The distribution is of the dispatch's invocations, as many as the row says.
        shown = str(detail.query_one("#histogram").content)
        invocations = int(screen.view["invocations"][0])
        assert f"{invocations:,} invocations, by wall time per invocation" in shown
        # What --explain says of it: work, codegen, and the model ops it came from
        why = str(detail.query_one("#why").content)
        assert "MFLOP" in why and "codegen" in why and "from     model." in why, why
        assert "% of" in why or "ceiling  not measured: run `irtools peak" in why, why
        assert detail.history, "the top dispatch has a pass history"
        assert detail.query_one("#history", DataTable).row_count == len(detail.history)
        assert "passes changed @" in str(detail.query_one("#history-caption").content)

        await pilot.press("enter")
        await settle(pilot)
        diff = app.screen
        assert isinstance(diff, DiffScreen)
        rows = diff.text.rows
        assert any(kind == "+" for kind, _ in rows) or any(kind == "-" for kind, _ in rows)
        assert diff.text.marks, "a hunk to jump to"
        await pilot.press("s")
        assert diff.text.rows[0][0] == "hunk"
        await pilot.press("escape", "e")   # the executable source irtools run kept
        await settle(pilot)
        source = app.screen
        assert isinstance(source, IRScreen) and source.title_text.endswith(".mlir")
        assert any("hal.executable" in line for line in source.text.rows)
        await pilot.press("escape", "escape")
        assert app.screen is screen

        await pilot.press("c")
        await settle(pilot)
        assert screen.session.b.label == "llvm-cpu/local-task/decode"
        heads = [c.head for c in screen.query_one(RowsView).columns]
        assert "Δ wall" in heads and "Wall A" in heads and "CPU B" in heads
        title = str(screen.query_one("#title").content)
        assert "A = llvm-cpu/local-task/prefill" in title and "B = llvm-cpu/local-task/decode" in title
        await pilot.press("c")
        await settle(pilot)
        assert screen.session.b is None and "delta_ns" not in screen.frame.columns

    drive([runs / "runs" / "llvm"], script)


@pytest.mark.iree
def test_two_run_directories_open_in_compare_mode(runs):
    from irtools.tui.rows import RowsView

    async def script(app, pilot):
        s = app.screen.session
        assert s.b is not None and s.a.group == 0 and s.b.group == 1
        assert s.a.run.function == s.b.run.function
        heads = [c.head for c in app.screen.query_one(RowsView).columns]
        assert "Δ wall" in heads
        # Each dispatch of the model ran on both targets.
        frame = app.screen.frame
        assert (frame["invocations_A"] > 0).any() and (frame["invocations_B"] > 0).any()

    drive([runs / "runs" / "llvm", runs / "runs" / "vmvx"], script)


def test_grouping_filter_sort_and_mouse():
    from irtools.tui.dispatch import DispatchScreen
    from irtools.tui.rows import RowsView

    async def script(app, pilot):
        screen = app.screen
        assert screen.by == "dispatch"
        await pilot.press("g")
        await settle(pilot)
        assert screen.by == "op" and list(screen.view.columns[:1]) == ["op"]
        await pilot.press("g")
        await settle(pilot)
        assert screen.by == "name"
        await pilot.press("g")
        await settle(pilot)
        assert screen.by == "srcloc" and "src_file" in screen.view.columns
        await pilot.press("/", *"^iree_hal", "enter")
        assert len(screen.view) > 2 and all(n.startswith("iree_hal") for n in screen.view["name"])
        table = screen.query_one(RowsView)
        # Sort by count with a click on its header, again to reverse.
        k = next(k for k, c in enumerate(table.columns) if c.head.startswith("Count"))
        x = sum(w + 2 for w in table.widths[:k])
        await pilot.click(RowsView, offset=(x + 1, 0))
        counts = list(screen.view["count"])
        assert counts == sorted(counts, reverse=True)
        await pilot.click(RowsView, offset=(x + 1, 0))
        counts = list(screen.view["count"])
        assert counts == sorted(counts)
        # A click on a row picks it, a second click opens it.
        await pilot.click(RowsView, offset=(4, 2))
        await pilot.click(RowsView, offset=(4, 2))
        await settle(pilot)
        assert isinstance(app.screen, DispatchScreen)
        assert app.screen.group == screen.view["name"][1]

    drive([TRACY / "tfm_prefill_llvmcpu_task.tracy"], script)


@pytest.mark.iree
def test_passes_search_history_and_ir_view(runs):
    from irtools.tui.passes import PassesScreen
    from irtools.tui.rows import RowsView
    from irtools.tui.viewers import DiffScreen, IRScreen

    async def script(app, pilot):
        await pilot.press("p")   # from the run's hotspots to its IR dump
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PassesScreen)
        changed = [r["changed"] for r in screen.shown]   # by default, the real changes
        await pilot.press("c")
        total = len(screen.query_one(RowsView).rows)
        assert 0 < len(changed) < total and set(changed) == {"changed"}
        await pilot.press("/", *"Canonicalizer", "enter")
        assert screen.shown and all("Canonicalizer" in r["pass"] for r in screen.shown)
        symbol = "prefill_dispatch_0"
        await pilot.press("/", *f"@{symbol}", "enter")
        await settle(pilot)
        assert screen.history[0] == symbol and len(screen.shown) == len(screen.history[1]) > 0
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DiffScreen) and app.screen.symbol == symbol
        await pilot.press("escape", "v")
        await settle(pilot)
        view = app.screen
        assert isinstance(view, IRScreen) and any(f"@{symbol}" in line for line in view.text.rows)
        await pilot.press("/", *"tensor<", "enter")
        assert view.text.matches and "match 1 of" in str(view.query_one("#status").content)
        await pilot.press("n")
        assert "match 2 of" in str(view.query_one("#status").content)

    drive([runs / "runs" / "llvm"], script)


def test_huge_line_is_elided(tmp_path):
    """A 20 MB constant on one line is shown as one short marker, never in full."""
    from irtools.tui.viewers import IRScreen

    dump = tmp_path / "dump.txt"
    huge = "0x" + "AB" * (10 << 20)
    header = "// -----// IR Dump After {} ({}) ('builtin.module' operation) //----- //\n"
    with open(dump, "w") as f:
        f.write(header.format("CSEPass", "cse"))
        f.write("module {\n  util.global private @w = dense<1.0> : tensor<4xf32>\n}\n\n")
        f.write(header.format("CanonicalizerPass", "canonicalize"))
        f.write(f'module {{\n  util.global private @w = dense<"{huge}"> : tensor<4xf32>\n}}\n\n')

    async def script(app, pilot):
        await pilot.press("down", "v")
        await settle(pilot)
        view = app.screen
        assert isinstance(view, IRScreen)
        assert len(view.text.rows) == 3
        assert max(len(r) for r in view.text.rows) < 200
        assert "<elided line of" in view.text.rows[1]
        await pilot.press("escape", "enter")
        await settle(pilot)
        assert any("<elided line of" in line for _, line in app.screen.text.rows)

    drive([dump], script)


@pytest.mark.parametrize("args,message", [
    (["/nonexistent.tracy"], "no such file or directory"),
    ([str(TRACY / "tfm_prefill_llvmcpu_task.csvexport.csv")], "not a run directory, .tracy capture or IR dump"),
])
def test_bad_paths_are_one_line_errors(args, message):
    from tests.helpers import run_cli

    code, out, err = run_cli("tui", *args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_command_palette_and_help():
    from irtools.tui.app import HelpScreen

    async def script(app, pilot):
        screen = app.screen
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await pilot.press(*"group by")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen and screen.by == "op"
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert app.screen is screen

    drive([TRACY / "tfm_prefill_llvmcpu_task.tracy"], script)


def test_compare_dispatch_shows_both_distributions():
    from textual.widgets import Sparkline

    from irtools.tui.dispatch import DispatchScreen

    async def script(app, pilot):
        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, DispatchScreen)
        shown = str(detail.query_one("#histogram").content)
        assert shown.startswith("A\n") and "\nB\n" in shown
        assert all(len(s.data) for s in detail.query(Sparkline))

    drive([TRACY / "matmul_llvmcpu_task.tracy", TRACY / "matmul_llvmcpu_task.zstd1-j1.tracy"], script)


@pytest.mark.iree
def test_pick_another_run(runs):
    from irtools.tui.hotspots import Picker

    async def script(app, pilot):
        screen = app.screen
        assert screen.session.a.label == "llvm-cpu/local-task/prefill"
        await pilot.press("r")
        assert isinstance(app.screen, Picker)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.screen is screen and screen.session.a.label == "llvm-cpu/local-task/decode"
        assert "llvm-cpu/local-task/decode:" in str(screen.query_one("#title").content)
        assert all(name.startswith(("decode", "_initializer")) for name in screen.view["name"])

    drive([runs / "runs" / "llvm"], script)
