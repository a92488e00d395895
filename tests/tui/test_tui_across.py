"""Compare mode on two variants of a run, and one dispatch across them (`x`, then `h`)."""

from __future__ import annotations

import asyncio

import pytest

from irtools.tui.app import IrtoolsApp
from irtools.tui.session import open_paths
from tests.helpers import irtools_run, make_llama
from tests.tui.conftest import TINY
from tests.tui.pilot import settle

pytestmark = pytest.mark.iree


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    root = tmp_path_factory.mktemp("tui-sweep")
    make_llama(root / "tiny.mlir", *TINY)
    irtools_run(root, "tiny.mlir", "--function", "prefill", "--variant", "base=", "--variant",
                "fused=--iree-dispatch-creation-enable-aggressive-fusion", "--ir-dump", "--top", "0",
                "-o", "runs/sweep")
    return root / "runs/sweep"


def test_compare_variants_then_a_dispatch_across_them(sweep):
    from irtools.tui.across import AcrossScreen
    from irtools.tui.hotspots import HotspotsScreen
    from irtools.tui.viewers import IRScreen

    async def main():
        app = IrtoolsApp(open_paths([str(sweep)]))
        async with app.run_test(size=(150, 45)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, HotspotsScreen)
            assert screen.session.a.run.variant == "base"
            await pilot.press("x")                       # not in compare mode: a warning only
            await settle(pilot)
            assert app.screen is screen

            await pilot.press("c")                       # the same run of the other variant
            await settle(pilot)
            assert screen.session.b.run.variant == "fused"
            assert screen.session.b.run.key == screen.session.a.run.key
            names = list(screen.view["name"])
            gather = next(i for i, n in enumerate(names) if "elementwise_broadcast" in n)
            screen.query_one("RowsView").action_move_to(gather)
            await pilot.press("x")
            await settle(pilot)
            across = app.screen
            assert isinstance(across, AcrossScreen)
            group = across.found.group
            # Aggressive fusion put the embedding gather into the first RMSNorm's dispatch.
            assert names[gather] in group.a and group.kind in ("merge", "regrouped")
            assert any("reduction" in n for n in group.b)
            text = "\n".join(line for _, line in across.unified[0])
            assert "linalg.generic" in text and across.counts[0] > 0

            await pilot.press("h")
            await settle(pilot)
            passes = app.screen
            assert isinstance(passes, IRScreen)
            lines = passes.text.rows
            assert any("passes that changed them (A | B)" in str(x) for x in lines)
            assert sum("Canonicalizer" in str(x) for x in lines) >= 1
    asyncio.run(main())
