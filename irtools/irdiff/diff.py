"""Compare two snapshots line by line, with optional normalisation.

Lines longer than `HUGE` bytes (hex constants of 100 MB) are never held whole:
they are read in pieces, hashed, and stand in the diff as `<N bytes, hash H>`.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass

HUGE = 64 << 10
_PIECE = 4 << 20

_LOC = re.compile(r"\s*loc\((?:[^()\"]|\"(?:[^\"\\]|\\.)*\"|\((?:[^()]|\([^()]*\))*\))*\)")
_LOC_ALIAS = re.compile(r"^#loc\d*\s*=")
_SSA = re.compile(r"%[\w$.-]+|\^[\w$.-]+")
_STR = re.compile(r'"(?:[^"\\]|\\.)*"')


@dataclass(frozen=True)
class Options:
    strip_locs: bool = False
    renumber: bool = False
    sort_attrs: bool = False
    context: int = 3


def huge_marker(size: int, digest: str) -> str:
    return f"<elided line of {size:,} bytes, blake2b {digest}>"


def read_lines(f, start: int, end: int):
    """Yield the text lines in [start, end) as str, huge ones as a hashed marker."""
    f.seek(start)
    left = end - start
    while left > 0:
        line = f.readline(min(HUGE, left))
        if not line:
            return
        left -= len(line)
        if not line.endswith(b"\n") and left > 0:
            h = hashlib.blake2b(line, digest_size=8)
            size = len(line)
            while left > 0:
                part = f.readline(min(_PIECE, left))
                if not part:
                    break
                left -= len(part)
                done = part.endswith(b"\n")
                part = part.rstrip(b"\r\n") if done else part
                h.update(part)
                size += len(part)
                if done:
                    break
            indent = len(line) - len(line.lstrip(b" "))
            yield " " * indent + huge_marker(size - indent, h.hexdigest())
            continue
        yield line.rstrip(b"\r\n").decode("utf-8", "replace")


def normalise(lines, opts: Options):
    ssa = {}
    for line in lines:
        if opts.strip_locs:
            if _LOC_ALIAS.match(line):
                continue
            line = _LOC.sub("", line)
        if opts.renumber:
            line = _renumber(line, ssa)
        if opts.sort_attrs:
            line = sort_attr_dicts(line)
        yield line


def _renumber(line, names):
    def sub(m):
        name = m.group(0)
        if name not in names:
            kind = name[0]
            names[name] = f"{kind}{'v' if kind == '%' else 'bb'}{sum(1 for k in names if k[0] == kind)}"
        return names[name]
    return _outside_strings(line, lambda part: _SSA.sub(sub, part))


def _outside_strings(line, fn):
    out, pos = [], 0
    for m in _STR.finditer(line):
        out.append(fn(line[pos:m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(fn(line[pos:]))
    return "".join(out)


def sort_attr_dicts(line: str) -> str:
    """Sort the entries of every `{key = value, ...}` attribute dictionary on the line."""
    if "{" not in line:
        return line
    out = []
    i = 0
    while i < len(line):
        if line[i] == '"':
            m = _STR.match(line, i)
            j = m.end() if m else len(line)
            out.append(line[i:j])
            i = j
        elif line[i] == "{":
            j = _closing(line, i)
            if j < 0:
                out.append(line[i:])
                break
            out.append(_sorted_dict(line[i + 1:j]))
            i = j + 1
        else:
            out.append(line[i])
            i += 1
    return "".join(out)


def _walk(text, start=0):
    """Yield (offset, char, depth after it) outside strings; `->` is not a bracket."""
    depth = 0
    j = start
    while j < len(text):
        c = text[j]
        if c == '"':
            m = _STR.match(text, j)
            j = m.end() if m else len(text)
            continue
        if c in "{[(<":
            depth += 1
        elif c in "}])>" and not (c == ">" and text[j - 1:j] == "-"):
            depth -= 1
        yield j, c, depth
        j += 1


def _closing(line, i):
    for j, c, depth in _walk(line, i):
        if depth == 0:
            return j if c == "}" else -1
    return -1


def _sorted_dict(inner):
    parts = _split_top(inner)
    if len(parts) > 1 and all(re.match(r"\s*[\w$.\"-]+\s*(=|$)", p) for p in parts):
        parts = sorted(p.strip() for p in parts)
        return "{" + ", ".join(sort_attr_dicts(p) for p in parts) + "}"
    return "{" + sort_attr_dicts(inner) + "}"


def _split_top(text):
    parts, start = [], 0
    for j, c, depth in _walk(text):
        if c == "," and depth == 0:
            parts.append(text[start:j])
            start = j + 1
    parts.append(text[start:])
    return parts


@dataclass
class Diff:
    a_label: str
    b_label: str
    a_lines: list
    b_lines: list
    context: int = 3

    def opcodes(self):
        matcher = difflib.SequenceMatcher(None, self.a_lines, self.b_lines, autojunk=len(self.a_lines) > 20000)
        return matcher.get_grouped_opcodes(self.context)

    def unified(self):
        return difflib.unified_diff(self.a_lines, self.b_lines, self.a_label, self.b_label,
                                    n=self.context, lineterm="")

    def counts(self):
        """(lines added, lines removed)."""
        added = removed = 0
        matcher = difflib.SequenceMatcher(None, self.a_lines, self.b_lines, autojunk=len(self.a_lines) > 20000)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag in ("replace", "delete"):
                removed += i2 - i1
            if tag in ("replace", "insert"):
                added += j2 - j1
        return added, removed

    @property
    def same(self):
        return self.a_lines == self.b_lines

    def __repr__(self):
        added, removed = self.counts()
        return f"<Diff {self.a_label!r} -> {self.b_label!r}: +{added} -{removed} lines>"

    def _repr_html_(self):
        from irtools.notebook.display import diff_html

        added, removed = self.counts()
        title = f"{self.a_label} → {self.b_label}: +{added} −{removed} lines"
        if self.same:
            title = f"{self.a_label} → {self.b_label}: no difference"
        return diff_html(title, self.unified())
