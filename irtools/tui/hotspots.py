"""The main screen: hotspots of one capture, or of two side by side (compare mode)."""

from __future__ import annotations

import re

from rich.text import Text
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Footer, Header, OptionList, Static

from irtools.render.tables import compare_columns, from_label, hotspot_columns, is_dispatch_frame
from irtools.trace.hotspots import GROUPINGS
from irtools.tui.base import BaseScreen, Loading, SearchBar
from irtools.tui.rows import Column, RowsView
from irtools.units import human_ns

LABELS = ("A", "B")


class HotspotsScreen(BaseScreen):
    BINDINGS = [
        Binding("g", "grouping", "Group by"),
        Binding("s", "self_time", "Self time"),
        Binding("/", "filter", "Filter"),
        Binding("c", "compare", "Compare"),
        Binding("r", "pick_run", "Run"),
        Binding("p", "passes", "Passes"),
        Binding("x", "across", "Across builds"),
    ]

    def __init__(self, session):
        super().__init__()
        self.session = session
        self.by = "dispatch"
        self.self_time = False
        self.pattern = None
        self.frame = None
        self.view = None
        self.sort_key = None
        self.sort_reverse = True

    def compose(self):
        yield Header()
        yield Static(id="title")
        yield Loading()
        yield RowsView(id="hotspots")
        yield SearchBar(id="search")
        yield Footer()

    def on_mount(self):
        self.reload()

    # -- loading ---------------------------------------------------------------
    def reload(self):
        s = self.session
        a, b, by, self_time = s.a, s.b, self.by, self.self_time

        def compute(progress):
            from irtools.trace.compare import compare_frames

            info = {"a": a.trace.info(progress)}
            fa = a.trace.hotspots(by, self_time, progress)
            if b is None:
                return info, fa
            info["b"] = b.trace.info(progress)
            fb = b.trace.hotspots(by, self_time, progress)
            return info, compare_frames(fa, fb, by=by, labels=LABELS)

        what = f"reading {a.label}" + (f" and {b.label}" if b else "")
        self.load(what, compute, self.show)

    def show(self, result):
        info, frame = result
        self.info, self.frame = info, frame
        self.sort_key = None
        self.sub_title = self.session.a.label
        self.query_one("#title", Static).update(self.title_text())
        warning = frame.attrs.get("warning")
        if warning:
            self.notify(warning, severity="warning", timeout=8)
        self.fill()

    def title_text(self) -> str:
        s = self.session

        def one(tag, src, info):
            return (f"{tag}{src.label}: {info['zones']:,} zones, "
                    f"{human_ns(info['last_time_ns'])} captured")
        text = one("A = " if s.b else "", s.a, self.info["a"])
        if s.b:
            text += "   " + one("B = ", s.b, self.info["b"])
        text += f"   by {self.by}" + (" (self time)" if self.self_time else "")
        if self.pattern:
            text += f"   filter /{self.pattern.pattern}/"
        return text

    def fill(self):
        frame = self.frame
        label = "op" if self.by == "op" else "name"
        if self.pattern is not None:
            frame = frame[frame[label].map(lambda v: self.pattern.search(str(v)) is not None)]
        if self.sort_key is not None:
            frame = frame.sort_values(self.sort_key, ascending=not self.sort_reverse,
                                      kind="stable", na_position="last")
        self.view = frame.reset_index(drop=True)
        if self.session.b is not None:
            cols = compare_columns(frame, LABELS)
        else:  # Share next to the total, where a narrow terminal still shows it
            cols = hotspot_columns(frame)
            total = "wall_ns" if is_dispatch_frame(frame) else "total_ns"
            cols.insert(next(i for i, c in enumerate(cols) if c[0] == total) + 1,
                        cols.pop(next(i for i, c in enumerate(cols) if c[0] == "share")))
        left = ("name", "op", "src_file", "time_source", "timing")
        columns = []
        for col, head, fmt in cols:
            mark = (" ▼" if self.sort_reverse else " ▲") if col == self.sort_key else ""
            if col == "delta_ns":
                def get(r, f=fmt):
                    return _delta_cell(r["delta_ns"], f)
            elif col == "timing":  # with a `?` where the count is a guess
                get = from_label
            else:
                def get(r, c=col, f=fmt):
                    return f(r[c])
            columns.append(Column(head + mark, get, right=col not in left, max_width=70))
        self.columns = [c for c, _, _ in cols]
        table = self.query_one(RowsView)
        table.set_table(self.view.to_dict("records"), columns)
        table.focus()

    # -- actions -----------------------------------------------------------------
    def on_rows_view_header_clicked(self, event):
        key = self.columns[event.column]
        if self.sort_key == key:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_key = key
            self.sort_reverse = key not in ("name", "op", "src_file", "timing")
        self.fill()

    def on_rows_view_picked(self, event):
        self.open_row(event.index)

    def open_row(self, i):
        from irtools.tui.dispatch import DispatchScreen

        if self.view is None or not len(self.view):
            return
        self.app.push_screen(DispatchScreen(self.session, self.view.iloc[i].to_dict(), self.by))

    def action_grouping(self):
        self.by = GROUPINGS[(GROUPINGS.index(self.by) + 1) % len(GROUPINGS)]
        self.reload()

    def action_self_time(self):
        self.self_time = not self.self_time
        self.reload()

    def action_filter(self):
        self.query_one(SearchBar).open("filter groups (a regular expression; empty clears)")

    def on_input_submitted(self, event):
        bar = self.query_one(SearchBar)
        bar.close()
        text = event.value.strip()
        try:
            self.pattern = re.compile(text, re.IGNORECASE) if text else None
        except re.error as err:
            self.notify(f"bad regular expression: {err}", severity="error")
            return
        self.query_one("#title", Static).update(self.title_text())
        self.fill()

    def action_compare(self):
        s = self.session
        if s.other is not None:
            s.other = None
        else:
            s.other = s.partner()
            if s.other is None:
                self.notify("compare needs two captures: open two, or a run directory with "
                            "two traced runs", severity="warning")
                return
        self.reload()

    def action_pick_run(self):
        s = self.session
        if len(s.traced) < 2:
            self.notify("only one capture is open", severity="warning")
            return

        def picked(i):
            if i is None:
                return
            s.current = i
            if s.other is not None:
                s.other = s.partner()
            self.reload()
        self.app.push_screen(Picker("show which run?", [s.sources[i].label for i in s.traced],
                                    s.traced), picked)

    def action_passes(self):
        self.app.action_passes()

    def action_across(self):
        """The selected dispatch in both builds of compare mode: sources diffed, passes."""
        from irtools.tui.across import AcrossScreen

        s = self.session
        runs = (s.a.run, s.b.run if s.b is not None else None)
        if s.b is None or None in runs:
            self.notify("across builds needs compare mode (c) on two runs of run directories",
                        severity="warning")
            return
        if self.by != "dispatch" or self.view is None or not len(self.view):
            self.notify("group by dispatch (g) and select one", severity="warning")
            return
        row = self.view.iloc[self.query_one(RowsView).cursor]
        self.app.push_screen(AcrossScreen(runs[0], runs[1], str(row["name"])))


def _delta_cell(delta, fmt) -> Text:
    """Slower in red, faster in green, as `irtools compare` shows it."""
    return Text(fmt(delta), style="red" if delta > 0 else "green" if delta < 0 else "")


class Picker(ModalScreen):
    """Choose one of a few labelled values."""

    BINDINGS = [("escape", "dismiss_none", "Cancel")]
    DEFAULT_CSS = """
    Picker { align: center middle; }
    Picker OptionList { width: 80%; height: auto; max-height: 80%; border: round $accent; }
    """

    def __init__(self, title, labels, values):
        super().__init__()
        self.title_text, self.labels, self.values = title, labels, values

    def compose(self):
        options = OptionList(*self.labels)
        options.border_title = self.title_text
        yield options

    def on_option_list_option_selected(self, event):
        self.dismiss(self.values[event.option_index])

    def action_dismiss_none(self):
        self.dismiss(None)
