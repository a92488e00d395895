"""`RowsView`: a table of any number of rows, drawn line by line, with a row cursor.

A `DataTable` measures every cell when rows are added, which takes seconds for the
tens of thousands of snapshots of an op-scope dump; this view formats only the
rows on screen. Columns have fixed widths, measured on the first rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from irtools.tui.lines import LinesView

_SAMPLE = 5000
_CURSOR = Style(reverse=True)
_CURSOR_BLURRED = Style(bgcolor="grey30")


@dataclass
class Column:
    head: str
    get: object                 # row -> str or Text
    right: bool = False
    max_width: int = 60


# Not LinesView's bindings: its letter keys (g, G, n, N, [, ]) belong to the screens here.
class RowsView(LinesView, inherit_bindings=False):
    BINDINGS = [
        Binding("left", "scroll_left", show=False),
        Binding("right", "scroll_right", show=False),
        Binding("up", "move(-1)", show=False),
        Binding("down", "move(1)", show=False),
        Binding("pageup", "move_page(-1)", show=False),
        Binding("pagedown", "move_page(1)", show=False),
        Binding("home", "move_to(0)", show=False),
        Binding("end", "move_to_end", show=False),
        Binding("enter", "pick", show=False),
    ]

    class Picked(Message):
        def __init__(self, view, index: int):
            super().__init__()
            self.view, self.index = view, index

    class HeaderClicked(Message):
        def __init__(self, view, column: int):
            super().__init__()
            self.view, self.column = view, column

    def __init__(self, columns=(), **kw):
        self.columns = list(columns)
        self.widths = [len(c.head) for c in self.columns]
        self.cursor = 0
        super().__init__(**kw)

    def set_table(self, rows, columns=None):
        if columns is not None:
            self.columns = list(columns)
        rows = list(rows)
        widths = []
        for col in self.columns:
            cells = [len(_plain(col.get(r))) for r in rows[:_SAMPLE]]
            widths.append(min(col.max_width, max([len(col.head), *cells])))
        self.widths = widths
        self.set_rows(rows, self._format_row, search_text=lambda r: " ".join(
            _plain(c.get(r)) for c in self.columns))
        self.cursor = 0
        self.virtual_size = Size(sum(widths) + 2 * len(widths), len(rows) + 1)

    def _cells(self, values) -> Text:
        out = Text(no_wrap=True, end="")
        for col, width, value in zip(self.columns, self.widths, values):
            cell = value if isinstance(value, Text) else Text(str(value))
            cell.truncate(width, overflow="ellipsis")
            cell.align("right" if col.right else "left", width)
            out.append_text(cell)
            out.append("  ")
        return out

    def _format_row(self, row) -> Text:
        return self._cells([c.get(row) for c in self.columns])

    # -- drawing: the header stays on line 0 --------------------------------------
    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        if y == 0:
            head = self._cells([Text(c.head, style="bold") for c in self.columns])
            return Strip(list(head.render(self.app.console))).crop_extend(
                scroll_x, scroll_x + width, self.rich_style)
        i = scroll_y + y - 1
        strip = super().render_line(y - 1)
        if i == self.cursor and i < len(self.rows):
            strip = strip.apply_style(_CURSOR if self.has_focus else _CURSOR_BLURRED)
        return strip

    def _centre(self, line: int, col: int = 0):
        self.cursor = line
        super()._centre(line, col)

    # -- cursor ---------------------------------------------------------------------
    @property
    def page(self) -> int:
        return max(1, self.scrollable_content_region.height - 2)

    def action_move(self, delta: int):
        self.action_move_to(self.cursor + delta)

    def action_move_page(self, direction: int):
        self.action_move_to(self.cursor + direction * self.page)

    def action_move_to(self, index: int):
        if not self.rows:
            return
        self.cursor = max(0, min(index, len(self.rows) - 1))
        top = self.scroll_offset.y
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor > top + self.page:
            self.scroll_to(y=self.cursor - self.page, animate=False)
        self.refresh()

    def action_move_to_end(self):
        self.action_move_to(len(self.rows) - 1)

    def action_pick(self):
        if self.rows:
            self.post_message(self.Picked(self, self.cursor))

    def on_click(self, event):
        if event.y == 0:
            x = self.scroll_offset.x + event.x
            for k, width in enumerate(self.widths):
                if x < width + 2:
                    self.post_message(self.HeaderClicked(self, k))
                    return
                x -= width + 2
            return
        index = self.scroll_offset.y + event.y - 1
        if not 0 <= index < len(self.rows):
            return
        if index == self.cursor:
            self.action_pick()
        else:
            self.cursor = index
            self.refresh()

    def on_focus(self):
        self.refresh()

    def on_blur(self):
        self.refresh()


def _plain(value) -> str:
    return value.plain if isinstance(value, Text) else str(value)
