"""`Dump`: an indexed print-ir dump with passes, changed flags, diffs, symbol history, split."""

from __future__ import annotations

import os
import re
import shutil
import tempfile

from irtools._io import output_error, same_file, umask
from irtools.errors import OutputError, UsageError
from irtools.irdiff import mlir
from irtools.irdiff.changed import CHANGED, UNKNOWN, changed_flags
from irtools.irdiff.diff import Diff, Options, normalise, read_lines
from irtools.irdiff.index import count_lines, scan
from irtools.irdiff.text import content_end
from irtools.units import human_bytes

COLUMNS = ["index", "when", "pass", "arg", "op", "symbol", "lines", "bytes", "changed"]


class Dump:
    """A print-ir dump on disk; text is read from it on demand."""

    def __init__(self, index):
        self.index = index
        self.path = index.path
        self.known_flags = None  # the changed flags once computed (irdiff.cached seeds them)
        self._file = None

    @classmethod
    def open(cls, path, *, progress=None) -> Dump:
        return cls(scan(path, progress=progress))

    def __len__(self):
        return len(self.index)

    @property
    def warnings(self):
        return self.index.warnings

    def file(self):
        if self._file is None:
            self._file = self.index.open()
        return self._file

    def close(self):
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self):
        return self

    # ---- how it shows -----------------------------------------------------
    FLAGS_IN_REPR = 256 << 20  # larger dumps show changed counts once computed

    def __repr__(self):
        passes = len({s.pass_name for s in self.index.snapshots})
        return (f"<Dump {os.path.basename(self.path)!r}: {len(self):,} snapshots, "
                f"{passes} passes, {human_bytes(self.index.size)}>")

    def _repr_html_(self):
        from irtools.notebook.display import summary_html

        snaps = self.index.snapshots
        rows = [("file", f"{self.path} ({human_bytes(self.index.size)})"),
                ("snapshots", f"{len(snaps):,} ({sum(s.when == 'after' for s in snaps):,} after, "
                              f"{sum(s.when == 'before' for s in snaps):,} before a pass)"),
                ("passes", f"{len({s.pass_name for s in snaps}):,} distinct")]
        if self.known_flags is not None or self.index.size <= self.FLAGS_IN_REPR:
            flags = self.flags()
            rows.append(("changed the IR", f"{flags.count(CHANGED):,} snapshots "
                                           f"({flags.count(UNKNOWN):,} unknown)"))
        else:
            rows.append(("changed the IR", "not computed yet: .passes() computes it"))
        if snaps:
            def line(s):
                scope = f" @{s.symbol}" if s.symbol else ""
                return f"#{s.index} {s.when} {s.pass_name.split('::')[-1]}{scope}: " \
                       f"{human_bytes(s.size)}"
            rows += [("first snapshot", line(snaps[0])), ("last snapshot", line(snaps[-1])),
                     ("largest snapshot", line(max(snaps, key=lambda s: s.size)))]
        return summary_html(f"Dump {os.path.basename(self.path)}", rows)

    def __exit__(self, *exc):
        self.close()

    # ---- the passes table ------------------------------------------------
    def flags(self, *, progress=None) -> list:
        if self.known_flags is None:
            self.known_flags = changed_flags(self.index, self.file(), progress=progress)
        return self.known_flags

    def rows(self, *, changed=False, pass_re=None, symbol=None, progress=None) -> list:
        """One dict per snapshot with the COLUMNS keys, filtered as asked."""
        try:
            pattern = re.compile(pass_re) if pass_re else None
        except re.error as err:
            raise UsageError(f"bad pass regular expression {pass_re!r}: {err}") from None
        flags = self.flags(progress=progress)
        count_lines(self.index)
        symbol = symbol.lstrip("@") if symbol else None
        out = []
        for s in self.index.snapshots:
            flag = flags[s.index]
            if changed and flag != CHANGED:
                continue
            if pattern and not (pattern.search(s.pass_name) or pattern.search(s.arg)):
                continue
            if symbol and s.symbol != symbol:
                continue
            out.append({"index": s.index, "when": s.when, "pass": s.pass_name, "arg": s.arg,
                        "op": s.op, "symbol": s.symbol, "lines": max(s.lines - 1, 0),
                        "bytes": s.size, "changed": flag})
        return out

    def passes(self, **filters):
        """The passes table as a pandas DataFrame (see `rows` for the filters)."""
        import pandas as pd

        return pd.DataFrame(self.rows(**filters), columns=COLUMNS)

    # ---- text --------------------------------------------------------------
    def snapshot(self, n):
        try:
            n = int(n)
        except (TypeError, ValueError):
            raise UsageError(f"snapshot number expected, got {n!r}",
                             fix="see `irtools ir passes DUMP` for the numbers") from None
        if not 0 <= n < len(self.index):
            raise UsageError(f"there is no snapshot {n}", path=self.path,
                             expected=f"a number from 0 to {len(self.index) - 1}")
        return self.index[n]

    def _range(self, n, symbol=None):
        """(start, end) byte range of snapshot n, or of `@symbol` inside it."""
        s = self.snapshot(n)
        f = self.file()
        end = content_end(f, s)
        if not symbol:
            return s.body, end
        f.seek(s.body)
        text = f.read(end - s.body)   # symbol slices need the op's text; see SLICE_LIMIT use in CLI
        found = mlir.find_symbol(text, symbol.lstrip("@"))
        if found is None:
            raise UsageError(f"@{symbol.lstrip('@')} is not in snapshot {n}", path=self.path,
                             fix="check the name with `irtools ir passes DUMP --symbol NAME`")
        start, stop = found[0], found[1]
        return s.body + start, s.body + stop

    def lines(self, n, symbol=None):
        """The lines of snapshot n (or of `@symbol` in it); huge lines come elided."""
        start, end = self._range(n, symbol)
        return read_lines(self.file(), start, end)

    def show(self, n, symbol=None) -> str:
        return "\n".join(self.lines(n, symbol)) + "\n"

    # ---- diffs -------------------------------------------------------------
    def before_of(self, n) -> int | None:
        """The snapshot holding the state just before snapshot n's pass ran."""
        s = self.snapshot(n)
        snaps = self.index.snapshots
        if s.when == "before":
            return None
        depth = 0
        for j in range(n - 1, -1, -1):
            o = snaps[j]
            if o.pass_name == s.pass_name and o.when == "before" and depth == 0:
                return j
            if o.when == "after" and o.pass_name == s.pass_name:
                depth += 1
            elif o.when == "before" and o.pass_name == s.pass_name:
                depth -= 1
        for j in range(n - 1, -1, -1):
            o = snaps[j]
            if o.when == "after" and (self.index.module_scope or (o.op, o.symbol) == (s.op, s.symbol)):
                return j
        return None

    def diff(self, a, b=None, *, symbol=None, options: Options | None = None) -> Diff:
        """Diff snapshot `b` against `a`; with one number, diff `a` against the state before it."""
        options = options or Options()
        if b is None:
            new = a
            old = self.before_of(a)
            if old is None:
                raise UsageError(f"snapshot {a} has no earlier state in this dump",
                                 fix="give two snapshot numbers")
        else:
            old, new = a, b
        sym = symbol
        if sym is None and not self.index.module_scope:
            sym = None
        old_lines = list(normalise(self.lines(old, sym), options))
        new_lines = list(normalise(self.lines(new, sym), options))
        return Diff(self.label(old), self.label(new), old_lines, new_lines, options.context)

    def label(self, n):
        s = self.snapshot(n)
        return f"#{n} {s.when} {s.pass_name}" + (f" @{s.symbol}" if s.symbol else "")

    # ---- history -----------------------------------------------------------
    def history(self, symbol, *, progress=None) -> list:
        """The After snapshots where `@symbol`'s text changed, with lines added/removed."""
        symbol = symbol.lstrip("@")
        needle = ("@" + symbol).encode()
        f = self.file()
        out = []
        last = None
        last_n = None
        snaps = self.index.snapshots
        for s in snaps:
            if progress and s.index % 32 == 0:
                progress(s.end, snaps[-1].end)
            if s.when != "after" or not self._may_hold(f, s, needle):
                continue
            try:
                lines = list(self.lines(s.index, symbol))
            except UsageError:
                continue
            if last is not None and lines != last:
                added, removed = Diff("", "", last, lines).counts()
                out.append({"index": s.index, "pass": s.pass_name, "arg": s.arg, "op": s.op,
                            "scope": s.symbol, "previous": last_n, "added": added,
                            "removed": removed})
            last, last_n = lines, s.index
        if last is None:
            raise UsageError(f"@{symbol} is in no snapshot of this dump", path=self.path,
                             fix="list the symbols with `irtools ir passes DUMP`")
        return out

    @staticmethod
    def _may_hold(f, s, needle):
        if s.symbol and s.symbol.encode() == needle[1:]:
            return True
        f.seek(s.body)
        left = s.end - s.body
        tail = b""
        while left > 0:
            part = f.read(min(8 << 20, left))
            if not part:
                return False
            left -= len(part)
            if needle in tail + part:
                return True
            tail = part[-len(needle):]
        return False

    # ---- split -------------------------------------------------------------
    def split(self, outdir, *, progress=None) -> list:
        """Write one numbered file per snapshot (the bytes before the first header too).

        The files are written into a temporary folder beside `outdir` and moved in at the
        end: a failure (a full disk, Ctrl-C) leaves `outdir` as it was, never half filled.
        """
        outdir = os.fspath(outdir)
        if os.path.exists(outdir) and not os.path.isdir(outdir):
            raise OutputError("is a file, not a folder", path=outdir, fix="give a folder name")
        if os.path.exists(outdir) and same_file(outdir, self.path):
            raise OutputError("is the dump's own folder", path=outdir, fix="give another folder")
        parent = os.path.dirname(os.path.abspath(outdir))
        try:
            work = tempfile.mkdtemp(prefix=".irtools-split-", suffix=".tmp", dir=parent)
        except OSError as err:
            raise output_error(err, outdir, "cannot create the output folder") from err
        try:
            names = self._split_into(work, progress)
            _move_in(work, outdir)
        except OSError as err:
            shutil.rmtree(work, ignore_errors=True)
            raise output_error(err, outdir) from err
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        return [os.path.join(outdir, name) for name in names]

    def _split_into(self, folder, progress) -> list:
        snaps = self.index.snapshots
        width = max(4, len(str(len(snaps))))
        names = []
        f = self.file()
        if self.index.preamble:
            names.append(_copy(f, 0, self.index.preamble, folder, "0" * width + "-preamble.txt"))
        for s in snaps:
            name = f"{s.index + 1:0{width}d}-{s.when}-{_safe(s.pass_name)}"
            if s.symbol:
                name += "-" + _safe(s.symbol)
            names.append(_copy(f, s.start, s.end, folder, name + ".mlir"))
            if progress:
                progress(s.end, self.index.size)
        return names


def _copy(f, start, end, folder, name) -> str:
    f.seek(start)
    left = end - start
    with open(os.path.join(folder, name), "wb") as out:
        while left > 0:
            part = f.read(min(8 << 20, left))
            if not part:
                break
            out.write(part)
            left -= len(part)
    return name


def _move_in(work, outdir):
    """The finished files into `outdir`: the whole folder at once when it is new, else
    file by file (each rename is atomic), leaving other files of `outdir` alone."""
    os.chmod(work, 0o777 & ~umask())
    if not os.path.exists(outdir):
        os.rename(work, outdir)
        return
    for name in sorted(os.listdir(work)):
        os.replace(os.path.join(work, name), os.path.join(outdir, name))
    os.rmdir(work)


def _safe(name):
    return re.sub(r"[^\w.-]+", "_", name.split("::")[-1])[:80]
