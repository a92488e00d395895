"""Dispatch invocations: the rules on small made-up timelines, then the real fixtures
against the HAL profile recorded in the same process."""

from __future__ import annotations

import numpy as np
import pytest

import irtools
from irtools.trace.invocations import (
    CB_BARRIER,
    CB_BEGIN,
    CB_DISPATCH,
    CB_END,
    EXECUTE,
    INLINE,
    INVOKE,
    REGION,
    TILE,
    Zones,
    find_invocations,
    function_wall,
)
from irtools.trace.ireeprof import profile_dispatches
from tests.helpers import TRACY, within

PREFILL = TRACY / "tfm_prefill_llvmcpu_task"
MLP_SYNC = TRACY / "mlp3_llvmcpu_sync"
NAMES = {1: "f_dispatch_0_x", 2: "f_dispatch_1_y", 3: "f_dispatch_2_z"}


def zones(*spec) -> Zones:
    """(thread, role, start, end[, name code]) -> Zones in the capture's row order (by
    thread, then start; an enclosing zone before what it holds)."""
    rows = sorted(spec, key=lambda z: (z[0], z[2], -z[3]))
    col = np.array([(*z[:4], z[4] if len(z) > 4 else 0) for z in rows], np.int64).reshape(-1, 5)
    return Zones(role=col[:, 1].astype(np.int8), code=col[:, 4].astype(np.int32),
                 start=col[:, 2], end=col[:, 3], thread=col[:, 0].astype(np.int32))


def found(*spec):
    inv = find_invocations(zones(*spec), NAMES.__getitem__)
    return [(inv.names[n], int(s), int(e), int(c), int(z), bool(a), bool(v))
            for n, s, e, c, z, a, v in zip(inv.name, inv.start, inv.end, inv.cpu, inv.zones,
                                          inv.ambiguous, inv.verified)], inv


def recording(*regions, thread=9, at=0):
    """A recorded command buffer: dispatch counts per region, barriers between them."""
    out, t = [(thread, CB_BEGIN, at, at + 1)], at + 2
    for n in regions:
        for _ in range(n):
            out.append((thread, CB_DISPATCH, t, t + 1))
            t += 2
        out.append((thread, CB_BARRIER, t, t + 1))
        t += 2
    return out + [(thread, CB_END, t, t + 1)]


def test_inline_dispatches_are_their_brackets():
    """local-sync: one bracket per invocation, one zone per tile, even back to back; the
    span is the bracket's (set-up included), and so is the CPU time: one thread ran it."""
    rows, inv = found(
        (0, INLINE, 100, 200), (0, TILE, 110, 130, 1), (0, TILE, 130, 150, 1),
        (0, TILE, 150, 190, 1),
        (0, INLINE, 210, 300), (0, TILE, 220, 290, 1))
    assert rows == [("f_dispatch_0_x", 100, 200, 100, 3, False, True),
                    ("f_dispatch_0_x", 210, 300, 90, 1, False, True)]
    assert inv.tiles.tolist() == [3, 1]


def test_a_region_on_two_workers_is_one_invocation():
    rows, _ = found(
        *recording(1, 1), (9, EXECUTE, 50, 60),
        (0, REGION, 100, 200), (0, TILE, 105, 150, 1), (0, TILE, 150, 190, 1),
        (1, REGION, 102, 198), (1, TILE, 110, 197, 1),
        (0, REGION, 210, 300), (0, TILE, 220, 260, 2),
        (1, REGION, 205, 290), (1, TILE, 215, 280, 2))
    assert rows == [("f_dispatch_0_x", 105, 197, 172, 3, False, True),
                    ("f_dispatch_1_y", 215, 280, 105, 2, False, True)]


def test_concurrent_commands_of_one_executable_split_in_start_order():
    """Q, K, V: three commands of one executable in one region; each worker takes a
    command's batches after all of the previous one's were claimed."""
    rows, _ = found(
        *recording(3), (9, EXECUTE, 50, 60),
        (0, REGION, 100, 400), (1, REGION, 100, 400),
        (0, TILE, 110, 200, 1), (1, TILE, 112, 210, 1),   # command 0
        (0, TILE, 205, 300, 1), (1, TILE, 215, 310, 1),   # command 1
        (0, TILE, 305, 390, 1), (1, TILE, 315, 395, 1))   # command 2
    assert [(s, e) for _, s, e, *_ in rows] == [(110, 210), (205, 310), (305, 395)]
    assert {(n, z, a, v) for n, _, _, _, z, a, v in rows} == {("f_dispatch_0_x", 2, False, True)}


def test_without_the_recording_a_region_is_one_invocation_and_unchecked():
    rows, inv = found(
        (0, REGION, 100, 400), (1, REGION, 100, 400),
        (0, TILE, 110, 200, 1), (1, TILE, 112, 210, 1),
        (0, TILE, 205, 300, 1), (1, TILE, 215, 310, 1))
    assert [(n, s, e, z, v) for n, s, e, _, z, _, v in rows] == [
        ("f_dispatch_0_x", 110, 310, 4, False)]
    assert "not checked" in inv.notes[0]


def test_a_worker_that_sees_a_name_twice_proves_two_commands():
    """Commands x, y, x in one region: a worker passes x, then y, then x again."""
    rows, _ = found(
        *recording(3), (9, EXECUTE, 50, 60),
        (0, REGION, 100, 400), (1, REGION, 100, 400),
        (0, TILE, 110, 150, 1), (0, TILE, 160, 200, 2), (0, TILE, 210, 260, 1),
        (1, TILE, 111, 149, 1), (1, TILE, 155, 205, 2), (1, TILE, 215, 255, 1))
    assert [(n, s, e, a) for n, s, e, _, _, a, _ in rows] == [
        ("f_dispatch_0_x", 110, 150, False), ("f_dispatch_1_y", 155, 205, False),
        ("f_dispatch_0_x", 210, 260, False)]


def test_a_region_the_names_cannot_explain_is_flagged():
    """Three commands recorded, two names seen once each: one of them ran twice, but
    which cannot be told."""
    rows, _ = found(
        *recording(3), (9, EXECUTE, 50, 60),
        (0, REGION, 100, 400), (1, REGION, 100, 400),
        (0, TILE, 110, 150, 1), (0, TILE, 160, 200, 2),
        (1, TILE, 111, 190, 1), (1, TILE, 195, 260, 2))
    assert [(n, a) for n, _, _, _, _, a, _ in rows] == [("f_dispatch_0_x", True),
                                                        ("f_dispatch_1_y", True)]


def test_executions_take_the_recording_of_their_shape():
    """Two command buffers recorded (a 1-region one and a 2-region one); each execution
    is matched by its number of regions."""
    spec = [*recording(2, 1, at=0), *recording(1, at=40), (9, EXECUTE, 100, 101),
            (0, REGION, 110, 200), (0, TILE, 120, 140, 1), (0, TILE, 140, 160, 1),
            (0, REGION, 210, 300), (0, TILE, 220, 250, 2),
            (9, EXECUTE, 400, 401),
            (0, REGION, 410, 500), (0, TILE, 420, 450, 3)]
    rows, _ = found(*spec)
    assert [(n, s, e) for n, s, e, *_ in rows] == [
        ("f_dispatch_0_x", 120, 140), ("f_dispatch_0_x", 140, 160),
        ("f_dispatch_1_y", 220, 250), ("f_dispatch_2_z", 420, 450)]
    assert all(v and not a for *_, a, v in rows)


def test_inline_dispatches_without_named_tiles_are_counted_as_unnamed():
    """vmvx on local-sync: the inline dispatch zone holds only VM zones with stale names."""
    rows, inv = found((0, INLINE, 100, 200), (0, INLINE, 300, 350),
                      (0, INLINE, 400, 500), (0, TILE, 410, 490, 1))
    assert [n for n, *_ in rows] == ["f_dispatch_0_x"]
    assert inv.unnamed == (2, 150)


def test_no_structure_falls_back_to_runs_of_one_name():
    rows, _ = found(
        (0, TILE, 100, 150, 1), (1, TILE, 110, 160, 1), (0, TILE, 170, 200, 2),
        (1, TILE, 210, 230, 1))
    assert [(n, s, e, z, v) for n, s, e, _, z, _, v in rows] == [
        ("f_dispatch_0_x", 100, 160, 2, False), ("f_dispatch_1_y", 170, 200, 1, False),
        ("f_dispatch_0_x", 210, 230, 1, False)]


def test_function_wall_counts_only_top_level_calls():
    zs = zones((0, INVOKE, 100, 200), (0, INVOKE, 120, 150), (0, INVOKE, 300, 350),
               (1, INVOKE, 110, 130))
    assert function_wall(zs) == 100 + 50 + 20


def test_empty_capture_gives_no_invocations():
    rows, inv = found((0, REGION, 100, 200))
    assert rows == [] and len(inv) == 0


# ---- the real captures ---------------------------------------------------------

@pytest.mark.parametrize("capture", ["tfm_prefill_llvmcpu_task", "mlp3_llvmcpu_sync",
                                     "tfm_decode_vmvx_task", "matmul_llvmcpu_task"])
def test_c_selection_equals_numpy(capture):
    """The zones picked through the C grouping pass equal the numpy path's."""
    from irtools.trace import invocations as mod
    from irtools.trace.model import Trace

    assert mod._groups is not None, "the C extension must be built for this test to mean anything"
    trace = Trace.open(TRACY / f"{capture}.tracy", tree=False)
    fast, slow = mod.gather(trace), mod.gather(trace, fast=False)
    assert np.count_nonzero(fast.role == TILE) or capture.endswith("vmvx_task")
    for field in vars(fast):
        np.testing.assert_array_equal(getattr(fast, field), getattr(slow, field), err_msg=field)


def _by_name(inv):
    out = {}
    for i, name in enumerate(inv.names):
        mine = inv.name == i
        out[name] = (int(mine.sum()), int(inv.wall[mine].sum()), sorted(inv.wall[mine]))
    return out


@pytest.mark.parametrize("capture", [PREFILL, MLP_SYNC])
def test_fixture_invocations_match_the_profile_events(capture):
    """The Tracy estimate against `iree-profile dispatch --dispatch_events` of the same run:
    every invocation found, each span within 1% + 10 µs (Q, K, V included on local-task)."""
    from irtools.trace.invocations import tracy_invocations
    from irtools.trace.model import Trace

    estimate = tracy_invocations(Trace.open(f"{capture}.tracy"))
    assert not estimate.ambiguous.any() and estimate.verified.all()
    exact = profile_dispatches(f"{capture}.iree-profile-dispatch-events.jsonl")
    mine, theirs = _by_name(estimate), _by_name(exact)
    assert set(theirs) <= set(mine)
    for name, (count, wall, spans) in theirs.items():
        assert mine[name][0] == count, name
        assert within(mine[name][1], wall), name
        assert all(within(a, b) for a, b in zip(mine[name][2], spans)), name


def test_profile_events_and_aggregates_give_the_same_table():
    events = irtools.hotspots(f"{PREFILL}.tracy", by="dispatch",
                              profile=f"{PREFILL}.iree-profile-dispatch-events.jsonl")
    aggregate = irtools.hotspots(f"{PREFILL}.tracy", by="dispatch",
                                 profile=f"{PREFILL}.iree-profile-dispatch.jsonl")
    cols = ["name", "invocations", "wall_ns", "wall_mean_ns", "wall_min_ns", "wall_max_ns",
            "cpu_ns", "tiles", "timing"]
    assert events[cols].equals(aggregate[cols])
    # Only per-invocation events give the median and p90.
    profiled = aggregate["timing"] == "profile"
    assert aggregate.loc[profiled, "wall_median_ns"].isna().all()
    assert events["wall_median_ns"].notna().all()
    # The QKV dispatch: 3 per layer, 2 layers.
    qkv = events[events["name"] == "prefill_dispatch_1_matmul_64x256x256_f32"].iloc[0]
    assert qkv["invocations"] == 6 and qkv["tiles"] == 16


@pytest.mark.iree
def test_a_bundle_is_read_through_iree_profile():
    live = irtools.hotspots(f"{PREFILL}.tracy", by="dispatch", profile=f"{PREFILL}.ireeprof")
    saved = irtools.hotspots(f"{PREFILL}.tracy", by="dispatch",
                             profile=f"{PREFILL}.iree-profile-dispatch-events.jsonl")
    assert live.equals(saved)


def test_wall_cpu_and_parallelism_say_different_things():
    """On local-task the tiles of one invocation run on both workers: CPU time exceeds
    wall time, and the two rankings differ."""
    h = irtools.hotspots(f"{PREFILL}.tracy", by="dispatch")
    assert (h["cpu_ns"] >= h["wall_ns"] * 0.99).all()
    assert (h["parallelism"] > 1.2).any() and (h["parallelism"] <= 2.01).all()
    assert h["wall_ns"].is_monotonic_decreasing
    by_cpu = irtools.hotspots(f"{PREFILL}.tracy", by="dispatch", sort="cpu")
    assert by_cpu["cpu_ns"].is_monotonic_decreasing
    assert by_cpu["name"].tolist() != h["name"].tolist()
    # Shares are of the function's wall time (its iree_vm_invoke zone).
    assert h.attrs["function_wall_ns"] == 22_540_709
    assert h["share"].tolist() == pytest.approx((100 * h["wall_ns"] / 22_540_709).tolist())


def test_thread_and_dispatch_do_not_mix():
    with pytest.raises(irtools.IrtoolsError, match="invocation spans the worker threads"):
        irtools.hotspots(f"{PREFILL}.tracy", by="dispatch", thread=1)


def test_a_profile_needs_the_dispatch_view():
    with pytest.raises(irtools.IrtoolsError, match="dispatch view"):
        irtools.hotspots(f"{PREFILL}.tracy", by="name", profile=f"{PREFILL}.ireeprof")


def test_consuming_lets_the_zones_go_and_gives_the_same_table():
    from irtools.trace.hotspots import rank
    from irtools.trace.model import Trace

    kept = rank(Trace.open(f"{PREFILL}.tracy"), by="dispatch").to_pandas()
    trace = Trace.open(f"{PREFILL}.tracy")
    consumed = rank(trace, by="dispatch", consume=True).to_pandas()
    assert kept.equals(consumed)
    assert trace.data.zones.start is None and trace.data.zones.end is None


def test_unnamed_tiles_are_counted_for_the_note():
    vmvx = TRACY / "tfm_decode_vmvx_task.tracy"
    h = irtools.hotspots(vmvx, by="dispatch")
    from irtools.trace.hotspots import vmvx_warning

    assert h.attrs["warning"] == vmvx_warning(irtools.open_trace(vmvx))
