"""Startup and response times of `irtools tui` on the large inputs, cold and with a warm cache.

    python3 benchmarks/bench_tui.py [--capture bench-out/decode_10M.tracy] [--dump DUMP]

The capture is the 10-million-zone one of bench_hotspots.py (made there, cached in
bench-out/); the dump defaults to the module-scope c_tfm_ext dump of bench_irdiff.py
(made there, cached in /tmp/irtools-bench). The third scenario opens both (the capture is of the same
model's decode) and follows the top dispatch into its pass history. Each measurement runs the real app
headless in a fresh process at 140x40: "first screen" counts from before the
process starts (imports included) until the table shows rows. Every scenario runs
twice, first with an empty cache, then again with the cache the first run left.
Targets: the first screen within 2 s of the data being indexed (that is, warm),
and keys answered at once (well under 100 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CHILD = r"""
import asyncio, json, statistics, sys, time
t0, what, paths = float(sys.argv[1]), sys.argv[2], sys.argv[3].split(",")
sys.path.insert(0, sys.argv[4])
from irtools.tui.app import IrtoolsApp
from irtools.tui.session import open_paths
from tests.tui.pilot import settle

out = {}

async def timed(pilot, *keys):
    t = time.perf_counter()
    await pilot.press(*keys)
    await settle(pilot, timeout=900)
    return time.perf_counter() - t

async def per_key(pilot, key, n=40):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        await pilot.press(key)
        times.append(time.perf_counter() - t)
    return 1000 * statistics.median(times), 1000 * max(times)

async def baseline():
    # What a key costs the pilot itself, on an app that does nothing with it.
    from textual.app import App
    from textual.widgets import Static

    class Idle(App):
        def compose(self):
            yield Static("idle")

    async with Idle().run_test(size=(140, 40)) as pilot:
        out["pilot_key_ms"], _ = await per_key(pilot, "down")

async def main():
    if what == "baseline":
        return await baseline()
    app = IrtoolsApp(open_paths(paths))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, timeout=900)
        out["first_screen_s"] = time.time() - t0
        if what == "both":  # the top dispatch's pass history in the big dump
            out["dispatch_history_s"] = await timed(pilot, "enter")
            out["history_rows"] = len(app.screen.history or [])
            out["history_diff_s"] = await timed(pilot, "enter")
            app.exit()
            return
        if what == "trace":
            out["rows"] = len(app.screen.view)
        else:
            out["rows"] = len(app.screen.shown)
        out["key_down_ms"], out["key_down_max_ms"] = await per_key(pilot, "down")
        out["page_down_ms"], out["page_down_max_ms"] = await per_key(pilot, "pagedown", 10)
        if what == "trace":
            await pilot.press("home")
            out["regroup_s"] = await timed(pilot, "g")
            out["self_time_s"] = await timed(pilot, "s")
            await timed(pilot, "s", "g", "g", "g")           # back to by dispatch
            out["dispatch_s"] = await timed(pilot, "enter")
        else:
            frame = app.screen.shown
            big = max(range(len(frame)), key=lambda i: (frame[i]["changed"] == "true", frame[i]["bytes"]))
            out["snapshot_mb"] = frame[big]["bytes"] / 2**20
            app.screen.query_one("#passes").action_move_to(big)
            out["diff_s"] = await timed(pilot, "enter")
            out["diff_rows"] = len(app.screen.text.rows)
            out["diff_side_s"] = await timed(pilot, "s")
            await pilot.press("escape")
            out["ir_view_s"] = await timed(pilot, "v")
            out["ir_lines"] = len(app.screen.text.rows)
            out["ir_page_down_ms"], out["ir_page_down_max_ms"] = await per_key(pilot, "pagedown", 20)
            await pilot.press("slash", *"arith")
            out["ir_search_s"] = await timed(pilot, "enter")
            out["ir_matches"] = len(app.screen.text.matches)
            out["ir_next_match_ms"], _ = await per_key(pilot, "n", 20)
        app.exit()

asyncio.run(main())
print(json.dumps(out))
"""


def run(what: str, path, cache: Path) -> dict:
    env = dict(os.environ, IRTOOLS_CACHE=str(cache))
    env.pop("COLUMNS", None)
    t0 = time.time()
    proc = subprocess.run([sys.executable, "-c", CHILD, repr(t0), what, str(path), str(REPO)],
                          capture_output=True, text=True, env=env, cwd=REPO)
    if proc.returncode != 0:
        sys.exit(f"bench_tui: the {what} run failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--capture", type=Path, default=REPO / "bench-out" / "decode_10M.tracy")
    ap.add_argument("--dump", type=Path,
                    default=Path("/tmp/irtools-bench/c_tfm_ext.module-scope.txt"))
    args = ap.parse_args()
    for path, maker in ((args.capture, "benchmarks/bench_hotspots.py"),
                        (args.dump, "benchmarks/bench_irdiff.py")):
        if not path.exists():
            sys.exit(f"bench_tui: {path} is missing; make it with `python3 {maker}`")
    results = {"baseline": run("baseline", args.capture, Path(tempfile.gettempdir()))}
    print(f"a key through the pilot on an idle app: {results['baseline']['pilot_key_ms']:.1f} ms "
          "(subtract it from the key times below)")
    with tempfile.TemporaryDirectory(prefix="irtools-tui-cache-") as cache:
        both = f"{args.capture},{args.dump}"
        for what, path in (("trace", args.capture), ("dump", args.dump), ("both", both)):
            for one in str(path).split(","):   # start from the page cache
                subprocess.run(["cat", one], stdout=subprocess.DEVNULL, check=True)
            for state in ("cold", "warm"):
                results[f"{what}_{state}"] = r = run(what, path, Path(cache))
                print(f"{what} ({path}), {state} cache:")
                for key, value in r.items():
                    print(f"  {key:22} {value:.3f}" if isinstance(value, float) else
                          f"  {key:22} {value}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
