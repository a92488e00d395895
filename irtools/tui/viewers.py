"""Text views: an IR snapshot with MLIR colouring, and the diff of two snapshots."""

from __future__ import annotations

from dataclasses import replace

from textual.binding import Binding
from textual.widgets import Footer, Header, Static

from irtools.tui.base import BaseScreen, Loading, SearchBar
from irtools.tui.highlight import mlir_line
from irtools.tui.lines import LinesView


class TextScreen(BaseScreen):
    """A title, a `LinesView`, a status line and `/` search."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("/", "search", "Search"),
        Binding("n", "next_match", "Next match"),
    ]
    DEFAULT_CSS = "TextScreen #status { height: 1; color: $text-muted; }"

    def compose(self):
        yield Header()
        yield Static(id="title")
        yield Loading()
        yield LinesView(id="text")
        yield Static(id="status")
        yield SearchBar(id="search")
        yield Footer()

    @property
    def text(self) -> LinesView:
        return self.query_one(LinesView)

    def action_search(self):
        self.query_one(SearchBar).open()

    def action_next_match(self):
        self.text.action_next_match()

    def on_input_submitted(self, event):
        self.query_one(SearchBar).close()
        self.text.focus()
        count = self.text.search(event.value)
        if not count:
            self.set_status(f"no match for {event.value!r}" if event.value else "")

    def on_lines_view_moved(self, event):
        self.set_status(event.status)

    def set_status(self, text):
        self.query_one("#status", Static).update(text)


class IRScreen(TextScreen):
    """IR text loaded by `read(progress) -> list of lines`."""

    def __init__(self, title: str, read):
        super().__init__()
        self.title_text, self.read = title, read

    def on_mount(self):
        self.query_one("#title", Static).update(self.title_text)
        self.load("reading the IR", self.read, self.show)

    def show(self, lines):
        self.text.set_rows(lines, mlir_line)
        self.set_status(f"{len(lines):,} lines")
        self.text.focus()


class DiffScreen(TextScreen):
    """Snapshot `b` against `a` (or against the state before b's pass when `a` is None)."""

    BINDINGS = TextScreen.BINDINGS + [
        Binding("s", "side", "Side by side"),
        Binding("l", "locs", "Locations"),
        Binding("r", "renumber", "SSA names"),
        Binding("a", "attrs", "Attr order"),
        Binding("w", "indent", "Indentation"),
        Binding("]", "next_hunk", "Next hunk"),
        Binding("[", "previous_hunk", "Prev hunk", show=False),
    ]

    def __init__(self, dump, a, b, symbol=None):
        from irtools.irdiff.diff import Options

        super().__init__()
        self.dump, self.a, self.b, self.symbol = dump, a, b, symbol
        self.side = False
        self.dedent = False
        self.options = Options()
        self.diff = None

    def on_mount(self):
        self.recompute()

    def recompute(self):
        dump, a, b, symbol, options = self.dump, self.a, self.b, self.symbol, self.options
        dedent = self.dedent

        def compute(progress):
            from irtools.irdiff.diff import Diff
            from irtools.tui import diffrows

            d = dump.diff(b, symbol=symbol, options=options) if a is None else \
                dump.diff(a, b, symbol=symbol, options=options)
            if dedent:  # the same op printed at another nesting depth is not a change
                d = Diff(d.a_label, d.b_label, [x.strip() for x in d.a_lines],
                         [x.strip() for x in d.b_lines], d.context)
            # Everything slow happens here, off the UI thread: both layouts, the counts.
            return d, diffrows.unified_rows(d), diffrows.side_rows(d), d.counts()
        self.load("diffing", compute, self.show, group="diff")

    def show(self, result):
        self.diff, self.unified, self.sides, self.counts = result
        self.render_rows()

    def render_rows(self):
        from irtools.tui import diffrows

        diff, view = self.diff, self.text
        if self.side:
            rows, marks = self.sides
            view.set_rows(rows, diffrows.side_renderer(lambda: view.scrollable_content_region.width),
                          search_text=diffrows.side_search_text, marks=marks)
        else:
            rows, marks = self.unified
            view.set_rows(rows, diffrows.render_unified, search_text=lambda r: r[1], marks=marks)
        added, removed = self.counts
        normal = [name for name, on in (("locations stripped", self.options.strip_locs),
                                         ("SSA renumbered", self.options.renumber),
                                         ("attributes sorted", self.options.sort_attrs),
                                         ("indentation ignored", self.dedent)) if on]
        title = f"{diff.a_label}  →  {diff.b_label}" + (f"  @{self.symbol}" if self.symbol else "")
        self.query_one("#title", Static).update(title)
        self.set_status(f"{len(marks)} hunks, +{added} -{removed}"
                        + (f"   ({', '.join(normal)})" if normal else "")
                        + ("   no difference" if diff.same else ""))
        view.focus()

    def action_side(self):
        self.side = not self.side
        if self.diff is not None:
            self.render_rows()

    def _toggle(self, field):
        self.options = replace(self.options, **{field: not getattr(self.options, field)})
        self.recompute()

    def action_locs(self):
        self._toggle("strip_locs")

    def action_renumber(self):
        self._toggle("renumber")

    def action_attrs(self):
        self._toggle("sort_attrs")

    def action_indent(self):
        self.dedent = not self.dedent
        self.recompute()

    def action_next_hunk(self):
        self.text.action_next_mark()

    def action_previous_hunk(self):
        self.text.action_previous_mark()
