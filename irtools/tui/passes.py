"""The snapshots of an IR dump: changed-only filter, sizes, scope, search by pass or @symbol."""

from __future__ import annotations

import re

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Footer, Header, Static

from irtools.irdiff.normal import CHANGED, COSMETIC
from irtools.render.ir import FLAG_STYLE
from irtools.tui.base import BaseScreen, Loading, SearchBar
from irtools.tui.rows import Column, RowsView
from irtools.units import human_bytes

COLUMNS = [  # the scope last: it is the one that may be long
    Column("#", lambda r: str(r["index"]), right=True),
    Column("when", lambda r: r["when"]),
    Column("pass", lambda r: r["pass"].split("::")[-1], max_width=44),
    Column("op", lambda r: r["op"], max_width=26),
    Column("lines", lambda r: f"{r['lines']:,}", right=True),
    Column("size", lambda r: human_bytes(r["bytes"]), right=True),
    Column("changed", lambda r: Text(r["changed"], style=FLAG_STYLE[r["changed"]])),
    Column("scope", lambda r: _symbol(r["symbol"]), max_width=80),
]


def _symbol(name):
    from irtools.irdiff.mlir import printed

    return "@" + printed(name) if name else ""


class PassesScreen(BaseScreen):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("c", "changed", "Changed only / all"),
        Binding("o", "cosmetic", "Cosmetic too"),
        Binding("/", "search", "Search"),
        Binding("v", "view", "View IR"),
    ]

    def __init__(self, dump, label=""):
        super().__init__()
        self.dump, self.label = dump, label
        self.all_rows = None
        self.changed_only = True   # as `ir passes`: `c` shows every snapshot
        self.cosmetic = False   # with changed_only (and in histories): also cosmetic changes
        self.query_text = ""
        self.history = None   # (symbol, rows) when searching by @symbol
        self.shown = []

    def compose(self):
        yield Header()
        yield Static(id="title")
        yield Loading()
        yield RowsView(COLUMNS, id="passes")
        yield SearchBar(id="search")
        yield Footer()

    def on_mount(self):
        self.sub_title = self.label
        self.load(f"finding the passes that changed {self.dump.title}", self.dump.passes,
                  self.show)

    def show(self, rows):
        self.all_rows = rows
        self.fill()

    def fill(self):
        rows = self.all_rows
        note = ""
        if self.history is not None:
            symbol, changed = self.history
            by_index = {r["index"]: r for r in rows}
            rows = [by_index[h["index"]] for h in changed if h["index"] in by_index]
            note = f"   the {len(rows)} passes that changed {_symbol(symbol)}" + (
                " (cosmetic too)" if self.cosmetic else "")
        elif self.query_text:
            pattern = re.compile(self.query_text, re.IGNORECASE)
            rows = [r for r in rows if pattern.search(r["pass"]) or pattern.search(r["arg"])
                    or pattern.search(r["symbol"])]
            note = f"   matching /{self.query_text}/"
        if self.changed_only and self.history is None:   # a history has classes of its own
            wanted = (CHANGED, COSMETIC) if self.cosmetic else (CHANGED,)
            rows = [r for r in rows if r["changed"] in wanted]
            note += "   changed only" + (" (cosmetic too)" if self.cosmetic else "") + " (c: all)"
        self.shown = rows
        total = len(self.all_rows)
        changed = sum(r["changed"] == CHANGED for r in self.all_rows)
        cosmetic = sum(r["changed"] == COSMETIC for r in self.all_rows)
        also = f" ({cosmetic:,} more only how it prints)" if cosmetic else ""
        self.query_one("#title", Static).update(
            f"{self.dump.title}: {total:,} snapshots, {changed:,} changed the IR{also}{note}")
        table = self.query_one(RowsView)
        table.set_table(rows)
        table.focus()

    def action_changed(self):
        self.changed_only = not self.changed_only
        if self.all_rows is not None:
            self.fill()

    def action_cosmetic(self):
        self.cosmetic = not self.cosmetic
        if self.history is not None:
            self._follow(self.history[0])
        elif self.all_rows is not None:
            self.fill()

    def action_search(self):
        self.query_one(SearchBar).open("pass name (a regular expression), or @symbol for the "
                                       "passes that changed it")

    def on_input_submitted(self, event):
        self.query_one(SearchBar).close()
        text = event.value.strip()
        self.history = None
        if text.startswith("@"):
            from irtools.irdiff.mlir import symbol_name

            self._follow(symbol_name(text))
            return
        try:
            re.compile(text)
        except re.error as err:
            self.notify(f"bad regular expression: {err}", severity="error")
            return
        self.query_text = text
        self.fill()

    def _follow(self, symbol):
        cosmetic = self.cosmetic
        self.load(f"passes that changed {_symbol(symbol)}",
                  lambda progress: self.dump.history(symbol, progress, cosmetic=cosmetic),
                  lambda rows: self.show_history(symbol, rows), group="history")

    def show_history(self, symbol, rows):
        if rows is None:
            self.notify(f"{_symbol(symbol)} is in no snapshot of this dump", severity="warning")
            return
        self.history = (symbol, rows)
        self.fill()

    def _picked(self):
        if not self.shown:
            return None
        return self.shown[self.query_one(RowsView).cursor]

    def on_rows_view_picked(self, event):
        self.action_diff()

    def action_diff(self):
        from irtools.tui.viewers import DiffScreen

        r = self._picked()
        if r is None:
            return
        symbol = self.history[0] if self.history else None
        if symbol:
            previous = next(h["previous"] for h in self.history[1] if h["index"] == r["index"])
            self.app.push_screen(DiffScreen(self.dump, previous, r["index"], symbol))
        else:
            self.app.push_screen(DiffScreen(self.dump, None, r["index"]))

    def action_view(self):
        from irtools.tui.viewers import IRScreen

        r = self._picked()
        if r is not None:
            dump, n = self.dump, r["index"]
            symbol = self.history[0] if self.history else None
            self.app.push_screen(IRScreen(dump.snapshot_label(n) + (f" {_symbol(symbol)}" if symbol else ""),
                                          lambda progress: dump.lines(n, symbol)))

    def action_back(self):
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
