"""IREE HAL profiles (`.ireeprof`): each dispatch execution as IREE itself measured it.

The bundle is read through IREE's own `iree-profile dispatch --format=jsonl
--dispatch_events`, a line at a time (a long benchmark's profile holds millions
of events). That JSONL can be given directly too, and so can the aggregate
output (without `--dispatch_events`), which has no per-execution times.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from irtools._io import refuse_special
from irtools.errors import ProfileError, json_kind

if TYPE_CHECKING:
    from irtools.trace.invocations import Invocations

GROUP_TYPES = ("host_dispatch_group", "dispatch_group")
EVENT_TYPES = ("host_dispatch_event", "dispatch_event")
JSONL = "iree-profile dispatch --format=jsonl output"
# The fields irtools reads, which must be whole numbers >= 0 where present.
_COUNTS = {
    "group": ("count", "total_ns", "min_ns", "max_ns", "total_tile_count",
              "total_tile_duration_sum_ns"),
    "event": ("duration_ns", "start_host_time_ns", "start_tick", "tile_count",
              "tile_duration_sum_ns"),
}


def _raw_lines(path: str) -> Iterator[tuple[bytes, str]]:
    """(line, where) of the profile's JSONL: the file itself, or iree-profile's output on
    the bundle, as it comes."""
    import subprocess
    import tempfile

    with open(path, "rb") as f:
        head = f.read(1)
        if head == b"{":
            f.seek(0)
            for raw in f:
                yield raw, ""
            return
    from irtools import driver

    argv = [driver.find_tool("iree-profile"), "dispatch", "--format=jsonl",
            "--dispatch_events", path]
    # stderr to a file: a full stderr pipe would stall the tool while stdout is read.
    with tempfile.TemporaryFile("w+b") as err:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err,
                                stdin=subprocess.DEVNULL)
        assert proc.stdout is not None
        try:
            for raw in proc.stdout:
                yield raw, " of iree-profile's output"
        finally:
            proc.stdout.close()
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        if proc.returncode != 0:
            from irtools import driver

            err.seek(0)
            tail = driver.tail(err.read().decode("utf-8", "replace"))
            raise ProfileError(f"iree-profile cannot read it: {tail or proc.returncode}",
                               path=path,
                               expected="a .ireeprof bundle written by --device_profiling_output",
                               fix="record the profile again, or pass iree-profile's JSONL")


def records(path: str | os.PathLike[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, record) of a profile: a .ireeprof bundle or iree-profile's JSONL.

    Each line must be a JSON object; a dispatch group or event must have a text
    `key` and whole, non-negative counts and times. A line that is not gives a
    ProfileError with its number."""
    path = os.fspath(path)
    refuse_special(path, ProfileError)
    if not os.path.isfile(path):
        raise ProfileError("no such file", path=path, fix="pass a .ireeprof bundle")
    if os.path.getsize(path) == 0:
        raise ProfileError("the file is empty", path=path,
                           expected="a .ireeprof bundle or " + JSONL)
    for number, (raw, where) in enumerate(_raw_lines(path), 1):
        if raw.strip():
            yield number, _record(raw, path, number, where)


def profile_records(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """All the records of a profile (see `records`)."""
    return [r for _, r in records(path)]


def _record(raw: bytes, path: str, number: int, where: str) -> dict[str, Any]:
    def bad(problem: str) -> ProfileError:
        return ProfileError(problem + where, path=path, line=number, expected=JSONL)

    try:
        record = json.loads(raw)
    except UnicodeDecodeError:
        raise bad("not UTF-8 text") from None
    except json.JSONDecodeError as err:
        raise bad(f"not JSON: {err.msg}") from None
    if not isinstance(record, dict):
        raise bad(f"{json_kind(record)}, not an object")
    kind = record.get("type")
    fields = _COUNTS["group"] if kind in GROUP_TYPES else \
        _COUNTS["event"] if kind in EVENT_TYPES else ()
    if fields and not isinstance(record.get("key"), str):
        raise bad(f"a {kind} without a text 'key'")
    for name in fields:
        value = record.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise bad(f"'{name}' is {json.dumps(value)[:40]}, not a whole number >= 0")
    if kind in EVENT_TYPES:
        wg = record.get("workgroup_count", [])
        if not isinstance(wg, list) or not all(isinstance(n, int) and not isinstance(n, bool)
                                               and n >= 0 for n in wg):
            raise bad(f"'workgroup_count' is {json.dumps(wg)[:40]}, not a list of counts")
    return record


def is_execution(record: dict[str, Any]) -> bool:
    """A dispatch execution the profile timed (not a group, not one it marked invalid)."""
    return record.get("type") in EVENT_TYPES and record.get("valid") is not False


def dispatch_events(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """The dispatch executions of a profile as records, in the file's order: the
    ones `profile_dispatches` times, with their command buffer and command index."""
    for _, r in records(path):
        if is_execution(r):
            yield r


def profile_dispatches(path: str | os.PathLike[str], *,
                       empty_ok: bool = False) -> Invocations | dict[str, dict[str, Any]]:
    """Every dispatch execution a HAL profile recorded, as `Invocations` (source "profile").

    From `iree-profile dispatch --format=jsonl --dispatch_events`: per execution its
    start and end (host time on CPU devices), its workgroup count and the summed
    time of its tiles on all workers (none on a GPU: -1). JSONL without events (the
    aggregate output) gives per-dispatch aggregates instead (see `aggregate_rows`).
    A profile without any dispatch is an error, unless `empty_ok` (a function that
    dispatches nothing): then no invocations.
    """
    import numpy as np

    from irtools.trace.invocations import Invocations

    path = os.fspath(path)
    names: dict[str, int] = {}
    cols: dict[str, list[int]] = {k: [] for k in ("name", "start", "end", "cpu", "tiles")}
    groups: list[dict[str, Any]] = []
    for _, r in records(path):
        kind = r.get("type")
        if kind in GROUP_TYPES:
            groups.append(r)
            continue
        if not is_execution(r):
            continue
        duration = r.get("duration_ns", 0)
        start = r["start_host_time_ns"] if "start_host_time_ns" in r else r.get("start_tick", 0)
        tiles = 1
        for n in r.get("workgroup_count") or [-1]:
            tiles *= n
        cols["name"].append(names.setdefault(r["key"], len(names)))
        cols["start"].append(start)
        cols["end"].append(start + duration)
        cols["cpu"].append(r.get("tile_duration_sum_ns", -1))
        cols["tiles"].append(tiles)
    if not cols["name"]:
        if groups:
            return aggregate_rows(groups)
        if not empty_ok:
            raise ProfileError("the profile has no dispatch records", path=path,
                               fix="record it with --device_profiling_mode=host-execution "
                                   "(local devices) or dispatch-events (vulkan)")
    arrays = {k: np.asarray(v, np.int64) for k, v in cols.items()}
    order = np.argsort(arrays["start"], kind="stable")
    n = len(order)
    return Invocations(names=list(names), name=arrays["name"][order],
                       start=arrays["start"][order], end=arrays["end"][order],
                       cpu=arrays["cpu"][order], zones=np.zeros(n, np.int64),
                       tiles=arrays["tiles"][order], ambiguous=np.zeros(n, bool),
                       verified=np.ones(n, bool), source="profile")


def aggregate_rows(groups: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per-dispatch aggregates of `iree-profile dispatch --format=jsonl` (no events):
    name -> invocations, wall_ns, wall_min_ns, wall_max_ns, cpu_ns, tiles. A dispatch
    recorded on several devices or executables is summed."""
    out: dict[str, dict[str, Any]] = {}
    for r in groups:
        row = out.setdefault(r["key"], {"invocations": 0, "wall_ns": 0, "cpu_ns": 0, "tiles": 0,
                                        "wall_min_ns": None, "wall_max_ns": 0})
        row["invocations"] += r.get("count", 0)
        row["wall_ns"] += r.get("total_ns", 0)
        if "total_tile_duration_sum_ns" in r and row["cpu_ns"] is not None:
            row["cpu_ns"] += r["total_tile_duration_sum_ns"]
        else:
            row["cpu_ns"] = None  # a GPU's dispatches have no CPU time
        row["tiles"] += r.get("total_tile_count", 0)
        low = r.get("min_ns", 0)
        row["wall_min_ns"] = low if row["wall_min_ns"] is None else min(row["wall_min_ns"], low)
        row["wall_max_ns"] = max(row["wall_max_ns"], r.get("max_ns", 0))
    return out
