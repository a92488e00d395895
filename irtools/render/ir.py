"""Rich renderables for IR dumps: the passes table, diffs, snapshot text."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from irtools.irdiff.normal import CHANGED, COSMETIC, SAME, UNKNOWN
from irtools.render import human_bytes

# How each class of change shows, in the CLI's tables and the TUI's.
FLAG_STYLE = {CHANGED: "bold yellow", COSMETIC: "cyan", SAME: "dim", UNKNOWN: "magenta", "": "dim"}


def passes_table(rows, *, title=None, more=0, note=None) -> Table:
    """The rows given; `more` says how many were left out (the footer tells how to see
    them), `note` what the rows are."""
    lines = [note] if note else []
    if more:
        lines.append(f"{more:,} more rows not shown: --limit 0 shows all, --format csv writes all")
    caption = "\n".join(lines) or None
    table = Table(title=title, caption=caption, caption_justify="left", header_style="bold",
                  box=None, pad_edge=False)
    for name, justify in (("#", "right"), ("when", "left"), ("pass", "left"), ("op", "left"),
                          ("symbol", "left"), ("lines", "right"), ("size", "right"),
                          ("changed", "left")):
        table.add_column(name, justify=justify, no_wrap=name != "symbol")
    for r in rows:
        table.add_row(str(r["index"]), r["when"], r["pass"].split("::")[-1], r["op"],
                      _symbol(r["symbol"]), f"{r['lines']:,}",
                      human_bytes(r["bytes"]), Text(r["changed"], style=FLAG_STYLE[r["changed"]]))
    return table


def _symbol(name):
    from irtools.irdiff.mlir import printed

    return "@" + printed(name) if name else ""


def history_table(rows, symbol, *, classes=False) -> Table:
    """The history of a symbol; `classes` adds the class of each change (changed or cosmetic)."""
    from irtools.irdiff.mlir import symbol_name

    what = "changed" if not classes else "changed (or only reprinted)"
    table = Table(title=f"passes that {what} {_symbol(symbol_name(symbol))}", header_style="bold",
                  box=None)
    names = ("#", "pass", "op", "scope", "+", "-") + (("class",) if classes else ())
    for name in names:
        table.add_column(name, justify="right" if name in ("#", "+", "-") else "left")
    for r in rows:
        cells = [str(r["index"]), r["pass"].split("::")[-1], r["op"], _symbol(r["scope"]),
                 Text(f"+{r['added']}", style="green"), Text(f"-{r['removed']}", style="red")]
        if classes:
            cells.append(Text(r["class"], style=FLAG_STYLE.get(r["class"])))
        table.add_row(*cells)
    return table


def capture_status(snapshots) -> str:
    """One line for a dump being written: how far it got, and the pass it is in."""
    last = snapshots[-1]
    where = f" on @{last.symbol}" if last.symbol else ""
    return f"compiling: {len(snapshots):,} snapshots, {last.when} {last.pass_name}{where}"


def _is_elided(line):
    return "<elided line of " in line


def unified(diff) -> Text:
    """A coloured unified diff; elided huge lines stay one short line each."""
    out = Text()
    for line in diff.unified():
        if line.startswith(("+++", "---")):
            style = "bold"
        elif line.startswith("@@"):
            style = "cyan"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        else:
            style = ""
        if _is_elided(line):
            style += " italic"
        out.append(line + "\n", style=style.strip() or None)
    if diff.same:
        out.append(f"no difference between {diff.a_label} and {diff.b_label}\n", style="dim")
    return out


def side_by_side(diff) -> Table:
    table = Table(header_style="bold", box=None, expand=True, show_lines=False)
    table.add_column(diff.a_label, ratio=1, overflow="fold")
    table.add_column(diff.b_label, ratio=1, overflow="fold")
    for group in diff.opcodes():
        for tag, i1, i2, j1, j2 in group:
            left = diff.a_lines[i1:i2]
            right = diff.b_lines[j1:j2]
            for k in range(max(len(left), len(right))):
                a = left[k] if k < len(left) else ""
                b = right[k] if k < len(right) else ""
                if tag == "equal":
                    table.add_row(Text(a, style="dim"), Text(b, style="dim"))
                else:
                    table.add_row(Text(a, style="red"), Text(b, style="green"))
        table.add_row(Text("⋯", style="cyan"), Text("⋯", style="cyan"))
    return table


def snapshot_text(lines) -> Text:
    out = Text()
    for line in lines:
        out.append(line + "\n", style="italic magenta" if _is_elided(line) else None)
    return out


def across_header(found) -> str:
    """What `ir diff --across` compares: the group, how it was paired, the files."""
    g = found.group
    lines = [f"@{found.dispatch}: {g.label} (paired by {g.how})" if g.paired else
             f"@{found.dispatch}: {g.kind} (the other build has nothing that does its work)"]
    if g.note:
        lines.append(f"  {g.note}")
    for side, files in (("A", found.files_a), ("B", found.files_b)):
        lines.append(f"  {side}: " + (", ".join(str(f) for f in files) or "(no source)"))
    return "\n".join(lines)


def across_passes(found):
    """The passes that changed the dispatches on each side, aligned by pass name."""
    if not all(found.dumps):
        missing = " and ".join(s for s, d in zip(("A", "B"), found.dumps) if d is None)
        return Text(f"no IR dump for {missing}: rerun `irtools run` with --ir-dump to see the "
                    f"passes side by side", style="dim")
    table = Table(title="passes that changed them (A | B)", title_justify="left",
                  header_style="bold", box=None)
    for name in ("#A", "pass A", "+/- A", "#B", "pass B", "+/- B"):
        table.add_column(name, justify="right" if name.startswith(("#", "+")) else "left")
    for a, b in found.passes():
        cells = []
        for r in (a, b):
            if r is None:
                cells += ["", "", ""]
            else:
                several = f" ({r['dispatches']} dispatches)" if r.get("dispatches", 1) > 1 else ""
                cells += [str(r["index"]), r["pass"].split("::")[-1] + several,
                          Text.assemble((f"+{r['added']}", "green"), " ", (f"-{r['removed']}", "red"))]
        table.add_row(*cells)
    return table
