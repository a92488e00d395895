"""A structural fingerprint of a dispatch: what it computes, not what it is called.

The input is an executable source as `--iree-hal-dump-executable-sources-to`
writes it: a `hal.executable` holding one `func.func` per export. Three digests,
each coarser than the one before:

- `source`: the function's text with SSA names, block labels, symbol names and
  locations normalised away (values are numbered by first appearance). Constants,
  shapes, types and attributes stay. The target attributes of the variant (CPU
  name, features) are not part of the function, so two builds that differ only in
  codegen flags give the same `source`.
- `compute`: only the computation: the `hal.interface.*` ops, `util.assume.int`
  and whatever is derived from them alone (binding offsets, push constants) are
  dropped, and constants are written where they are used, so the order in which
  the compiler hoisted them does not count. A dispatch whose buffers moved (which
  changes its offsets whenever fusion elsewhere changes) keeps its `compute`.
- `ops`: the sorted digests of its root ops (linalg, iree_linalg_ext and tensor
  ops other than fills, empties and reshapes), each normalised on its own, with
  values from outside it written as `%`. Two dispatches that share an op digest
  hold the same operation: that is how splits and merges are found.

`summary` names the root ops readably (`linalg.matmul 32x128 128x128 -> 32x128`).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from irtools._io import refuse_special
from irtools.errors import UsageError

MAX_SOURCE_BYTES = 64 << 20   # sources are KBs; a bigger file has inlined constants

_TOKEN = re.compile(r"""
    (?P<str>"(?:[^"\\]|\\.)*")
  | (?P<ssa>%[A-Za-z0-9_$.\-]+)
  | (?P<sym>@(?:"(?:[^"\\]|\\.)*"|[A-Za-z0-9_$.\-]+))
  | (?P<blk>\^[A-Za-z0-9_$.\-]+)
  | (?P<loc>\bloc\()
""", re.X)
_OP = re.compile(r"^\s*(?:(?:%[A-Za-z0-9_$.\-]+(?::\d+)?(?:\s*,\s*)?)+\s*=\s*)?\"?([a-z_][\w$.]*)")
_CONSTANT = re.compile(r"^\s*(%[A-Za-z0-9_$.\-]+)\s*=\s*arith\.constant\s+(.*?)\s*$")
_DEFS = re.compile(r"^\s*((?:%[A-Za-z0-9_$.\-]+(?::\d+)?(?:\s*,\s*)?)+)\s*=")
_FUNC = re.compile(r"^\s*func\.func\s+(?:(?:public|private|nested)\s+)?@([A-Za-z0-9_$.\-]+|\"[^\"]*\")")
_TENSOR = re.compile(r"tensor<([^<>]*)>")

INTERFACE_OPS = ("hal.interface.", "util.assume.int")
SCALAR_DIALECTS = ("arith.", "affine.", "index.")
ROOT_DIALECTS = ("linalg.", "iree_linalg_ext.", "tensor.")
NOT_ROOT = {"linalg.fill", "linalg.yield", "linalg.index", "tensor.empty", "tensor.dim",
            "tensor.cast", "tensor.expand_shape", "tensor.collapse_shape", "tensor.extract",
            "tensor.extract_slice", "tensor.insert_slice", "tensor.yield"}


@dataclass(frozen=True)
class Fingerprint:
    """The identity of one dispatch function (see the module's doc)."""

    name: str                       # the export's name: prefill_dispatch_2_matmul_32x128x128_f32
    source: str                     # digests, 16 hex digits each
    compute: str
    ops: tuple[str, ...]            # sorted root-op digests (a multiset)
    summary: tuple[str, ...] = field(default=(), compare=False)   # root ops, readable
    path: str | None = field(default=None, compare=False)

    @property
    def op_set(self) -> frozenset[str]:
        return frozenset(self.ops)


def _digest(lines: Iterable[str]) -> str:
    h = hashlib.blake2b(digest_size=8)
    for line in lines:
        h.update(line.encode())
        h.update(b"\n")
    return h.hexdigest()


def _strip_locs(line: str) -> str:
    """`line` without its `loc(...)` parts (balanced, strings skipped)."""
    if "loc(" not in line:
        return line
    out, pos = [], 0
    for m in _TOKEN.finditer(line):
        if m.lastgroup != "loc" or m.start() < pos:
            continue
        out.append(line[pos:m.start()].rstrip())
        depth, j = 1, m.end()
        while j < len(line) and depth:
            c = line[j]
            if c == '"':
                s = re.compile(r'"(?:[^"\\]|\\.)*"').match(line, j)
                j = s.end() if s else len(line)
                continue
            depth += c == "("
            depth -= c == ")"
            j += 1
        pos = j
    out.append(line[pos:])
    return "".join(out)


class _Names:
    """Renames SSA values and blocks by first appearance; constants and dropped values
    are written as given in `fixed`."""

    def __init__(self, fixed: dict[str, str] | None = None, dropped: set[str] | None = None,
                 outside: set[str] | None = None):
        self.fixed = fixed if fixed is not None else {}     # shared, filled as we go
        self.dropped = dropped if dropped is not None else set()
        self.outside = outside          # names defined before: written `%`
        self.values: dict[str, str] = {}
        self.blocks: dict[str, str] = {}

    def line(self, line: str) -> str:
        out, pos = [], 0
        for m in _TOKEN.finditer(line):
            kind, text = m.lastgroup, m.group(0)
            if kind == "ssa":
                rep = self.fixed.get(text)
                if rep is None and text in self.dropped:
                    rep = "%?"
                if rep is None and self.outside is not None and text in self.outside:
                    rep = "%"
                if rep is None:
                    rep = self.values.setdefault(text, f"%{len(self.values)}")
            elif kind == "blk":
                rep = self.blocks.setdefault(text, f"^bb{len(self.blocks)}")
            elif kind == "sym":
                rep = "@"
            else:
                continue
            out.append(line[pos:m.start()])
            out.append(rep)
            pos = m.end()
        out.append(line[pos:])
        return "".join(out).strip()


def _uses(line: str) -> list[str]:
    """SSA names on the line, outside strings, after its `=` (the operands)."""
    m = _DEFS.match(line)
    rest = line[m.end():] if m else line
    return [t.group(0) for t in _TOKEN.finditer(rest) if t.lastgroup == "ssa"]


def _defs(line: str) -> list[str]:
    m = _DEFS.match(line)
    if not m:
        return []
    return [re.sub(r":\d+$", "", d.strip()) for d in m.group(1).split(",") if d.strip()]


def _op_name(line: str) -> str:
    m = _OP.match(line)
    return m.group(1) if m else ""


def _depth_change(line: str) -> int:
    text = re.sub(r'"(?:[^"\\]|\\.)*"', "", line)
    return text.count("{") - text.count("}")


def _functions(lines: Iterable[str]) -> Iterator[tuple[str, list[str]]]:
    """(name, lines of its body) of every func.func, the braces of the function excluded."""
    name, body, depth = None, [], 0
    for raw in lines:
        line = _strip_locs(raw.rstrip("\r\n"))
        if name is None:
            m = _FUNC.match(line)
            if m:
                name, body, depth = m.group(1).strip('"'), [], _depth_change(line)
                if depth <= 0:   # a declaration, or a one-line body
                    name = None
            continue
        depth += _depth_change(line)
        if depth <= 0:
            yield name, body
            name = None
            continue
        body.append(line)


def _statements(body: list[str]) -> Iterator[list[str]]:
    """Top-level statements of a function body: an op with its region lines, or an
    op printed over several lines (util.assume.int)."""
    i = 0
    while i < len(body):
        stmt = [body[i]]
        depth = _depth_change(body[i])
        i += 1
        if depth > 0:
            while i < len(body) and depth > 0:
                depth += _depth_change(body[i])
                stmt.append(body[i])
                i += 1
        elif re.search(r"util\.assume\.int\s*$", stmt[0]):
            while i < len(body):
                stmt.append(body[i])
                i += 1
                if stmt[-1].lstrip().startswith(":"):
                    break
        yield stmt


def _shapes(text: str) -> str:
    return " ".join("x".join(p for p in t.split("x") if p.isdigit() or p == "?") or "scalar"
                    for t in _TENSOR.findall(text))


def _summary(op: str, stmt: list[str]) -> str:
    head = stmt[0]
    if op == "linalg.generic":
        iters = re.search(r"iterator_types\s*=\s*\[([^\]]*)\]", head)
        kinds = ",".join(sorted({k.strip().strip('"') for k in iters.group(1).split(",")})) \
            if iters else ""
        op = f"linalg.generic({kinds})"
    tail = stmt[-1] if len(stmt) > 1 else head
    arrow = tail.rfind("->")
    ins = head.split(" outs(")[0]
    shapes = _shapes(ins[ins.find(" : ") + 3:] if " : " in ins else ins)
    out = _shapes(tail[arrow:]) if arrow >= 0 else ""
    return f"{op} {shapes} -> {out}".strip() if out else f"{op} {shapes}".strip()


def fingerprint_function(name: str, body: list[str], path: str | None = None) -> Fingerprint:
    """The fingerprint of one function body (the lines between its braces)."""
    source = _Names()
    source_lines = [source.line(ln) for ln in body]

    constants: dict[str, str] = {}
    dropped: set[str] = set()
    defined: set[str] = set()
    compute = _Names(constants, dropped)
    compute_lines: list[str] = []
    op_digests: list[tuple[str, str]] = []
    for stmt in _statements(body):
        head = stmt[0]
        op = _op_name(head)
        defs = _defs(head)
        c = _CONSTANT.match(head) if len(stmt) == 1 else None
        if c:
            constants[c.group(1)] = "#" + c.group(2)
            continue
        uses = [u for u in _uses(" ".join(stmt)) if u not in constants]
        # Index arithmetic on push constants and offsets goes with them.
        interface = op.startswith(INTERFACE_OPS) or (
            op.startswith(SCALAR_DIALECTS) and bool(uses) and all(u in dropped for u in uses))
        if interface:
            dropped.update(defs)
            continue
        compute_lines.extend(compute.line(ln) for ln in stmt)
        if op.startswith(ROOT_DIALECTS) and op not in NOT_ROOT:
            local = _Names(constants, dropped, outside=defined)
            text = [local.line(ln) for ln in stmt]
            op_digests.append((_digest(text), _summary(op, stmt)))
        # Values inside a region are local to it: only the statement's results count.
        defined.update(defs)
    op_digests.sort()
    return Fingerprint(name=name, source=_digest(source_lines), compute=_digest(compute_lines),
                       ops=tuple(d for d, _ in op_digests),
                       summary=tuple(s for _, s in op_digests), path=path)


def fingerprint_text(lines: Iterable[str], path: str | None = None) -> dict[str, Fingerprint]:
    """Fingerprints of every function in an executable source, by function name."""
    return {name: fingerprint_function(name, body, path) for name, body in _functions(lines)}


def fingerprint_file(path) -> dict[str, Fingerprint]:
    """Fingerprints of the functions in one executable source file."""
    path = os.fspath(path)
    refuse_special(path)
    try:
        size = os.path.getsize(path)
    except OSError as err:
        raise UsageError(f"cannot read the executable source: {err.strerror}", path=path,
                         fix="rerun `irtools run` so that the sources are dumped again") from None
    if size > MAX_SOURCE_BYTES:
        raise UsageError(f"the executable source is {size:,} bytes, more than the "
                         f"{MAX_SOURCE_BYTES >> 20} MiB a dispatch's source should hold",
                         path=path, fix="check that this is an executable source file")
    with open(path, encoding="utf-8", errors="replace") as f:
        return fingerprint_text(f, path)


def fingerprint_folder(folder) -> dict[str, Fingerprint]:
    """Fingerprints of every dispatch function in a sources folder, by export name."""
    out: dict[str, Fingerprint] = {}
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        return out
    for entry in sorted(os.listdir(folder)):
        if entry.endswith(".mlir"):
            out.update(fingerprint_file(os.path.join(folder, entry)))
    return out
