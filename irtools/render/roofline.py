"""Tables of the roofline: the measured ceilings, per-dispatch explanations, layers."""

from __future__ import annotations

import math

from rich.table import Table

from irtools.trace.dispatch import short_label
from irtools.units import human_bytes, human_ns


def _num(value, fmt="{:.1f}") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return fmt.format(value)


def ceilings_table(ceilings, cache_path=None) -> Table:
    c = ceilings
    workers = f"{c.workers} worker{'s' if c.workers != 1 else ''}"
    table = Table(title=f"{c.target} on {c.device} ({workers}): measured {c.measured}, "
                        f"{c.seconds:.0f} s, load {' -> '.join(f'{x:g}' for x in c.load)}",
                  title_justify="left", header_style="bold", box=None, pad_edge=False)
    table.add_column("Ceiling")
    table.add_column("Best", justify="right")
    table.add_column("Kernel")
    best = {}
    for k in c.kernels:
        rate = (k["flops"] if k["kind"] == "compute" else k["bytes"]) / (k["best_ns"] * 1e-9)
        key = "compute" if k["kind"] == "compute" else k["footprint"]
        if key not in best or rate > best[key][0]:
            best[key] = (rate, k)
    rate, k = best.get("compute", (c.flops, None))
    table.add_row("compute (f32)", f"{c.flops / 1e9:.1f} GFLOP/s",
                  f"{k['name']} {k['variant']}, {k['runs']} runs" if k else "")
    for footprint, bandwidth in c.bandwidth:
        k = best.get(footprint, (0, None))[1]
        table.add_row(f"memory at {human_bytes(footprint)}", f"{bandwidth / 1e9:.1f} GB/s",
                      f"{k['name']}, {k['runs']} runs, median {human_ns(k['median_ns'])}" if k else "")
    if cache_path:
        table.caption = f"cached in {cache_path}"
        table.caption_justify = "left"
    return table


def explain_table(frame, *, title=None, width=None) -> Table:
    """Per dispatch: time per invocation, achieved rates, bound and % of ceiling, codegen.

    FLOPs, bytes and the codegen facts in full are in the details and in CSV/JSON."""
    table = Table(title=title, title_justify="left", header_style="bold", box=None,
                  pad_edge=False, width=width)
    for head, justify in (("Dispatch", "left"), ("Time/inv", "right"), ("Par.", "right"),
                          ("GFLOP/s", "right"), ("GB/s", "right"), ("FLOP/B", "right"),
                          ("Bound", "left"), ("%ceil", "right"), ("Codegen", "left")):
        table.add_column(head, justify=justify, no_wrap=True, overflow="ellipsis",
                         min_width=24 if head == "Dispatch" else None,
                         ratio=1 if head == "Codegen" else None)
    for _, r in frame.iterrows():
        per = r.get("invocation_ns")
        pct = r.get("pct_of_ceiling")
        style = "" if pct is None or pct != pct else ("red" if pct > 100 else "green" if pct >= 50 else "")
        pct_text = _num(pct, "{:.0f}%")
        table.add_row(
            short_label(str(r["name"])) or str(r["name"]), human_ns(per) if per is not None else "-",
            _num(r.get("parallelism")), _num(r["gflops"]),
            _num(r["gbps"]), _num(r["intensity"]),
            r["bound"] or ("dynamic" if "dynamic shapes" in str(r.get("work_note") or "") else "-"),
            f"[{style}]{pct_text}[/]" if style else pct_text, codegen_summary(r))
    return table


def codegen_summary(row, long: bool = False) -> str:
    """Pipeline, ukernels, vector width and FMA counts of an explained row."""
    parts = []
    if row.get("pipeline"):
        parts.append(str(row["pipeline"]))
    if row.get("ukernels"):
        parts.append("ukernels " + row["ukernels"].replace("iree_uk_", ""))
    bits = row.get("vector_bits")
    if bits is not None and bits == bits:
        bits = int(bits)
        width = "scalable" if bits < 0 else f"{bits}-bit" if bits else "scalar"
        if long:
            parts.append(f"{width} vectors: {int(row['vector_fma'])} vector FMA, "
                         f"{int(row['scalar_fma'])} scalar FMA, {int(row['vector_arith'])} vector "
                         f"and {int(row['scalar_arith'])} scalar add/mul/... (instructions in the code)")
        else:
            parts.append(f"{width} {int(row['vector_fma'])} vFMA")
    return "; ".join(parts)


def explain_details(frame, top: int = 3, *, names: bool = True) -> list:
    """The first `top` rows told at length: work, time, ceiling, origins, codegen, tiles."""
    from rich.text import Text

    blocks = []
    c = frame.attrs.get("ceilings")
    for _, r in frame.head(top).iterrows():
        t = Text()
        if names:
            t.append(f"\n{r['name']}\n", style="bold")
        inv = r.get("invocations") or 0
        if r["flops"] is not None or r["bytes"] is not None:
            t.append(f"  work     {_num(r['flops'] / 1e6 if r['flops'] is not None else None, '{:.3f}')} MFLOP, "
                     f"{human_bytes(r['bytes']) if r['bytes'] is not None else '-'} moved, "
                     f"{_num(r['intensity'])} FLOP/byte\n")
        if inv and r["gflops"] is not None:
            which = "median" if r.get("wall_median_ns") == r["invocation_ns"] else "mean"
            t.append(f"  achieved {_num(r['gflops'])} GFLOP/s, {_num(r['gbps'])} GB/s in "
                     f"{human_ns(r['invocation_ns'])} per invocation ({which} of {inv})\n")
        cpu = r.get("cpu_ns")
        if cpu is not None and cpu == cpu and r.get("wall_ns"):
            t.append(f"  threads  {human_ns(cpu)} CPU in {human_ns(r['wall_ns'])} wall: "
                     f"{_num(r.get('parallelism'))} workers busy on average"
                     f" ({r.get('timing') or '-'} timing)\n")
        pct = r.get("pct_of_ceiling")
        if pct is not None and pct == pct and c is not None:
            unit = "GFLOP/s" if r["bound"] == "compute" else "GB/s"
            t.append(f"  bound    {r['bound']}: {pct:.1f}% of {r['ceiling']:.1f} {unit} "
                     f"({c.target} on {c.device}, {c.workers} worker{'s' if c.workers != 1 else ''})\n")
        if r.get("work_note"):
            t.append(f"  note     {r['work_note']}\n")
        if r.get("origins"):
            t.append(f"  from     {r['origins']}\n")
        summary = codegen_summary(r, long=True)
        if summary:
            t.append(f"  codegen  {summary}\n")
        for line in (r.get("tile_sizes") or "").split("; "):
            if line:
                t.append(f"  tiles    {line}\n", style="dim")
        blocks.append(t)
    return blocks


def layer_table(frame, *, title=None, time="wall_ns") -> Table:
    # As wide as its title: a table of short names would otherwise wrap it.
    table = Table(title=title, title_justify="left", header_style="bold", box=None,
                  pad_edge=False, min_width=len(title) if title else None)
    for head, justify in (("Layer", "left"), ("Wall", "right"), ("Share", "right"),
                          ("Dispatches", "right")):
        table.add_column(head, justify=justify, no_wrap=True)
    for _, r in frame.iterrows():
        table.add_row(str(r["layer"]), human_ns(r[time]), f"{r['share']:.1f}%", str(r["dispatches"]))
    return table
