"""`Dump`: an indexed print-ir dump with passes, changed flags, diffs, symbol history, split."""

from __future__ import annotations

import os
import re
import shutil
import tempfile

from irtools._io import output_error, same_file, umask
from irtools.errors import OutputError, UsageError
from irtools.irdiff import mlir
from irtools.irdiff.changed import CHANGED, COSMETIC, UNKNOWN, changed_flags
from irtools.irdiff.diff import Diff, Options, normalise, read_lines
from irtools.irdiff.index import count_lines, scan
from irtools.irdiff.normal import aliases_of, classify, context_form
from irtools.irdiff.text import content_end, file_offset, reduced
from irtools.units import human_bytes

COLUMNS = ["index", "when", "pass", "arg", "op", "symbol", "lines", "bytes", "changed"]
HISTORY_COLUMNS = ["index", "pass", "arg", "op", "scope", "previous", "added", "removed", "class"]


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

    def rows(self, *, changed=False, cosmetic=False, pass_re=None, symbol=None,
             progress=None) -> list:
        """One dict per snapshot with the COLUMNS keys, filtered as asked: `changed` keeps
        the passes that changed the IR ("changed"), with `cosmetic` also those that changed
        only how it prints. `symbol` may be given as `name`, `@name` or `@"a name"`."""
        try:
            pattern = re.compile(pass_re) if pass_re else None
        except re.error as err:
            raise UsageError(f"bad pass regular expression {pass_re!r}: {err}") from None
        flags = self.flags(progress=progress)
        count_lines(self.index)
        symbols = ()
        if symbol:   # and the name IREE gives a module that needs quotes (history follows it)
            symbols = (mlir.symbol_name(symbol), mlir.sanitized(mlir.symbol_name(symbol)))
        wanted = (CHANGED, COSMETIC) if cosmetic else (CHANGED,)
        out = []
        for s in self.index.snapshots:
            flag = flags[s.index]
            if changed and flag not in wanted:
                continue
            if pattern and not (pattern.search(s.pass_name) or pattern.search(s.arg)):
                continue
            if symbols and s.symbol not in symbols[:1 + s.op.endswith("module")]:
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

    def span(self, n, symbol=None):
        """(start, end) byte range of snapshot n, or of `@symbol` inside it."""
        s = self.snapshot(n)
        f = self.file()
        end = content_end(f, s)
        if not symbol:
            return s.body, end
        name = mlir.symbol_name(symbol)
        anchors = []
        text = reduced(f, s, s.body, end, anchors)   # long constants stand as their hash
        found = mlir.find_symbol(text, name)
        if found is None:
            raise UsageError(f"@{mlir.printed(name)} is not in snapshot {n}", path=self.path,
                             fix="check the name with `irtools ir passes DUMP --symbol NAME`")
        start, stop = file_offset(anchors, s.body, found[0]), file_offset(anchors, s.body, found[1])
        if start is None:   # a CRLF dump: offsets of the reduced text are not the file's
            f.seek(s.body)
            text = f.read(end - s.body)
            found = mlir.find_symbol(text, name)
            start, stop = s.body + found[0], s.body + found[1]
        return start, stop

    def lines(self, n, symbol=None):
        """The lines of snapshot n (or of `@symbol` in it); huge lines come elided."""
        start, end = self.span(n, symbol)
        return read_lines(self.file(), start, end)

    def show(self, n, symbol=None) -> str:
        return "\n".join(self.lines(n, symbol)) + "\n"

    # ---- diffs -------------------------------------------------------------
    def before_of(self, n, symbol=None) -> int | None:
        """The snapshot holding the state just before snapshot n's pass ran: its Before,
        else the last earlier print of its op, or of `@symbol`, or of an op around it
        (`diff` cuts the op out of that one)."""
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
                if not symbol or self._holds(o, symbol):
                    return j
            if o.when == "after" and self._holds(o, symbol, s):
                return j
        return None

    def _inner_symbol(self, n):
        text = reduced(self.file(), self.snapshot(n))
        m = _DEF.search(text, text.find(b"\n", mlir.body_start(text)) + 1 or len(text))
        return mlir.unquote(m.group(1).decode("utf-8", "replace")) if m else None

    def _holds(self, o, symbol, s=None):
        """Whether snapshot o prints `@symbol` (or, with `s`, the op of snapshot s inside it)."""
        op, name = ("", mlir.symbol_name(symbol)) if symbol else (s.op, s.symbol)
        if not name or (o.op, o.symbol) == (op, name):
            return bool(name) and o.symbol == name
        text = reduced(self.file(), o)
        if not any(b"@" + form in text for form in mlir.spellings(name)):
            return False
        if symbol:
            return mlir.find_symbol(text, name) is not None
        return any(indent > 0 for _, _, indent in mlir.find_ops(text, op, name))

    def diff(self, a, b=None, *, symbol=None, options: Options | None = None) -> Diff:
        """Diff snapshot `b` against `a`; with one number, diff `a` against the state
        before its pass (from the last print of its op, or of one around it)."""
        options = options or Options()
        if b is None:
            new = a
            old = self.before_of(a, symbol)
            if old is None and symbol is None and not self.snapshot(a).symbol:
                # An unnamed op (a module inside a variant, an initializer): follow the
                # first symbol defined in it.
                symbol = self._inner_symbol(a)
                old = self.before_of(a, symbol) if symbol else None
            if old is None:
                s = self.snapshot(a)
                what = f"@{mlir.printed(mlir.symbol_name(symbol))}" if symbol else \
                    f"its {s.op or 'op'}" + (f" @{mlir.printed(s.symbol)}" if s.symbol else "")
                raise UsageError(f"snapshot {a} is the first print of {what} in this dump: "
                                 "there is no earlier state to diff against",
                                 fix="give two snapshot numbers")
        else:
            old, new = a, b
        old_sym = new_sym = symbol
        if symbol is None and b is None:
            s, o = self.snapshot(new), self.snapshot(old)
            if s.symbol and (o.op, o.symbol) != (s.op, s.symbol) and not self.index.module_scope \
                    and o.when == "after":
                old_sym = s.symbol   # the op cut out of an earlier print around it
        old_lines = list(normalise(self.lines(old, old_sym), options))
        new_lines = list(normalise(self.lines(new, new_sym), options))
        return Diff(self.label(old, old_sym), self.label(new, new_sym), old_lines, new_lines,
                    options.context)

    def label(self, n, symbol=None):
        s = self.snapshot(n)
        label = f"#{n} {s.when} {s.pass_name}" + (f" @{mlir.printed(s.symbol)}" if s.symbol else "")
        if symbol and mlir.symbol_name(symbol) != s.symbol:
            label += f" (@{mlir.printed(mlir.symbol_name(symbol))} in it)"
        return label

    # ---- history -----------------------------------------------------------
    def history(self, symbol, *, cosmetic=False, progress=None) -> list:
        """The After snapshots where `@symbol`'s text changed, with lines added/removed
        and the class of the change: "changed", or with `cosmetic` also "cosmetic" (only
        indentation, aliases, SSA names, locations or attribute order differ)."""
        entries = self.history_all(symbol, progress=progress)
        return [h for h in entries if cosmetic or h["class"] == CHANGED]

    def history_all(self, symbol, *, progress=None) -> list:
        """`history` with every entry, cosmetic ones included."""
        name = mlir.symbol_name(symbol)
        # IREE renames a module whose name is not a plain identifier: follow it.
        renamed = mlir.sanitized(name)
        names = [name] + ([renamed] if renamed != name else [])
        needles = [b"@" + form for n in names for form in mlir.spellings(n)]
        f = self.file()
        out = []
        last = None       # (snapshot, text, context form) of the last print of the symbol
        snaps = self.index.snapshots
        for s in snaps:
            if progress and s.index % 32 == 0:
                progress(s.end, snaps[-1].end)
            if s.when != "after":
                continue
            text = reduced(f, s)
            if s.symbol not in names and not any(n in text for n in needles):
                continue
            found = mlir.find_symbol(text, name)
            if found is None and len(names) > 1:
                found = mlir.find_symbol(text, renamed)
                if found is not None and not found[3].endswith("module"):
                    found = None
            if found is None:
                continue
            start, stop = found[0], found[1]
            aliases = aliases_of(text) if text[:1] in (b"#", b"!") else {}
            form = context_form(text[start:stop], aliases)
            if last is not None:
                if last[1] != text[start:stop]:   # the lines as printed differ
                    kind = classify(last[2], form)
                    old = list(self._symbol_lines(last[0].index, names))
                    new = list(self._symbol_lines(s.index, names))
                    added, removed = Diff("", "", old, new).counts()
                    out.append({"index": s.index, "pass": s.pass_name, "arg": s.arg, "op": s.op,
                                "scope": s.symbol, "previous": last[0].index, "added": added,
                                "removed": removed,
                                "class": COSMETIC if kind != CHANGED else CHANGED})
            last = (s, text[start:stop], form)
        if last is None:
            raise UsageError(f"@{mlir.printed(name)} is in no snapshot of this dump", path=self.path,
                             fix="list the symbols with `irtools ir passes DUMP`")
        return out

    def _symbol_lines(self, n, names):
        for name in names:
            try:
                return self.lines(n, name)
            except UsageError:
                continue
        return self.lines(n, names[0])

    # ---- split -------------------------------------------------------------
    def split(self, outdir, *, progress=None) -> list:
        """Write one file per snapshot, numbered from 0 as everywhere else (the bytes
        before the first header, if any, go to `preamble.txt`).

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
        width = max(4, len(str(len(snaps) - 1)))
        names = []
        f = self.file()
        if self.index.preamble:
            names.append(_copy(f, 0, self.index.preamble, folder, "preamble.txt"))
        for s in snaps:
            name = f"{s.index:0{width}d}-{s.when}-{_safe(s.pass_name)}"
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


_DEF = re.compile(rb'^\s*"?[\w.]+"?(?:\s+(?:public|private|nested))*\s+@("(?:[^"\\]|\\.)*"|[\w$.-]+)',
                  re.M)


def _safe(name):
    return re.sub(r"[^\w.-]+", "_", name.split("::")[-1])[:80]
