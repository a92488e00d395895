"""The experiment comparison as a terminal table: groups of dispatches, ratios, verdicts."""

from __future__ import annotations

import math

from rich.table import Table

from irtools.render import human_ns

_VERDICT_STYLE = {"slower": "bold red", "faster": "bold green", "no change": "",
                  "small": "dim", "new": "yellow", "gone": "yellow", "n/a": "dim"}


def _ratio(r) -> str:
    return "-" if r is None or math.isnan(r) else f"{r:.3f}"


def _interval(low, high) -> str:
    if low is None or math.isnan(low):
        return "-"
    hi = "∞" if math.isinf(high) else f"{high:.3f}"
    return f"{low:.3f}–{hi}"


def _count(x) -> str:
    return f"{x:g}" if x == x else "-"


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def experiment_tables(frame, *, width: int | None = None) -> list[Table]:
    """One table per compared run (A and B, target, device, function)."""
    tables = []
    cover = frame.attrs.get("coverage", {})
    level = frame.attrs.get("level", 0.95)
    name_width = 48 if not width or width >= 150 else 30
    cpu = not width or width >= 140  # CPU time is context: it goes first when space is short
    for (a, b, run), rows in frame.groupby(["a", "b", "run"], sort=False):
        ca, cb = cover.get((a, b, run), (math.nan, math.nan))
        title = (f"A = {a}\nB = {b}   {run}: paired dispatches hold {ca:.0%} of A's time and "
                 f"{cb:.0%} of B's (pairing by {frame.attrs.get('by', 'structure')})")
        table = Table(title=title, title_justify="left", header_style="bold", box=None,
                      pad_edge=False, caption=_caption(cpu), caption_justify="left")
        table.add_column("Dispatches (B's, or A's if gone)", no_wrap=True, max_width=name_width,
                         min_width=12)
        # The numbers keep their width; the names get what is left.
        heads = [("Pairing", "left", 13), ("Inv/call A→B", "right", 7), ("Wall A", "right", 9),
                 ("Wall B", "right", 9)]
        if cpu:
            heads += [("CPU A", "right", 9), ("CPU B", "right", 9)]
        heads += [("B/A", "right", 5), (f"{level:.0%} interval", "right", 11), ("q", "right", 5),
                  ("Verdict", "left", 9)]
        for head, just, least in heads:
            table.add_column(head, justify=just, no_wrap=True, min_width=least)
        for r in rows.to_dict("records"):
            style = _VERDICT_STYLE.get(r["verdict"], "")
            q = r["q"]
            times = [r["wall_a_ns"], r["wall_b_ns"]] + ([r["cpu_a_ns"], r["cpu_b_ns"]] if cpu else [])
            table.add_row(
                _short(r["group"], name_width), r["pairing"],
                f"{_count(r['invocations_a'])}→{_count(r['invocations_b'])}",
                *[human_ns(t) if t and t == t else "-" for t in times],
                _ratio(r["ratio"]), _interval(r["low"], r["high"]),
                "-" if q is None or math.isnan(q) else f"{q:.3f}",
                f"[{style}]{r['verdict']}[/]" if style else r["verdict"])
        tables.append(table)
    return tables


def _caption(cpu: bool) -> str:
    """What the times are."""
    wall = "Wall: the invocations' summed spans per call (what a caller waits); B/A and verdicts are of wall"
    if not cpu:
        return wall + "; CPU time hidden to fit the terminal (--format csv has cpu_a_ns, cpu_b_ns)"
    return wall + "; CPU: their tiles' time on all threads per call"


def verdict_line(frame, failing: list[dict]) -> str:
    """The last line: what the comparison decided, and by which rule."""
    pct = frame.attrs.get("threshold", 0.05) * 100
    share = frame.attrs.get("min_share", 0.0) * 100
    units = sorted(set(frame["unit"])) if not frame.empty else []
    rule = (f"slower = B/A above 1 with q < {1 - frame.attrs.get('level', 0.95):.2f} and more than "
            f"{pct:g}% slower; groups under {share:g}% of A's time do not count; "
            f"units: {', '.join(units) or '-'}")
    if failing:
        worst = max(failing, key=lambda r: r["ratio"])
        return (f"verdict: SLOWER ({len(failing)} significantly slower; worst {worst['run']} "
                f"{_short(worst['group'], 60)} ×{worst['ratio']:.3f})\n  ({rule})")
    unjudged = [] if frame.empty else list(frame.loc[(frame["how"] == "total")
                                                      & (frame["verdict"] == "n/a"), "run"])
    if unjudged:
        return (f"verdict: no significant slowdown above {pct:g}% among the dispatches judged; "
                f"the total of {len(unjudged)} run(s) could not be judged (one run a side: "
                f"rerun with --repeat 5 or more)\n  ({rule})")
    return f"verdict: no significant slowdown above {pct:g}%\n  ({rule})"
