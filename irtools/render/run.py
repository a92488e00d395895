"""What `irtools run` prints at the end: each run's status, then its slowest dispatches."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table

from irtools.render import console_width, human_ns, stderr_console, stdout_console

FAILED = ("failed", "compile-failed", "interrupted")
_STYLE = {"ok": "green", "skipped": "yellow", "compile-only": "yellow"}


def status_table(manifest: dict) -> Table:
    table = Table(title="runs", title_justify="left", header_style="bold", box=None,
                  pad_edge=False)
    for head in ("Run", "Status", "Time", "Note"):
        table.add_column(head, no_wrap=head != "Note", justify="right" if head == "Time" else "left")
    for r in manifest["runs"]:
        style = _STYLE.get(r["status"], "red")
        seconds = r.get("run_seconds")
        table.add_row(r["name"], f"[{style}]{r['status']}[/]",
                      f"{seconds:.2f} s" if seconds is not None else "-", r.get("error") or "")
    return table


def run_summary(root: Path, manifest: dict, *, top: int = 5, frames=None) -> list[dict]:
    """Print the status table and the top dispatches; returns the failed runs."""
    from irtools.render.tables import DISPATCH_NOTE, dispatch_view
    from irtools.run.layout import RunDir
    from irtools.run.report import run_hotspots

    out = stdout_console()
    out.print(status_table(manifest))
    shown = False
    if top:
        for info in RunDir.open(root).select(traced=True):
            if info.repeat not in (None, 1):   # the first repeat stands for the others
                continue
            ready = (frames or {}).get(info.name)
            frame = ready.result() if ready else run_hotspots(info, by="dispatch", top=top)
            title = (f"\n{info.name}: slowest dispatches by wall time "
                     f"({frame.attrs['zones']:,} zones, "
                     f"{human_ns(frame.attrs['last_time_ns'])} captured)")
            out.print(dispatch_view(frame, title=title, width=console_width(), explain=False))
            for note in frame.attrs.get("notes") or []:
                out.print(f"note: {note}", highlight=False, soft_wrap=True)
            out.print(next_steps(info, frame), highlight=False, soft_wrap=True)
            shown = True
    if shown:
        out.print(f"\n{DISPATCH_NOTE}", highlight=False)
    traced = any(r.get("trace") for r in manifest["runs"])
    variants = manifest.get("variants") or []
    hint = f"   (irtools compare {root})" if len(variants) > 1 else \
        f"   (irtools hotspots {root} --by dispatch)"
    out.print(f"\nrun directory: {root}" + (hint if traced else ""), highlight=False)
    failed = [{"name": f"compile {c['variant'] + ' ' if c.get('variant') else ''}for {c['backend']}", **c}
              for c in manifest["compiles"] if c["status"] != "ok"]
    failed += [r for r in manifest["runs"] if r["status"] in FAILED and r["status"] != "compile-failed"]
    if failed:
        stderr_console().print(f"[red]{len(failed)} step(s) failed[/]; their logs are in {root}",
                               highlight=False)
    return failed


def next_steps(info, frame) -> str:
    """Where to look next for the slowest dispatch: its source and its pass history."""
    if frame.empty:
        return ""
    row = frame.iloc[0]
    lines = [f"slowest: {row['name']}"]
    if row.get("source"):
        lines.append(f"  source:  {row['source']}")
    if info.ir_dump is not None:
        lines.append(f"  passes:  irtools ir history {info.ir_dump} @{row['name']}")
    return "\n".join(lines)
