"""IREE HAL profiles (`.ireeprof`): per-dispatch times as IREE itself measured them.

The bundle is read through IREE's own `iree-profile dispatch --format=jsonl`;
its JSONL output can be given directly too.
"""

from __future__ import annotations

import json
import os

from irtools._io import refuse_special
from irtools.errors import ProfileError

GROUP_TYPES = ("host_dispatch_group", "dispatch_group")


def profile_records(path) -> list[dict]:
    path = os.fspath(path)
    refuse_special(path, ProfileError)
    if not os.path.isfile(path):
        raise ProfileError("no such file", path=path, fix="pass a .ireeprof bundle")
    with open(path, "rb") as f:
        head = f.read(1)
    if head == b"{":
        with open(path, encoding="utf-8") as f:
            text = f.read()
    else:
        from irtools import driver

        argv = [driver.find_tool("iree-profile"), "dispatch", "--format=jsonl", path]
        text = driver.run_tool(argv, timeout=300).stdout
    records = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as err:
            raise ProfileError(f"not JSON: {err.msg}", path=path, line=number,
                               expected="iree-profile --format=jsonl output") from None
    return records


def dispatch_profile(path):
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
