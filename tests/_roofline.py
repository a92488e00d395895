"""Helpers of the roofline tests: per-dispatch wall times from a HAL profile, as IREE reports them."""

from __future__ import annotations

import json
import subprocess

import pandas as pd

from tests.helpers import tool


def profile_times(profile) -> pd.DataFrame:
    """name, invocations, wall_ns per dispatch: `iree-profile dispatch`'s own aggregates."""
    text = subprocess.run([tool("iree-profile"), "dispatch", "--format=jsonl", str(profile)],
                          check=True, capture_output=True, text=True).stdout
    rows = [json.loads(line) for line in text.splitlines()]
    frame = pd.DataFrame([{"name": r["key"], "invocations": r["count"], "wall_ns": r["total_ns"]}
                          for r in rows if r.get("type") in ("host_dispatch_group", "dispatch_group")])
    return frame.sort_values("wall_ns", ascending=False, ignore_index=True)


def profile_events(profile) -> list[dict]:
    """Every dispatch execution of a HAL profile (`iree-profile dispatch --dispatch_events`)."""
    text = subprocess.run([tool("iree-profile"), "dispatch", "--format=jsonl", "--dispatch_events",
                           str(profile)], check=True, capture_output=True, text=True).stdout
    return [r for r in map(json.loads, text.splitlines())
            if r.get("type") in ("host_dispatch_event", "dispatch_event")]
