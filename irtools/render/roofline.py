"""Tables of the roofline: the measured ceilings, per-dispatch explanations, layers."""

from __future__ import annotations

import math

from rich.table import Table

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
    """Per dispatch: time, work, achieved rates, ceiling, and what the compiler did."""
    table = Table(title=title, title_justify="left", header_style="bold", box=None,
                  pad_edge=False, width=width)
    for head, justify in (("Dispatch", "left"), ("Wall/inv", "right"), ("GFLOP", "right"),
                          ("MB", "right"), ("FLOP/B", "right"), ("GFLOP/s", "right"),
                          ("GB/s", "right"), ("Bound", "left"), ("% ceil", "right"),
                          ("Codegen", "left")):
        table.add_column(head, justify=justify, no_wrap=head != "Codegen",
                         overflow="fold" if head == "Codegen" else "ellipsis",
                         ratio=None if head != "Dispatch" else 1)
    for _, r in frame.iterrows():
        inv = r.get("invocations") or 0
        per = r["wall_ns"] / inv if inv else None
        pct = r.get("pct_of_ceiling")
        style = "" if pct is None or pct != pct else ("red" if pct > 100 else "green" if pct >= 50 else "")
        table.add_row(
            str(r["name"]), human_ns(per) if per else "-",
            _num(r["flops"] / 1e9 if r["flops"] is not None else None, "{:.3f}"),
            _num(r["bytes"] / 1e6 if r["bytes"] is not None else None, "{:.2f}"),
            _num(r["intensity"]), _num(r["gflops"]), _num(r["gbps"]),
            r["bound"] or ("dynamic" if r.get("work_note", "").startswith("dynamic") else "-"),
            f"[{style}]{_num(pct, '{:.0f}%')}[/]" if style else _num(pct, "{:.0f}%"),
            r.get("codegen") or "")
    return table


def codegen_summary(facts) -> str:
    """One line: pipeline, ukernels, vector width and FMA counts."""
    if facts is None:
        return ""
    parts = []
    if facts.pipeline:
        parts.append(facts.pipeline + (f" {{{facts.pipeline_options}}}" if facts.pipeline_options else ""))
    if facts.ukernels:
        parts.append("ukernels " + ",".join(u.replace("iree_uk_", "") for u in facts.ukernels))
    a = facts.asm
    if a is not None:
        width = "scalable" if a.vector_bits < 0 else f"{a.vector_bits}-bit" if a.vector_bits else "no vectors"
        parts.append(f"{width}: {a.vector_fma} vector FMA, {a.scalar_fma} scalar FMA, "
                     f"{a.vector_arith} vector / {a.scalar_arith} scalar arith")
    return "; ".join(parts)


def tile_sizes(facts) -> list[str]:
    """`op: lowering_config` lines, the tile sizes per level."""
    return [f"{op}: {cfg}" for op, cfg in (facts.lowering if facts else [])]


def layer_table(frame, *, title=None, time="wall_ns") -> Table:
    table = Table(title=title, title_justify="left", header_style="bold", box=None,
                  pad_edge=False)
    for head, justify in (("Layer", "left"), ("Wall", "right"), ("Share", "right"),
                          ("Dispatches", "right")):
        table.add_column(head, justify=justify, no_wrap=True)
    for _, r in frame.iterrows():
        table.add_row(str(r["layer"]), human_ns(r[time]), f"{r['share']:.1f}%", str(r["dispatches"]))
    return table
