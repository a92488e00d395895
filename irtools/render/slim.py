"""Rich renderables for `irtools slim`: the table of largest constants and a summary."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from irtools.render import human_bytes

_WHY = {"moved": "moved", "small": "kept: small", "splat": "kept: splat",
        "type": "kept: type", "context": "kept: context"}


def constants_table(result, top: int = 20) -> Table:
    """The largest constants: where, type, bytes, share of the file, and what slim did."""
    table = Table(title=f"largest constants of {result.input}", title_justify="left")
    for name, justify in (("#", "right"), ("line", "right"), ("name", "left"), ("type", "left"),
                          ("bytes", "right"), ("share", "right"), ("action", "left")):
        table.add_column(name, justify=justify, overflow="fold",
                         min_width=14 if name in ("name", "type") else None)
    for rank, c in enumerate(result.largest(top), 1):
        action = _WHY.get(c.action, c.action)
        if c.duplicate:
            action += f" (same data as {c.key})"
        table.add_row(str(rank), str(c.line), c.name, c.type, human_bytes(c.nbytes),
                      f"{100 * result.share(c):.1f}%", action)
    return table


def summary(result) -> Text:
    """One paragraph: how many constants moved, how much, and the sizes of the outputs."""
    moved = result.moved
    text = Text()
    text.append(f"{len(result.constants)} constants found, {len(moved)} of at least "
                f"{human_bytes(result.min_bytes)} movable ({human_bytes(result.moved_bytes)}, "
                f"{human_bytes(result.stored_bytes)} once identical blobs are shared)")
    if result.output:
        text.append(f"\n{result.output}: {human_bytes(result.output_bytes)} "
                    f"(input {human_bytes(result.input_bytes)})")
    if result.params:
        text.append(f"\n{result.params}: {human_bytes(result.params_bytes)}, "
                    f"run with --parameters={result.scope}={result.params}")
    return text
