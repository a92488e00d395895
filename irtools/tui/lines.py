"""`LinesView`: a scrolling view of many lines that renders only the visible ones.

Rows are any objects; a `render(row) -> Text` callback styles one row when it
comes into view (the last few hundred are kept). Search highlights matches
and jumps between them; `marks` (hunk starts) are jumped to with `]` and `[`.
"""

from __future__ import annotations

import re
from collections import OrderedDict

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

_MAX_WIDTH = 4000  # virtual width cap; longer lines are cut at the right edge
_CACHE = 512
_MATCH = Style(bgcolor="yellow", color="black")
_CURRENT = Style(bgcolor="dark_orange", color="black", bold=True)


class LinesView(ScrollView, can_focus=True):
    BINDINGS = [
        Binding("n", "next_match", "Next match", show=False),
        Binding("N", "previous_match", "Prev match", show=False),
        Binding("]", "next_mark", "Next hunk", show=False),
        Binding("[", "previous_mark", "Prev hunk", show=False),
        Binding("g,home", "top", "Top", show=False),
        Binding("G,end", "bottom", "Bottom", show=False),
        Binding("up", "scroll_up", show=False),
        Binding("down", "scroll_down", show=False),
        Binding("left", "scroll_left", show=False),
        Binding("right", "scroll_right", show=False),
        Binding("pageup", "page_up", show=False),
        Binding("pagedown,space", "page_down", show=False),
    ]
    DEFAULT_CSS = "LinesView { height: 1fr; }"

    class Moved(Message):
        """Sent when a search or mark jump moves the view; `status` says where."""

        def __init__(self, status: str):
            super().__init__()
            self.status = status

    def __init__(self, rows=(), render=None, *, search_text=None, marks=(), **kw):
        super().__init__(**kw)
        self.set_rows(rows, render, search_text=search_text, marks=marks)

    def set_rows(self, rows, render=None, *, search_text=None, marks=()):
        self.rows = list(rows)
        self._render = render or (lambda row: Text(str(row), no_wrap=True, end=""))
        self._search_text = search_text or str
        self.marks = list(marks)
        self.pattern = None
        self.matches = []
        self.current = -1
        self._cache = OrderedDict()
        self._styled = OrderedDict()
        width = max((len(self._search_text(r)) for r in self.rows[:20000]), default=0) + 8
        self.virtual_size = Size(min(width, _MAX_WIDTH), len(self.rows))
        self.scroll_to(0, 0, animate=False)
        self.refresh()

    # -- drawing ---------------------------------------------------------------
    def _text(self, i: int) -> Text:
        """Row i styled, with search matches marked; both steps cached (the first
        survives a new search, since colouring a long line costs more than marking it)."""
        text = self._cache.get(i)
        if text is None:
            text = self._styled.get(i)
            if text is None:
                text = self._styled[i] = self._render(self.rows[i])
                if len(self._styled) > _CACHE:
                    self._styled.popitem(last=False)
            if self.pattern is not None:
                text = text.copy()
                plain = text.plain
                for m in self.pattern.finditer(plain, 0, min(len(plain), _MAX_WIDTH)):
                    here = self.current >= 0 and self.matches[self.current] == (i, m.start())
                    text.stylize(_CURRENT if here else _MATCH, m.start(), m.end())
            self._cache[i] = text
            if len(self._cache) > _CACHE:
                self._cache.popitem(last=False)
        return text

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        i = scroll_y + y
        width = self.scrollable_content_region.width
        if i >= len(self.rows):
            return Strip.blank(width, self.rich_style)
        text = self._text(i)
        if len(text) > scroll_x + width:  # render only what shows, not a 4000-column line
            text = text[:scroll_x + width]
        segments = list(text.render(self.app.console))
        strip = Strip(segments).crop_extend(scroll_x, scroll_x + width, self.rich_style)
        return strip.apply_style(self.rich_style)

    def on_resize(self):
        self._cache.clear()   # side-by-side rows are laid out for the width
        self._styled.clear()

    # -- search ------------------------------------------------------------------
    def search(self, query: str) -> int:
        """Highlight `query` (a regular expression, else literal text); returns the match count."""
        self._cache.clear()
        if not query:
            self.pattern, self.matches, self.current = None, [], -1
            self.refresh()
            return 0
        try:
            self.pattern = re.compile(query, re.IGNORECASE)
        except re.error:
            self.pattern = re.compile(re.escape(query), re.IGNORECASE)
        self.matches = [(i, m.start()) for i, r in enumerate(self.rows)
                        for m in self.pattern.finditer(self._search_text(r), 0, _MAX_WIDTH)]
        top = self.scroll_offset.y
        after = [k for k, (i, _) in enumerate(self.matches) if i >= top]
        self.current = after[0] if after else (0 if self.matches else -1)
        self._show_current()
        return len(self.matches)

    def _show_current(self):
        self._cache.clear()
        if self.current >= 0:
            line, col = self.matches[self.current]
            self._centre(line, col)
            self.post_message(self.Moved(f"match {self.current + 1} of {len(self.matches)}"))
        else:
            self.post_message(self.Moved("no match"))
        self.refresh()

    def _centre(self, line: int, col: int = 0):
        height = self.scrollable_content_region.height or 1
        width = self.scrollable_content_region.width or 1
        x = 0 if col < width - 10 else col - width // 2
        self.scroll_to(x, max(0, line - height // 3), animate=False)

    def action_next_match(self):
        if self.matches:
            self.current = (self.current + 1) % len(self.matches)
            self._show_current()

    def action_previous_match(self):
        if self.matches:
            self.current = (self.current - 1) % len(self.matches)
            self._show_current()

    # -- marks (diff hunks) ---------------------------------------------------
    def action_next_mark(self):
        top = self.scroll_offset.y
        for k, m in enumerate(self.marks):
            if m > top:
                self._jump(k)
                return

    def action_previous_mark(self):
        top = self.scroll_offset.y
        for k in range(len(self.marks) - 1, -1, -1):
            if self.marks[k] < top:
                self._jump(k)
                return

    def _jump(self, k: int):
        self.scroll_to(0, self.marks[k], animate=False)
        self.post_message(self.Moved(f"hunk {k + 1} of {len(self.marks)}"))

    def action_top(self):
        self.scroll_to(y=0, animate=False)

    def action_bottom(self):
        self.scroll_to(y=max(0, len(self.rows) - 1), animate=False)

    def action_page_up(self):
        self.scroll_page_up(animate=False)

    def action_page_down(self):
        self.scroll_page_down(animate=False)
