"""One dispatch across two builds: its executable sources side by side, and its passes.

`irtools ir diff --across RUN_A RUN_B @dispatch` names a dispatch of either build;
its group (`pairing.pair` over the dispatches of the same function) says which
dispatches of the other build do the same work, and their source files are diffed.
Where both builds kept their per-pass IR (`irtools run --ir-dump`), the passes that
changed each side's dispatches are listed side by side.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from irtools.errors import UsageError
from irtools.experiment.compare import Side, open_side
from irtools.experiment.fingerprint import Fingerprint, fingerprint_folder
from irtools.experiment.pairing import Group, pair
from irtools.trace.dispatch import executable_of, parse_dispatch


@dataclass
class Across:
    """What `ir diff --across` shows."""

    dispatch: str
    group: Group
    files_a: list[Path]
    files_b: list[Path]
    lines_a: list[str]
    lines_b: list[str]
    label_a: str
    label_b: str
    dumps: tuple[Path | None, Path | None] = (None, None)
    histories: dict[str, list[dict]] = field(default_factory=dict)   # name -> history rows

    def diff(self, options=None):
        """An `irdiff.diff.Diff` of the two sides' sources (normalised by `options`)."""
        from irtools.irdiff.diff import Diff, Options, normalise

        options = options or Options()
        return Diff(self.label_a, self.label_b, list(normalise(self.lines_a, options)),
                    list(normalise(self.lines_b, options)), context=options.context)

    def passes(self) -> list[tuple[dict | None, dict | None]]:
        """The passes that changed the group's dispatches, A's and B's aligned by pass name."""
        rows_a = _merged(self.histories, self.group.a)
        rows_b = _merged(self.histories, self.group.b)
        names_a = [r["pass"] for r in rows_a]
        names_b = [r["pass"] for r in rows_b]
        out: list[tuple[dict | None, dict | None]] = []
        matcher = difflib.SequenceMatcher(None, names_a, names_b, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                out += list(zip(rows_a[i1:i2], rows_b[j1:j2]))
                continue
            left, right = rows_a[i1:i2], rows_b[j1:j2]
            for k in range(max(len(left), len(right))):
                out.append((left[k] if k < len(left) else None, right[k] if k < len(right) else None))
        return out


def _merged(histories: dict[str, list[dict]], names: list[str]) -> list[dict]:
    """One row per pass snapshot that changed any of `names`: lines added and removed
    summed over them, and how many of them it changed."""
    by_index: dict[int, dict] = {}
    for n in names:
        for r in histories.get(n) or []:
            row = by_index.setdefault(r["index"], {"index": r["index"], "pass": r["pass"],
                                                   "added": 0, "removed": 0, "dispatches": 0})
            row["added"] += r["added"]
            row["removed"] += r["removed"]
            row["dispatches"] += 1
    return [by_index[i] for i in sorted(by_index)]


def _folders(side: Side) -> dict[str, tuple[Path, Path | None]]:
    """backend -> (sources folder, IR dump or None) of a side's compiles."""
    out: dict[str, tuple[Path, Path | None]] = {}
    for r in side.runs:
        if r.sources is not None and r.backend not in out:
            out[r.backend] = (r.sources, r.ir_dump)
    return out


def _file_of(folder: Path, name: str) -> Path | None:
    executable = executable_of(name)
    hits = sorted(folder.glob(f"*_{executable}.mlir")) if executable else []
    return hits[0] if hits else None


def _function(name: str) -> str | None:
    parsed = parse_dispatch(name)
    return parsed["function"] if parsed else None


def across(spec_a: str, spec_b: str, dispatch: str, *, backend: str | None = None,
           histories: bool = True, progress=None) -> Across:
    """The dispatch named (in either build) and what the other build does in its place;
    the builds are run directories or `RUN_DIR@VARIANT`."""
    return across_sides(open_side(spec_a), open_side(spec_b), dispatch, backend=backend,
                        histories=histories, progress=progress)


def across_sides(side_a: Side, side_b: Side, dispatch: str, *, backend: str | None = None,
                 histories: bool = True, progress=None) -> Across:
    """`across` on sides already open (the TUI makes them from its runs)."""
    name = dispatch.lstrip("@")
    folders_a, folders_b = _folders(side_a), _folders(side_b)
    backends = [b for b in folders_a if b in folders_b and (backend is None or b == backend)]
    if not backends:
        raise UsageError(f"{side_a.label} and {side_b.label} share no backend with executable sources"
                         + (f" for {backend}" if backend else ""),
                         fix="compare two runs of the same target")
    for b in backends:
        fps_a, fps_b = fingerprint_folder(folders_a[b][0]), fingerprint_folder(folders_b[b][0])
        if name in fps_a or name in fps_b:
            break
    else:
        known = sorted(set(fingerprint_folder(folders_a[backends[0]][0])))
        raise UsageError(f"no executable source of either build holds @{name}",
                         expected="a dispatch name, e.g. " + (known[0] if known else "main_dispatch_0"),
                         fix="take a name from `irtools compare` or `irtools hotspots --by dispatch`")
    function = _function(name)

    def same_function(fps: dict[str, Fingerprint]) -> dict[str, Fingerprint | None]:
        return {n: f for n, f in fps.items() if _function(n) == function}

    groups = pair(same_function(fps_a), same_function(fps_b))
    (group,) = [g for g in groups if name in g.a or name in g.b]
    files_a = [f for f in (_file_of(folders_a[b][0], n) for n in group.a) if f]
    files_b = [f for f in (_file_of(folders_b[b][0], n) for n in group.b) if f]
    out = Across(name, group, files_a, files_b, _read(files_a), _read(files_b),
                 f"{side_a.label}: {' + '.join(group.a) or '(none)'}",
                 f"{side_b.label}: {' + '.join(group.b) or '(none)'}",
                 dumps=(folders_a[b][1], folders_b[b][1]))
    if histories and all(out.dumps):
        from irtools.irdiff import cached

        for dump_path, names in ((out.dumps[0], group.a), (out.dumps[1], group.b)):
            with cached.open_cached_dump(dump_path, progress=progress) as dump:
                for n in names:
                    out.histories[n] = cached.history(dump, n, progress=progress) or []
    return out


def _read(files: list[Path]) -> list[str]:
    lines: list[str] = []
    for f in files:
        if len(files) > 1:
            lines.append(f"// {f.name}")
        with open(f, encoding="utf-8", errors="replace") as fh:
            lines += [ln.rstrip("\n") for ln in fh]
    return lines
