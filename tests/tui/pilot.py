"""Helpers for driving the app with Textual's pilot."""

from __future__ import annotations

import asyncio
import time


async def settle(pilot, timeout: float = 120.0):
    """Wait until every worker has finished and the UI has handled what they sent."""
    app = pilot.app
    deadline = time.monotonic() + timeout
    while True:
        await pilot.pause()
        busy = [w for w in app.workers if not w.is_finished]
        if not busy:
            await pilot.pause()
            if not [w for w in app.workers if not w.is_finished]:
                return
        if time.monotonic() > deadline:
            raise AssertionError(f"still loading after {timeout} s: {busy}")
        await asyncio.sleep(0.05)

