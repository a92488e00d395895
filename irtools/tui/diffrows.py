"""Rows of a diff for `LinesView`: unified or side by side, with hunk starts."""

from __future__ import annotations

from rich.text import Text

_UNIFIED_STYLE = {"+": "green", "-": "red", "@": "bold cyan", " ": "", "h": "bold"}
_SIDE_STYLE = {"equal": ("dim", "dim"), "replace": ("red", "green"), "delete": ("red", ""),
               "insert": ("", "green"), "hunk": ("bold cyan", "bold cyan")}


def unified_rows(diff):
    """(rows, hunk starts); a row is (kind, text)."""
    rows, marks = [], []
    for line in diff.unified():
        if line.startswith(("+++", "---")) and not marks:
            kind = "h"
        else:
            kind = line[:1] or " "
        if kind == "@":
            marks.append(len(rows))
        rows.append((kind, line))
    return rows, marks


def render_unified(row) -> Text:
    kind, line = row
    style = _UNIFIED_STYLE.get(kind, "")
    if "<elided line of " in line:
        style += " italic"
    return Text(line, style=style.strip(), no_wrap=True, end="")


def side_rows(diff):
    """(rows, hunk starts); a row is (tag, left, right, left line no, right line no)."""
    rows, marks = [], []
    for group in diff.opcodes():
        i0, j0 = group[0][1], group[0][3]
        marks.append(len(rows))
        rows.append(("hunk", f"@@ {diff.a_label} line {i0 + 1}", f"{diff.b_label} line {j0 + 1}",
                     None, None))
        for tag, i1, i2, j1, j2 in group:
            for k in range(max(i2 - i1, j2 - j1)):
                a = i1 + k if i1 + k < i2 else None
                b = j1 + k if j1 + k < j2 else None
                rows.append((tag, diff.a_lines[a] if a is not None else "",
                             diff.b_lines[b] if b is not None else "", a, b))
    return rows, marks


def side_renderer(width_of):
    """A render function for side rows; `width_of()` gives the view's width now."""
    def render(row) -> Text:
        tag, left, right, a, b = row
        half = max(10, (width_of() - 3) // 2)
        ls, rs = _SIDE_STYLE[tag]
        out = Text(no_wrap=True, end="")
        out.append(_cell(left, a, half), style=ls or None)
        out.append(" │ ", style="dim")
        out.append(_cell(right, b, half), style=rs or None)
        return out
    return render


def _cell(text: str, number, width: int) -> str:
    gutter = f"{number + 1:>5} " if number is not None else "      "
    body = text[: width - len(gutter)]
    return (gutter + body).ljust(width)


def side_search_text(row) -> str:
    return f"{row[1]} {row[2]}"
