"""A print as a tree of the ops passes run on, each with a digest of its text.

The ops a dump's snapshots are scoped on (modules, functions, executables, ...) are the
tree's nodes; everything else is text of the node it sits in. A node's digest covers its
own text (its *template*: the text with each child op cut out, in `normal.context_form`)
and its children's digests, so two nodes have the same digest exactly when they print
the same wherever they were printed. A later print of one op replaces its node and the
digests up its path (`replace`); nodes of equal digest are shared.
"""

from __future__ import annotations

import functools
import hashlib
import re

from irtools.irdiff import mlir, normal

try:   # the byte work in C (see _prints.c); the regular expressions below where not built
    from irtools.irdiff import _prints
except ImportError:  # pragma: no cover - a build without a C compiler
    _prints = None  # type: ignore[assignment]

def text_key(data: bytes, start: int = 0, end: int = -1) -> int:
    """A 64-bit hash of data[start:end] (to the end when end < 0), with no slice made:
    with the length, the key of the parser's caches of prints and ops."""
    if _prints is not None:
        return _prints.digest64(data, start, end)
    return hash(memoryview(data)[start:len(data) if end < 0 else end])


_SYMBOL = re.compile(rb'(?:\s+(?:public|private|nested))*\s+@("(?:[^"\\]|\\.)*"|[\w$.-]+)')
_USE = re.compile(rb'@("(?:[^"\\]|\\.)*"|[\w$.-]+)')
HOLE = b"\x00"   # where a child op was cut out of a template
_PRINTS = 4096
_OPS = 1 << 16


def digest(data: bytes) -> bytes:
    """16 bytes that stand for `data`: its length and a 64-bit hash (`_prints.digest64`,
    ~5 GB/s), as the caches of prints are keyed; without the C code, SHA-256."""
    if _prints is not None:
        return len(data).to_bytes(8, "little") + _prints.digest64(data).to_bytes(8, "little")
    return hashlib.sha256(data).digest()[:16]


class Node:
    __slots__ = ("op", "symbol", "key", "tag", "tdig", "_digest", "children", "snap", "path")

    def __init__(self, op, symbol, tag, tdig, children, snap, path):
        self.op, self.symbol, self.tag, self.tdig = op, symbol, tag, tdig
        self.key = op, symbol
        self.children = children
        self.snap, self.path = snap, path   # where its template was printed (snapshot, path)
        self._digest = None

    @property
    def digest(self) -> bytes:
        # Made when first asked for: most trees `replace` makes are never compared whole.
        if self._digest is None:
            self._digest = digest(b"".join([self.tdig, *[c.digest for c in self.children]]))
        return self._digest

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


def kind_names(kinds) -> tuple:
    """The op names that open a node, longest first: `kinds` and both spellings of a module."""
    return tuple(sorted({k.encode() for k in kinds} | {b"builtin.module", b"module"},
                        key=lambda n: (-len(n), n)))


def kinds_pattern(names):
    """The op lines that open a node: one of `names` at the start of a line."""
    alt = b"|".join(re.escape(n) for n in names)
    return re.compile(rb'\n( *)"?(' + alt + rb')"?(?=[ {(\n]|$)')


def _op_name(name: bytes) -> str:
    return "builtin.module" if name == b"module" else name.decode()


def find_nodes(text: bytes, start: int, names: tuple, pattern, fast=True) -> tuple:
    """(found, kids): (start, end, indent, op, symbol) of each line of `text` from `start`
    (a line's start) on that opens an op named one of `names`, in order, up to a second op
    outside the first (text after the printed op, e.g. `#loc` definitions); and for each,
    the indices of those right inside it."""
    if fast and _prints is not None:
        return _prints.nodes(text, start, names, _op_names(names), mlir.unquote)
    body = b"\n" + text[start:]   # the pattern wants a newline before each line
    shift = start - 1
    found, kids, stack = [], [], []
    for m in pattern.finditer(body):
        s = m.start() + 1
        while stack and s + shift >= found[stack[-1]][1]:
            stack.pop()
        if found and not stack:
            break
        indent = len(m.group(1))
        sym = _SYMBOL.match(body, m.end())
        symbol = sym.group(1) if sym and body.find(b"\n", m.end(), sym.end()) < 0 else b""
        if stack:
            kids[stack[-1]].append(len(found))
        stack.append(len(found))
        found.append((s + shift, mlir.op_end(body, s, indent) + shift, indent, _op_name(m.group(2)),
                      _symbol(symbol)))
        kids.append([])
    return found, kids


@functools.lru_cache(maxsize=64)
def _op_names(names: tuple) -> tuple:
    return tuple(_op_name(n) for n in names)


def _symbol(printed: bytes) -> str:
    return mlir.unquote(printed.decode("utf-8", "replace")) if printed else ""


def template_form(template: bytes, aliases: dict, fast=True) -> bytes:
    """The context form of a node's template, with the aliases of its print expanded."""
    if fast and _prints is not None:
        return _prints.form(template, aliases)
    return normal.context_form(_expander(aliases)(template), {})


def template_of(text: bytes, found: list, kids: list, k: int) -> bytes:
    """The text of node k with each node right inside it cut out (a HOLE in its place)."""
    pieces, pos = [], found[k][0]
    for c in kids[k]:
        cs, ce = found[c][0], found[c][1]
        pieces.append(text[pos:cs])
        pieces.append(HOLE)
        pos = ce
    pieces.append(text[pos:found[k][1]])
    return b"".join(pieces)


def node_form(text: bytes, found: list, kids: list, k: int, aliases: dict, fast=True) -> bytes:
    """The context form of node k's template."""
    if fast and _prints is not None:
        s, e = found[k][0], found[k][1]
        return _prints.form(text, aliases, s, e, found, kids[k])
    return template_form(template_of(text, found, kids, k), aliases, fast)


class Parser:
    """Parses prints into nodes; templates seen are kept (by digest) within a budget,
    for the cosmetic comparison of nodes that differ."""

    def __init__(self, kinds, budget=256 << 20, fast=True):
        self.names = kind_names(kinds)
        self.pattern = kinds_pattern(self.names)
        self.fast = fast
        self.prints = {}     # (length, hash) of a print's text -> its tree: most prints repeat one
        self.heads = {}      # (length, hash) of a print's alias definitions -> the aliases
        self.ops = {}        # (head, length, hash) of an op's text in a print -> its tree
        self.interned = {}
        self.templates = {}
        self.kept = 0
        self.budget = budget

    def parse(self, text: bytes, snap: int) -> Node | None:
        """The printed op of `text` (one snapshot's reduced text) as a tree, or None."""
        ident = len(text), text_key(text)
        known = self.prints.get(ident)
        if known is None:
            known = self.prints[ident] = self._parse(text, snap)
            bound(self.prints, _PRINTS)
        return known

    def _parse(self, text, snap):
        start = mlir.body_start(text)
        head = text[:start]
        hkey = len(head), hash(head)
        aliases = self.heads.get(hkey)
        if aliases is None:
            aliases = self.heads[hkey] = normal.aliases_of(head) if start else {}
            bound(self.heads, _PRINTS)
        found, kids = find_nodes(text, start, self.names, self.pattern, self.fast)
        if not found or found[0][0] != start:
            return None
        return self._build(_Print(text, found, kids, aliases, hkey, snap), 0, ())[0]

    def _build(self, pr, k, path):
        """(node, whether its text holds all of it) of found[k]."""
        s, e, indent, op, symbol = pr.found[k]
        ident = None
        if path:   # an op inside the print: the same text under the same aliases, the same tree
            ident = pr.hkey, e - s, text_key(pr.text, s, e)
            known = self.ops.get(ident)
            if known is not None:
                return known, True
        built = [self._build(pr, c, path + (n,)) for n, c in enumerate(pr.kids[k])]
        children = tuple(node for node, _ in built)
        # A child running past this op's end (a cut print) makes its tree depend on text
        # outside it: not kept for reuse.
        whole = all(inside and pr.found[c][1] <= e for c, (_, inside) in zip(pr.kids[k], built))
        node = self._node(pr, k, children, path)
        if ident is not None and whole:
            self.ops[ident] = node
            bound(self.ops, _OPS)
        return node, whole

    def _node(self, pr, k, children, path):
        s, e, indent, op, symbol = pr.found[k]
        if op == "builtin.module":   # without the marks of IREE's fixed-point iterator
            template = normal.scrub_fixedpoint(template_of(pr.text, pr.found, pr.kids, k))
            form = template_form(template, pr.aliases, self.fast)
        else:
            form = node_form(pr.text, pr.found, pr.kids, k, pr.aliases, self.fast)
        tdig = digest(form)
        tag = _first_use(form) or (children[0].symbol or children[0].tag if children else "")
        node = Node(op, symbol, tag, tdig, children, pr.snap, path)
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
            again.names, again.pattern, again.fast = self.names, self.pattern, self.fast
            again.interned, again.templates, again.prints = {}, {}, {}
            again.heads, again.ops = {}, {}
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


class _Print:
    """One print being built into a tree: its text, the node lines found in it, and
    which of them nest in which."""

    __slots__ = ("text", "found", "kids", "aliases", "hkey", "snap")

    def __init__(self, text, found, kids, aliases, hkey, snap):
        self.text, self.found, self.kids = text, found, kids
        self.aliases, self.hkey, self.snap = aliases, hkey, snap


def bound(cache, size):
    """Forget the oldest entries of a cache over `size`."""
    while len(cache) > size:
        del cache[next(iter(cache))]


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
