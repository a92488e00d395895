"""One hotspot group (usually a dispatch): statistics, distribution, source, pass history."""

from __future__ import annotations

import numpy as np
from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, Label, Sparkline, Static

from irtools.render.tables import compare_columns, from_label, hotspot_columns
from irtools.tui.base import BaseScreen, Loading
from irtools.units import human_ns

_HIST_ROWS = 14
_BAR = 40


def stats_table(row: dict, compare: bool) -> Table:
    """The row's statistics, one per line."""
    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    import pandas as pd

    frame = pd.DataFrame([row])
    cols = compare_columns(frame, ("A", "B")) if compare else hotspot_columns(frame)
    for col, head, fmt in cols:
        if col in ("name", "op"):
            continue
        value = row.get(col)
        if col == "timing":
            table.add_row(head, from_label(row))
            continue
        table.add_row(head, "-" if value is None or value != value else fmt(value))
    return table


def histogram(profile, rows=_HIST_ROWS) -> Text:
    """Durations as horizontal bars, a few log-spaced bins per line."""
    if profile is None:
        return Text("no zones or invocations of this name\n", style="dim")
    hist = profile.hist
    used = np.flatnonzero(hist)
    lo, hi = int(used[0]), int(used[-1]) + 1
    step = max(1, -(-(hi - lo) // rows))
    rows = [(i, min(i + step, hi), int(hist[i:i + step].sum())) for i in range(lo, hi, step)]
    top = max(n for _, _, n in rows) or 1
    unit = getattr(profile, "unit", "zones")
    what = "wall time per invocation" if unit == "invocations" else "duration per zone"
    out = Text(f"{int(hist.sum()):,} {unit}, by {what}\n", style="dim")
    for a, b, n in rows:
        low, high = profile.bin_edges(a)[0], profile.bin_edges(b - 1)[1]
        bar = "█" * max(1 if n else 0, round(_BAR * n / top))
        out.append(f"{human_ns(low):>10} – {human_ns(high):<10} ", style="dim")
        out.append(bar.ljust(_BAR), style="cyan")
        out.append(f" {n:,}\n")
    return out


class DispatchScreen(BaseScreen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("e", "source", "Executable source"),
        Binding("v", "view", "View IR"),
    ]
    DEFAULT_CSS = """
    DispatchScreen #name { height: 1; padding: 0 1; }
    DispatchScreen #top { height: auto; max-height: 16; }
    DispatchScreen #stats { width: 32; height: auto; padding: 0 1; }
    DispatchScreen #histogram { width: 1fr; height: auto; padding: 0 1; }
    DispatchScreen #why { height: auto; max-height: 12; padding: 0 1; display: none; }
    DispatchScreen.-why #why { display: block; }
    DispatchScreen Sparkline { height: 2; margin: 0 1; width: 1fr; }
    DispatchScreen #timeline-b { display: none; }
    DispatchScreen.-compare #timeline-b { display: block; }
    DispatchScreen .caption { height: 1; padding: 0 1; color: $text-muted; }
    DispatchScreen DataTable { height: 1fr; min-height: 6; }
    """

    def __init__(self, session, row: dict, by: str):
        super().__init__()
        self.session, self.row, self.by = session, row, by
        self.group = str(row.get("name") or row.get("op"))
        self.history = None

    @property
    def dump(self):
        return self.session.a.dump

    def compose(self):
        yield Header()
        yield Static(Text(self.group, style="bold"), id="name")
        with Horizontal(id="top"):
            yield Static(stats_table(self.row, self.session.b is not None), id="stats")
            yield Static("", id="histogram")
        yield Static("", id="why")
        what = ("wall time of its invocations across the run" if self.by == "dispatch"
                else "time spent across the capture")
        yield Label(what + (" (A above, B below)" if self.session.b else ""),
                    classes="caption", id="timeline-caption")
        yield Sparkline([], id="timeline")
        yield Sparkline([], id="timeline-b")
        yield Label("", classes="caption", id="history-caption")
        yield Loading()
        yield DataTable(id="history", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self):
        self.sub_title = self.session.a.label
        a = self.session.a
        name = self.group

        b = self.session.b

        # A dispatch's distribution is of its invocations (wall time), not of its tiles.
        if self.by == "dispatch":
            def profiles(progress):
                return [s.trace.invocation_profile(name, progress) for s in (a, b)
                        if s is not None]
        else:
            def profiles(progress):
                return [s.trace.profile(name, progress) for s in (a, b) if s is not None]
        self.set_class(b is not None, "-compare")
        self.load(f"distribution of {name}", profiles, self.show_profiles, group="profile")
        if self.by == "dispatch" and a.run is not None:
            self.set_class(True, "-why")
            self.query_one("#why", Static).update(Text("work, ceiling and codegen: loading",
                                                       style="dim"))
            self.load(f"work and codegen of {name}", self.explain, self.show_why, group="why")
        if self.dump is None:
            self.query_one("#history-caption", Label).update(
                "no IR dump opened: run with --ir-dump, or open a dump with the capture")
        elif self.by in ("name", "dispatch"):
            self.query_one("#history-caption", Label).update(f"passes that changed @{name}: loading")
            self.load(f"pass history of @{name}", self.find_history, self.show_history,
                      group="history")

    def show_profiles(self, profiles):
        if len(profiles) == 1:
            self.query_one("#histogram", Static).update(histogram(profiles[0]))
        else:  # compare mode: A above B, half as many bins each
            text = Text()
            for tag, profile in zip("AB", profiles):
                text.append(f"{tag}\n", style="bold")
                text.append_text(histogram(profile, _HIST_ROWS // 2))
            self.query_one("#histogram", Static).update(text)
        for widget, profile in zip(("#timeline", "#timeline-b"), profiles):
            if profile is not None:
                self.query_one(widget, Sparkline).data = list(profile.timeline)

    def explain(self, progress):
        """The --explain details of this dispatch: work, % of ceiling, origins, codegen."""
        import pandas as pd

        from irtools.analysis.explain import explain
        from irtools.render.roofline import explain_details

        frame = explain(self.session.a.run, pd.DataFrame([self.row]), progress=progress)
        text = explain_details(frame, top=1, names=False)[0]
        if frame.attrs.get("peak_command"):
            text.append(f"  ceiling  not measured: run `{frame.attrs['peak_command']}`\n",
                        style="dim")
        return text

    def show_why(self, text):
        self.query_one("#why", Static).update(text)

    def find_history(self, progress):
        """The passes that changed the dispatch function, else its executable."""
        from irtools.trace.dispatch import executable_of

        rows = self.dump.history(self.group, progress)
        symbol = self.group
        executable = executable_of(self.group)
        if not rows and executable:
            symbol = executable
            rows = self.dump.history(symbol, progress)
        return symbol, rows or []

    def show_history(self, result):
        self.symbol, self.history = result
        caption = self.query_one("#history-caption", Label)
        caption.update(f"{len(self.history)} passes changed @{self.symbol} "
                       f"(Enter: diff, v: IR after the pass)")
        table = self.query_one("#history", DataTable)
        table.clear(columns=True)
        for head in ("#", "pass", "op", "scope", "+", "-"):
            table.add_column(head, key=head)
        for r in self.history:
            table.add_row(str(r["index"]), r["pass"].split("::")[-1], r["op"],
                          ("@" + r["scope"]) if r["scope"] else "",
                          Text(f"+{r['added']}", style="green"), Text(f"-{r['removed']}", style="red"))
        table.focus()

    def _picked(self):
        if not self.history:
            self.notify("no pass history here", severity="warning")
            return None
        return self.history[self.query_one("#history", DataTable).cursor_row]

    def on_data_table_row_selected(self, event):
        self.action_diff()

    def action_diff(self):
        from irtools.tui.viewers import DiffScreen

        r = self._picked()
        if r is not None:
            self.app.push_screen(DiffScreen(self.dump, r["previous"], r["index"], self.symbol))

    def action_view(self):
        from irtools.tui.viewers import IRScreen

        r = self._picked()
        if r is not None:
            dump, n, symbol = self.dump, r["index"], self.symbol
            self.app.push_screen(IRScreen(f"{dump.snapshot_label(n)} @{symbol}",
                                          lambda progress: dump.lines(n, symbol)))

    def action_source(self):
        from irtools.tui.viewers import IRScreen

        path = self.session.a.source_file(self.group)
        if path is not None:
            def read(progress):
                from irtools.irdiff.diff import read_lines

                with open(path, "rb") as f:
                    return list(read_lines(f, 0, path.stat().st_size))
            self.app.push_screen(IRScreen(str(path), read))
        elif self.history:  # the dispatch as the last pass left it
            last = self.history[-1]["index"]
            dump, symbol = self.dump, self.symbol
            self.app.push_screen(IRScreen(f"{dump.snapshot_label(last)} @{symbol}",
                                          lambda progress: dump.lines(last, symbol)))
        else:
            self.notify("no executable source: open a run directory (irtools run) or a dump",
                        severity="warning")
