"""What `irtools tui PATH...` opened: sources (a capture, its dump, its executable sources).

A run directory gives one source per run that has a trace; a `.tracy` file one
source; an IR dump attaches to the sources opened with it, or stands alone.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from irtools._io import refuse_special
from irtools.errors import UsageError
from irtools.irdiff.treedir import tree_parts
from irtools.tui.loaders import DumpLoader, TraceLoader

_TRACY_MAGICS = (b"tracy", b"tr\xfdP", b"tlZ\x04", b"tZst")
_SNIFF = 4 << 20


@dataclass
class Source:
    label: str
    trace: TraceLoader | None = None
    dump: DumpLoader | None = None
    run: object = None             # a RunInfo when opened from a run directory
    group: int = 0                 # which PATH argument it came from

    def source_file(self, dispatch: str) -> Path | None:
        return self.run.source_of(dispatch) if self.run is not None else None


@dataclass
class Session:
    sources: list = field(default_factory=list)
    current: int = 0
    other: int | None = None       # the source compared with, in compare mode

    @property
    def a(self) -> Source:
        return self.sources[self.current]

    @property
    def b(self) -> Source | None:
        return None if self.other is None else self.sources[self.other]

    @property
    def traced(self) -> list:
        return [i for i, s in enumerate(self.sources) if s.trace is not None]

    def partner(self) -> int | None:
        """The source to compare the current one with: the same run in the next
        PATH argument, else the next traced source."""
        a = self.a
        rest = [i for i in self.traced if i != self.current]
        for i in rest:
            s = self.sources[i]
            if s.group != a.group and a.run is not None and s.run is not None \
                    and s.run.name == a.run.name:
                return i
        # The same run (target, device, function, repeat) of another variant of the build.
        for i in rest:
            s = self.sources[i]
            if a.run is not None and s.run is not None and s.run.key == a.run.key \
                    and s.run.repeat == a.run.repeat and s.run.variant != a.run.variant:
                return i
        others = [i for i in rest if self.sources[i].group != a.group]
        return (others or rest or [None])[0]


def is_tracy(path) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError:
        return False
    return head.startswith(_TRACY_MAGICS)


def looks_like_dump(path) -> bool:
    try:
        with open(path, "rb") as f:
            return b"IR Dump " in f.read(_SNIFF)
    except OSError as err:
        raise UsageError(f"cannot read it: {err.strerror}", path=str(path)) from err


def open_paths(paths) -> Session:
    """Classify each PATH and build the session; two traced PATHs start in compare mode."""
    from irtools.run.layout import RunDir, is_run_dir

    if not paths:
        raise UsageError("nothing to open", fix="give a run directory, a .tracy file or an IR dump")
    session = Session()
    loose_dumps = []
    for group, raw in enumerate(paths):
        path = Path(raw)
        refuse_special(path)
        if not path.exists():
            raise UsageError("no such file or directory", path=raw)
        if is_run_dir(path):
            _add_runs(session, RunDir.open(path), group, len(paths) > 1)
        elif path.is_file() and (path.suffix == ".tracy" or is_tracy(path)):
            _check_trace(path)
            session.sources.append(Source(path.name, trace=TraceLoader(path), group=group))
        elif path.is_dir():  # a --mlir-print-ir-tree-dir folder
            tree_parts(path)   # a DumpError now, before the app starts, when it holds none
            loose_dumps.append((group, path))
        elif looks_like_dump(path):
            loose_dumps.append((group, path))
        else:
            raise UsageError("not a run directory, .tracy capture or IR dump (no 'IR Dump' "
                             f"header in its first {_SNIFF >> 20} MiB)", path=raw)
    traced = [s for s in session.sources if s.trace is not None and s.dump is None]
    for group, path in loose_dumps:
        data = DumpLoader(path, str(path))
        if traced:
            for s in traced:
                s.dump = data
        else:
            session.sources.append(Source(path.name, dump=data, group=group))
    if not session.sources:
        raise UsageError("the run directory holds no traced run and no IR dump", path=paths[0],
                         fix="see why its runs failed in its manifest.json, or rerun "
                             "`irtools run` (add --ir-dump for the passes)")
    session.current = session.traced[0] if session.traced else 0
    groups = {session.sources[i].group for i in session.traced}
    if len(groups) == 2:
        session.other = session.partner()
    return session


def _check_trace(path):
    """The capture's header, read before the app starts: an empty or foreign file is
    one error line here, not a failure inside the app."""
    from irtools.trace.container import Container

    Container(path).close()


def _add_runs(session, rundir, group, prefix: bool):
    dumps: dict = {}
    added = False
    for run in rundir.runs:
        dump = run.ir_dump
        data = None
        if dump is not None:
            data = dumps.get(os.fspath(dump))
            if data is None:
                data = dumps[os.fspath(dump)] = DumpLoader(dump, _relative(dump, rundir.root))
        if run.trace is None:
            continue
        label = f"{rundir.root.name}:{run.name}" if prefix else run.name
        session.sources.append(Source(label, trace=TraceLoader(run.trace, run.profile), dump=data,
                                      run=run, group=group))
        added = True
    if not added:
        for path, data in dumps.items():
            session.sources.append(Source(f"{rundir.root.name}:{Path(path).parent.parent.name}",
                                          dump=data, group=group))


def _relative(path, root) -> str:
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return str(path)
