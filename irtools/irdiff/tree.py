"""A print as a tree of the ops passes run on, each with a digest of its text.

The ops a dump's snapshots are scoped on (modules, functions, executables, ...) are the
tree's nodes; everything else is text of the node it sits in. A node's digest covers its
own text (its *template*: the text with each child op cut out, in `normal.context_form`)
and its children's digests, so two nodes have the same digest exactly when they print
the same wherever they were printed. A later print of one op replaces its node and the
digests up its path (`replace`); nodes of equal digest are shared.
"""

from __future__ import annotations

import hashlib
import re

from irtools.irdiff import mlir, normal

_SYMBOL = re.compile(rb'(?:\s+(?:public|private|nested))*\s+@("(?:[^"\\]|\\.)*"|[\w$.-]+)')
_USE = re.compile(rb'@("(?:[^"\\]|\\.)*"|[\w$.-]+)')
HOLE = b"\x00"   # where a child op was cut out of a template
_PRINTS = 4096


class Node:
    __slots__ = ("op", "symbol", "tag", "tdig", "digest", "children", "snap", "path")

    def __init__(self, op, symbol, tag, tdig, children, snap, path):
        self.op, self.symbol, self.tag, self.tdig = op, symbol, tag, tdig
        self.children = children
        self.snap, self.path = snap, path   # where its template was printed (snapshot, path)
        h = hashlib.blake2b(tdig, digest_size=16)
        for c in children:
            h.update(c.digest)
        self.digest = h.digest()

    @property
    def key(self):
        return self.op, self.symbol

    def with_child(self, k, child):
        children = self.children[:k] + (child,) + self.children[k + 1:]
        return Node(self.op, self.symbol, self.tag, self.tdig, children, self.snap, self.path)

    def walk(self, path=()):
        """(path, node) of this node and every node below it."""
        yield path, self
        for k, c in enumerate(self.children):
            yield from c.walk(path + (k,))

    def at(self, path):
        node = self
        for k in path:
            if k >= len(node.children):
                return None
            node = node.children[k]
        return node


def replace(root, path, node):
    """`root` with the node at `path` replaced (new nodes along the path only)."""
    if not path:
        return node
    return root.with_child(path[0], replace(root.children[path[0]], path[1:], node))


def kinds_pattern(kinds):
    """The op lines that open a node: one of `kinds` at the start of a line."""
    names = sorted({k.encode() for k in kinds} | {b"builtin.module", b"module"}, key=len, reverse=True)
    alt = b"|".join(re.escape(n) for n in names)
    return re.compile(rb'\n( *)"?(' + alt + rb')"?(?=[ {(\n]|$)')


class Parser:
    """Parses prints into nodes; templates seen are kept (by digest) within a budget,
    for the cosmetic comparison of nodes that differ."""

    def __init__(self, kinds, budget=256 << 20):
        self.pattern = kinds_pattern(kinds)
        self.prints = {}     # (length, hash) of a print's text -> its tree: most prints repeat one
        self.interned = {}
        self.templates = {}
        self.kept = 0
        self.budget = budget

    def parse(self, text: bytes, snap: int) -> Node | None:
        """The printed op of `text` (one snapshot's reduced text) as a tree, or None."""
        ident = len(text), hash(text)
        known = self.prints.get(ident)
        if known is None:
            known = self.prints[ident] = self._parse(text, snap)
            if len(self.prints) > _PRINTS:
                del self.prints[next(iter(self.prints))]
        return known

    def _parse(self, text, snap):
        start = mlir.body_start(text)
        aliases = normal.aliases_of(text[:start]) if start else {}
        expand = _expander(aliases)
        body = b"\n" + text[start:]
        found = []   # (start, end, indent, op, symbol) of each node line, in order
        for m in self.pattern.finditer(body):
            s = m.start() + 1
            indent = len(m.group(1))
            op = m.group(2)
            sym = _SYMBOL.match(body, m.end())
            symbol = sym.group(1) if sym and body.find(b"\n", m.end(), sym.end()) < 0 else b""
            found.append((s, mlir.op_end(body, s, indent), indent,
                          "builtin.module" if op == b"module" else op.decode(),
                          mlir.unquote(symbol.decode("utf-8", "replace"))))
        if not found or found[0][0] != 1:
            return None
        # Children by nesting: a node holds the later ones that start before its end.
        kids = [[] for _ in found]
        stack = []
        for k, (s, *_rest) in enumerate(found):
            while stack and s >= found[stack[-1]][1]:
                stack.pop()
            if stack:
                kids[stack[-1]].append(k)
            elif k:
                break   # text after the printed op (e.g. #loc definitions at the end)
            stack.append(k)
        return self._build(body, found, kids, 0, expand, snap, ())

    def _build(self, body, found, kids, k, expand, snap, path):
        s, e, indent, op, symbol = found[k]
        children = tuple(self._build(body, found, kids, c, expand, snap, path + (n,))
                         for n, c in enumerate(kids[k]))
        pieces, pos = [], s
        for c in kids[k]:
            cs, ce = found[c][0], found[c][1]
            pieces.append(body[pos:cs])
            pieces.append(HOLE)
            pos = ce
        pieces.append(body[pos:e])
        template = b"".join(pieces)
        if op == "builtin.module":
            template = normal.scrub_fixedpoint(template)
        form = normal.context_form(expand(template), {})
        tdig = hashlib.blake2b(form, digest_size=16).digest()
        tag = _first_use(form) or (children[0].symbol or children[0].tag if children else "")
        node = Node(op, symbol, tag, tdig, children, snap, path)
        known = self.interned.get(node.digest)
        if known is not None:
            return known
        self.interned[node.digest] = node
        if tdig not in self.templates:
            self._keep(tdig, form)
        return node

    def _keep(self, tdig, form):
        self.templates[tdig] = form
        self.kept += len(form)
        while self.kept > self.budget and len(self.templates) > 1:
            old = self.templates.pop(next(iter(self.templates)))
            self.kept -= len(old)

    def template(self, node, reread):
        """The context form of a node's template; `reread(snap)` gives a print's text
        again when the template was dropped from the budget."""
        form = self.templates.get(node.tdig)
        if form is None:
            again = Parser.__new__(Parser)
            again.pattern, again.interned, again.templates, again.prints = self.pattern, {}, {}, {}
            again.kept, again.budget = 0, 1 << 62   # one print's templates: all kept
            root = again.parse(reread(node.snap), node.snap)
            other = root.at(node.path) if root is not None else None
            form = again.templates.get(other.tdig) if other is not None else None
            if form is None:
                return None
        return form

    def same_but_cosmetic(self, a, b, reread) -> bool:
        """Whether two nodes of different digests differ only cosmetically."""
        if a.digest == b.digest:
            return True
        if len(a.children) != len(b.children) or a.key != b.key:
            return False
        if a.tdig != b.tdig:
            fa, fb = self.template(a, reread), self.template(b, reread)
            if fa is None or fb is None or not normal.is_cosmetic(fa, fb):
                return False
        return all(self.same_but_cosmetic(x, y, reread) for x, y in zip(a.children, b.children))


def _first_use(form):
    eol = form.find(b"\n")
    m = _USE.search(form, eol) if eol >= 0 else None
    return mlir.unquote(m.group(1).decode("utf-8", "replace")) if m else ""


def _expander(aliases):
    if not aliases:
        return lambda text: text
    pattern = mlir.alias_pattern(tuple(aliases))
    get = aliases.__getitem__
    return lambda text: pattern.sub(lambda m: get(m.group(0)), text) if b"#" in text or b"!" in text \
        else text
