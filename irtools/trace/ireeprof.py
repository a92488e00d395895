"""IREE HAL profiles (`.ireeprof`): per-dispatch times as IREE itself measured them.

The bundle is read through IREE's own `iree-profile dispatch --format=jsonl`;
its JSONL output can be given directly too.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

from irtools._io import refuse_special
from irtools.errors import ProfileError, json_kind

if TYPE_CHECKING:
    import pandas as pd

GROUP_TYPES = ("host_dispatch_group", "dispatch_group")
JSONL = "iree-profile dispatch --format=jsonl output"
# The fields of a dispatch group that irtools reads, and their JSON types.
_COUNTS = ("count", "total_ns", "total_tile_count", "total_tile_duration_sum_ns")


def profile_records(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The records of a profile: a .ireeprof bundle (through iree-profile) or its JSONL.

    Each line must be a JSON object; a dispatch group must have a text `key` and
    whole, non-negative counts and times. A line that is not gives a ProfileError
    with its number."""
    path = os.fspath(path)
    refuse_special(path, ProfileError)
    if not os.path.isfile(path):
        raise ProfileError("no such file", path=path, fix="pass a .ireeprof bundle")
    if os.path.getsize(path) == 0:
        raise ProfileError("the file is empty", path=path,
                           expected="a .ireeprof bundle or " + JSONL)
    with open(path, "rb") as f:
        head = f.read(1)
    where = ""
    if head == b"{":
        with open(path, "rb") as f:
            lines = f.read().split(b"\n")
    else:
        from irtools import driver
        from irtools.errors import ToolFailed

        argv = [driver.find_tool("iree-profile"), "dispatch", "--format=jsonl", path]
        try:
            lines = driver.run_tool(argv, timeout=300).stdout.encode().split(b"\n")
        except ToolFailed as err:
            raise ProfileError(f"iree-profile cannot read it: {err.stderr_tail or err}", path=path,
                               expected="a .ireeprof bundle written by --device_profiling_output",
                               fix="record the profile again, or pass iree-profile's JSONL") from None
        where = " of iree-profile's output"
    records = []
    for number, raw in enumerate(lines, 1):
        if raw.strip():
            records.append(_record(raw, path, number, where))
    return records


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
    if record.get("type") in GROUP_TYPES:
        if not isinstance(record.get("key"), str):
            raise bad(f"a {record['type']} without a text 'key'")
        for name in _COUNTS:
            value = record.get(name, 0)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise bad(f"'{name}' is {json.dumps(value)[:40]}, not a whole number >= 0")
        if not isinstance(record.get("timing_source", ""), str):
            raise bad("'timing_source' is not text")
    return record


def dispatch_profile(path: str | os.PathLike[str]) -> pd.DataFrame:
    """One row per dispatch: count, total_ns, tile_count, tile_time_ns, timing source."""
    import pandas as pd

    rows = []
    for r in profile_records(path):
        if r.get("type") not in GROUP_TYPES:
            continue
        rows.append({
            "name": r["key"],
            "profile_count": int(r.get("count", 0)),
            "profile_total_ns": int(r.get("total_ns", 0)),
            "tile_count": int(r.get("total_tile_count", 0)),
            "tile_time_ns": int(r.get("total_tile_duration_sum_ns", 0)),
            "timing_source": r.get("timing_source", ""),
        })
    if not rows:
        raise ProfileError("the profile has no dispatch records", path=os.fspath(path),
                           fix="record it with --device_profiling_mode=host-execution "
                               "(local devices) or dispatch-events (vulkan)")
    frame = pd.DataFrame(rows)
    # A dispatch recorded on several devices or executables: sum them.
    return frame.groupby(["name", "timing_source"], as_index=False, sort=False).sum()
