"""Why a dispatch is slow, for one run: its work, % of the ceiling, codegen facts, layers.

Joins what a run directory holds (the dispatch table of `hotspots --by dispatch`,
the executable sources, the configurations and intermediates dumps, the VM
listing) with the ceilings `irtools peak` measured for the run's target and
device. The ceilings are read from the cache, never measured here: a
measurement takes a minute and wants an idle machine.
"""

from __future__ import annotations

from irtools.analysis import roofline
from irtools.analysis.layers import layer_table

FACT_COLUMNS = ["origins", "pipeline", "ukernels", "vector_bits", "vector_fma", "scalar_fma",
                "vector_arith", "scalar_arith", "tile_sizes"]


def run_workers(run) -> int:
    from irtools.analysis.peak import default_workers

    return default_workers(run.device, run.entry.get("command") or ())


def run_ceilings(run):
    """The cached ceilings of the run's target and device (None if not measured yet)."""
    from irtools.analysis.peak import cached
    from irtools.run.targets import parse_target

    target = parse_target(f"{run.backend}@{run.device}")
    return cached(target, run_workers(run))


def peak_command(run) -> str:
    target = run.backend if run.device in ("local-task", "vulkan") else f"{run.backend}@{run.device}"
    workers = run_workers(run)
    extra = f" --workers {workers}" if run.device == "local-task" else ""
    return f"irtools peak --target {target}{extra}"


def run_works(run, progress=None) -> dict:
    from irtools.analysis.work import analyze_sources

    if run.sources is None or not run.sources.is_dir():
        return {}
    return analyze_sources(run.sources, progress=progress)


def run_sites(run) -> dict:
    from irtools.analysis.sites import sites_by_dispatch

    return sites_by_dispatch(run.listing, run.function) if run.listing is not None else {}


def run_site_weights(run, sites) -> dict:
    """Each dispatch site's executions' time, from the run's HAL profile ({} without
    one): how a dispatch's time in the dispatch table divides among its sites.

    Cached by the profile's size and mtime: a long run's profile holds millions of events."""
    from irtools import cache
    from irtools.analysis.layers import site_weights

    if run.profile is None or not sites:
        return {}

    def compute():
        from irtools.trace.ireeprof import dispatch_events

        return site_weights(dispatch_events(run.profile), sites)

    return cache.cached(run.profile, "site-weights", (str(run.listing), run.function), compute)


def explain(run, frame, *, ceilings=..., progress=None):
    """Add work, roofline and codegen columns to a run's dispatch table.

    `frame`: one row per dispatch with name, invocations and wall_ns (what
    `run_hotspots(run, by="dispatch")` returns). `ceilings`: a `Ceilings`, None
    for none, or (default) the cached ones of the run's target.
    """
    from irtools.analysis.codegen import codegen_facts

    if ceilings is ...:
        ceilings = run_ceilings(run)
    works = run_works(run, progress)
    frame = roofline.add_roofline(frame, works, ceilings)
    facts = codegen_facts(run.configs, run.intermediates, names=list(frame["name"]))
    sites = run_sites(run)
    weights = run_site_weights(run, sites)
    rows = [{**_fact_row(facts.get(n)),
             "origins": origins_text(works.get(n), sites.get(n), weights.get(n))}
            for n in frame["name"]]
    for col in FACT_COLUMNS:
        frame[col] = [r[col] for r in rows]
    frame.attrs.update(explained=True, ceilings=ceilings,
                       peak_command=None if ceilings is not None else peak_command(run),
                       has_sources=bool(works), has_codegen=bool(facts))
    return frame


def origins_text(work, sites, weights=None, most: int = 6) -> str | None:
    """`model.layers.0.self_attn.q_proj 17%; ...`: where a dispatch's time goes."""
    from irtools.analysis.layers import NO_SOURCE, dispatch_shares

    shares = dispatch_shares(work, None, sites, weights)
    if list(shares) == [NO_SOURCE]:
        return None
    ranked = sorted(shares.items(), key=lambda kv: -kv[1])
    text = "; ".join(f"{label} {100 * share:.0f}%" for label, share in ranked[:most])
    return text + (f"; {len(ranked) - most} more" if len(ranked) > most else "")


def _fact_row(f) -> dict:
    row = dict.fromkeys(FACT_COLUMNS)
    if f is None:
        return row
    row["pipeline"] = f.pipeline
    row["ukernels"] = ",".join(f.ukernels) or None
    row["tile_sizes"] = "; ".join(f"{op}: {cfg}" for op, cfg in f.lowering) or None
    if f.asm is not None:
        for col in ("vector_bits", "vector_fma", "scalar_fma", "vector_arith", "scalar_arith"):
            row[col] = getattr(f.asm, col)
    return row


def layers(run, frame, *, depth: int | None = None, progress=None):
    """A run's dispatch times rolled up by model layer (see `layers.py`)."""
    sites = run_sites(run)
    return layer_table(frame, run_works(run, progress), sites=sites,
                       weights=run_site_weights(run, sites), depth=depth)
