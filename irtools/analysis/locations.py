"""MLIR locations as printed (`loc(...)`), and the model ops they point back to.

A dispatch's ops keep the locations of the model ops they came from when the
executable sources are dumped with `--mlir-print-debuginfo`. Those are nested:

    "model.layers.3.self_attn.q_proj"("llama.py":12:0)    a name (PyTorch-, ONNX-, JAX-style)
    callsite("model.py":8:4 at "model.py":2:1)            an op inside a call (IREE wraps
                                                          every op in its function's callsite)
    fused["name A", "name B"("f.py":1:2)]                 ops merged by a rewrite

`origins()` unpacks them to the names of the model ops, the innermost name
first; where no name is given, the innermost file location (`file.mlir:6`).
The printed form is parsed rather than the binding's Location objects: the
bindings of IREE 3.13 expose no accessors to a location's parts.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

# A parsed location: ("unknown",), ("file", path, line), ("name", text, child),
# ("callsite", callee, caller), ("fused", [children]), ("other", text).


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.i = 0

    def error(self, what):
        raise ValueError(f"{what} at {self.i} in {self.text[:200]!r}")

    def skip(self):
        while self.i < len(self.text) and self.text[self.i] in " \t\n":
            self.i += 1

    def take(self, token: str) -> bool:
        self.skip()
        if self.text.startswith(token, self.i):
            self.i += len(token)
            return True
        return False

    def expect(self, token: str):
        if not self.take(token):
            self.error(f"expected {token!r}")

    def string(self) -> str:
        self.expect('"')
        out = []
        t = self.text
        while self.i < len(t):
            c = t[self.i]
            if c == "\\" and self.i + 1 < len(t):
                pair = t[self.i + 1:self.i + 3]
                if re.fullmatch(r"[0-9A-Fa-f]{2}", pair):  # MLIR escapes bytes as \XX
                    out.append(chr(int(pair, 16)))
                    self.i += 3
                else:
                    out.append(t[self.i + 1])
                    self.i += 2
                continue
            if c == '"':
                self.i += 1
                return "".join(out)
            out.append(c)
            self.i += 1
        self.error("unterminated string")
        return ""

    def number(self) -> int:
        self.skip()
        m = re.compile(r"\d+").match(self.text, self.i)
        if not m:
            self.error("expected a number")
        self.i = m.end()
        return int(m.group())

    def balanced(self, open_: str, close: str) -> str:
        """Skip a bracketed attribute (fused metadata, opaque locations)."""
        depth, start = 0, self.i
        while self.i < len(self.text):
            c = self.text[self.i]
            if c == '"':
                self.string()
                continue
            self.i += 1
            if c == open_:
                depth += 1
            elif c == close:
                depth -= 1
                if depth == 0:
                    return self.text[start:self.i]
        self.error(f"unbalanced {open_}")
        return ""

    def loc(self):
        self.skip()
        if self.take("unknown"):
            return ("unknown",)
        if self.take("callsite("):
            callee = self.loc()
            self.expect("at")
            caller = self.loc()
            self.expect(")")
            return ("callsite", callee, caller)
        if self.take("fused"):
            self.skip()
            if self.text.startswith("<", self.i):
                self.balanced("<", ">")
            self.expect("[")
            children = [self.loc()]
            while self.take(","):
                children.append(self.loc())
            self.expect("]")
            return ("fused", children)
        if self.text.startswith('"', self.i):
            text = self.string()
            self.skip()
            if self.text.startswith(":", self.i):  # "file":line:col [to line:col]
                self.i += 1
                line = self.number()
                if self.take(":"):
                    self.number()
                if self.take("to"):
                    self.skip()
                    if not self.text.startswith(":", self.i):
                        self.number()
                    if self.take(":"):
                        self.number()
                return ("file", text, line)
            if self.text.startswith("(", self.i):
                self.i += 1
                child = self.loc()
                self.expect(")")
                return ("name", text, child)
            return ("name", text, ("unknown",))
        if self.text.startswith("#", self.i):  # an opaque location or an alias
            start = self.i
            while self.i < len(self.text) and self.text[self.i] not in ",)]":
                if self.text[self.i] == "<":
                    self.balanced("<", ">")
                else:
                    self.i += 1
            return ("other", self.text[start:self.i])
        self.error("expected a location")
        return ("unknown",)


def parse(text: str):
    """Parse `loc(...)` (or the text inside it)."""
    text = text.strip()
    if text.startswith("loc(") and text.endswith(")"):
        text = text[4:-1]
    p = _Parser(text)
    node = p.loc()
    p.skip()
    if p.i != len(text):
        p.error("unexpected text")
    return node


@dataclass(frozen=True)
class Origin:
    """Where an op came from: a model op's name, or a file and line."""

    label: str
    named: bool  # a name location (a model op path) rather than a file position


def _names(node) -> list[str]:
    """The name paths of a location, innermost frame first within a call chain."""
    kind = node[0]
    if kind == "name":
        return [node[1]]
    if kind == "callsite":
        callee, caller = _names(node[1]), _names(node[2])
        if not callee:
            return caller
        if not caller:
            return callee
        # A call chain of short names (JAX-style) reads outside-in; a full path
        # (PyTorch-style) already holds its callers' names.
        return [c if any(c.startswith(o) for o in caller) else f"{caller[0]}/{c}" for c in callee]
    if kind == "fused":
        out: list[str] = []
        for child in node[1]:
            out += [n for n in _names(child) if n not in out]
        return out
    return []


def _files(node) -> list[tuple[str, int]]:
    kind = node[0]
    if kind == "file":
        return [(node[1], node[2])]
    if kind == "name":
        return _files(node[2])
    if kind == "callsite":
        return _files(node[1]) or _files(node[2])
    if kind == "fused":
        out: list[tuple[str, int]] = []
        for child in node[1]:
            out += [f for f in _files(child) if f not in out]
        return out
    return []


def origins(text: str) -> list[Origin]:
    """The model ops a printed location points back to (empty if unknown)."""
    try:
        node = parse(text)
    except ValueError:
        return []
    names = _names(node)
    if names:
        return [Origin(n, True) for n in names]
    return [Origin(f"{os.path.basename(f)}:{line}", False) for f, line in _files(node)]


_SEPARATORS = re.compile(r"[./]")


def prefix(origin: Origin, depth: int | None) -> str:
    """The first `depth` parts of a name path (`model.layers.3` for depth 3);
    file positions are kept whole."""
    if depth is None or not origin.named:
        return origin.label
    # Cut before the depth-th separator, keeping them as written ("/model/layers.0" too).
    seps = [m.start() for m in _SEPARATORS.finditer(origin.label) if m.start() > 0]
    return origin.label if len(seps) < depth else origin.label[:seps[depth - 1]]
