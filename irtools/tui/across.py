"""One dispatch across two builds (compare mode, `x`): the sources of what does its work in
each build, diffed, and with `h` the passes that changed them side by side."""

from __future__ import annotations

from textual.binding import Binding

from irtools.tui.viewers import DiffScreen, IRScreen


class AcrossScreen(DiffScreen):
    """`irtools ir diff --across` for the runs of sources A and B of the session."""

    BINDINGS = DiffScreen.BINDINGS + [Binding("h", "histories", "Passes A | B")]

    def __init__(self, run_a, run_b, dispatch: str):
        super().__init__(None, None, None)
        self.run_a, self.run_b, self.dispatch = run_a, run_b, dispatch
        self.found = None

    def recompute(self):
        run_a, run_b, dispatch, options, dedent = (self.run_a, self.run_b, self.dispatch,
                                                   self.options, self.dedent)
        found = self.found

        def compute(progress):
            from irtools.experiment.across import across_sides
            from irtools.experiment.compare import Side
            from irtools.irdiff.diff import Diff
            from irtools.tui import diffrows

            nonlocal found
            if found is None:
                found = across_sides(Side(_label(run_a), [run_a]), Side(_label(run_b), [run_b]),
                                     dispatch, backend=run_a.backend, progress=progress)
            d = found.diff(options)
            if dedent:
                d = Diff(d.a_label, d.b_label, [x.strip() for x in d.a_lines],
                         [x.strip() for x in d.b_lines], d.context)
            return found, (d, diffrows.unified_rows(d), diffrows.side_rows(d), d.counts())
        self.load(f"pairing {dispatch} across the two builds", compute, self.show_across,
                  group="diff")

    def show_across(self, result):
        self.found, shown = result
        self.show(shown)
        g = self.found.group
        self.notify(f"{g.label} (paired by {g.how})" if g.paired else
                    f"{g.kind}: the other build has nothing that does its work", timeout=6)

    def action_histories(self):
        if self.found is None:
            return
        found = self.found

        def read(progress):
            import io

            from rich.console import Console

            from irtools.render.ir import across_header, across_passes

            console = Console(width=160, record=True, file=io.StringIO())
            console.print(across_header(found))
            console.print(across_passes(found))
            return console.export_text().splitlines()
        self.app.push_screen(IRScreen(f"passes that changed @{self.dispatch} (A | B)", read))


def _label(run) -> str:
    return f"{run.root}@{run.variant}" if run.variant else str(run.root)
