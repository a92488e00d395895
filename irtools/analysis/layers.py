"""Time by model layer: dispatch times rolled up by the model ops they came from.

Where a dispatch's time goes, in order of preference:

1. Its dispatch sites (`sites.py`, from the run's VM listing): one executable
   may run at many places (the q, k and v projections of every layer), each
   with the location of the model op it came from. With the run's HAL profile
   each site's share is in proportion to its own executions' time
   (`site_times`); without, the sites in the function that ran share equally,
   as each runs the same code on the same shapes.
2. With one site, or no listing, the ops of its executable source: each op
   keeps the location of the model op it came from (and so does each op of a
   body into which the compiler fused an elementwise producer), and the
   dispatch's time is split among them in proportion to their FLOPs (equally
   among its ops when it has none, as a copy). A dispatch fused across two
   layers so gives each the part its FLOPs account for. Without a listing a deduplicated executable's source
   names only its first site: its time all goes there.

A location with several origins (a fused location) splits its share equally
among them. Names come from `locations.origins`; `depth` cuts name paths to
their first parts (`model.layers.3` at depth 3). Only fractions come from here:
the time shared is the dispatch table's (`hotspots --by dispatch`, exact from
the HAL profile), so rows sum to the total of the dispatches rolled up.
"""

from __future__ import annotations

from irtools.analysis.locations import origins, prefix

UNKNOWN = "(no location)"
NO_SOURCE = "(no source)"


def _labels(loc: str, depth: int | None) -> list[str]:
    return list(dict.fromkeys(prefix(o, depth) for o in origins(loc))) or [UNKNOWN]


def _add(shares: dict, labels: list[str], weight: float):
    for label in labels:
        shares[label] = shares.get(label, 0.0) + weight / len(labels)


def site_times(events, sites) -> list[float] | None:
    """The wall time of each of a function's dispatch sites (in program order), from
    the dispatch events of its HAL profile; None if no execution could be matched.

    Each execution of the function records its command buffer in program order, so
    its dispatches, sorted by command index, are the sites in order. A function run
    as several command buffers matches where its dispatches are one unique run of
    consecutive sites.
    """
    wanted = [s.dispatch for s in sites]
    groups: dict[tuple, list] = {}
    for e in events:  # an iterable: a long run's events are streamed, only 3 fields kept
        groups.setdefault((e.get("submission_id"), e.get("command_buffer_id")), []).append(
            (e.get("command_index", 0), e["key"], e.get("duration_ns", 0)))
    totals, matched = [0.0] * len(sites), 0
    placed: dict[tuple, list[int]] = {}  # a long run repeats the same few command buffers
    for group in groups.values():
        group.sort(key=lambda e: e[0])
        keys = tuple(e[1] for e in group)
        starts = placed.get(keys)
        if starts is None:
            starts = placed[keys] = [o for o in range(len(wanted) - len(keys) + 1)
                                     if tuple(wanted[o:o + len(keys)]) == keys]
        if len(starts) != 1:
            continue
        for i, e in enumerate(group, starts[0]):
            totals[i] += e[2]
        matched += 1
    return totals if matched else None


def site_weights(events, sites) -> dict[str, list[float]]:
    """{dispatch: the wall time of each of its sites}, for `dispatch_shares`."""
    ordered = [s for group in sites.values() for s in group]
    order = sorted(range(len(ordered)), key=lambda i: ordered[i].index)
    ordered = [ordered[i] for i in order]
    times = site_times(events, ordered)
    if times is None:
        return {}
    out: dict[str, list[float]] = {}
    for site, t in zip(ordered, times):
        out.setdefault(site.dispatch, []).append(t)
    return out


def dispatch_shares(work, depth: int | None = None, sites=None, weights=None) -> dict[str, float]:
    """How a dispatch's time divides among layers: {label: fraction}, summing to 1.

    `work`: its `DispatchWork` (or None); `sites`: its `Site`s in the function run;
    `weights`: the time of each site (else they share equally)."""
    shares: dict[str, float] = {}
    if sites and (len(sites) > 1 or work is None or not work.ops):
        total = sum(weights) if weights and len(weights) == len(sites) else 0
        for i, site in enumerate(sites):
            part = weights[i] / total if total > 0 else 1.0 / len(sites)
            _add(shares, _labels(site.loc, depth), part)
        return shares
    if work is None:
        return {NO_SOURCE: 1.0}
    if not work.ops:
        _add(shares, _labels(work.loc, depth), 1.0)
        return shares
    weights = []
    for op in work.ops:
        own = op.flops or 0
        for loc, flops in op.flops_by_loc.items():  # fused ops that kept their names
            weights.append((loc, flops))
            own -= flops
        weights.append((op.loc, max(own, 0)))
    total = sum(w for _, w in weights)
    if total <= 0:
        weights, total = [(op.loc, 1) for op in work.ops], len(work.ops)
    for loc, weight in weights:
        if weight > 0:
            _add(shares, _labels(loc, depth), weight / total)
    return shares


def layer_table(frame, works: dict, *, sites: dict | None = None, weights: dict | None = None,
                depth: int | None = None, name="name", time="wall_ns"):
    """Roll a dispatch table (one row per dispatch, its `time`) up by layer:
    columns layer, `time`, share (% of the dispatches' total), dispatches."""
    import pandas as pd

    sites, weights = sites or {}, weights or {}
    acc: dict[str, dict] = {}
    for n, t in zip(frame[name], frame[time]):
        t = 0.0 if t is None or t != t else float(t)
        for label, fraction in dispatch_shares(works.get(n), depth, sites.get(n),
                                               weights.get(n)).items():
            row = acc.setdefault(label, {"layer": label, time: 0.0, "dispatches": 0})
            row[time] += t * fraction
            row["dispatches"] += 1
    out = pd.DataFrame(list(acc.values()), columns=["layer", time, "dispatches"])
    total = out[time].sum()
    out["share"] = 100.0 * out[time] / total if total else 0.0
    out = out.sort_values(time, ascending=False, kind="stable").reset_index(drop=True)
    out.attrs.update(frame.attrs, by="layer", depth=depth)
    return out
