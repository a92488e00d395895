"""Tell a real change of printed IR from a printing artifact.

Two prints of an op are
  * "false"    when their text is the same (what `same` compares),
  * "cosmetic" when only what the printer chose differs: indentation, alias names
    (`#map1` against the inline `affine_map<...>`), SSA value and block names,
    locations, the order of attribute dictionaries,
  * "changed"  otherwise.
MLIR itself is the reference: printed generic with local scope and without locations,
two texts that are cosmetic here print the same (tests/test_irdiff_classes.py).

Everything is done on bytes with C-speed regular expressions; the per-token work
(renumbering SSA names, sorting dictionaries) runs only when the cheaper forms leave
the question open.
"""

from __future__ import annotations

import re

from irtools.irdiff import mlir

try:   # erase() in C (see _prints.c); the regular expressions below where not built
    from irtools.irdiff import _prints
except ImportError:  # pragma: no cover - a build without a C compiler
    _prints = None  # type: ignore[assignment]

CHANGED, COSMETIC, SAME, UNKNOWN = "changed", "cosmetic", "false", "unknown"
CLASSES = (CHANGED, COSMETIC, SAME, UNKNOWN)

_STRING = rb'"[^"\\\n]*(?:\\.[^"\\\n]*)*"'
_INDENT = re.compile(rb"\n[ \t]+")   # one literal-prefix pattern each: alternations run slower
_VALUE = re.compile(rb"%[\w$.-]+")
_BLOCK = re.compile(rb"\^[\w$.-]+")
_SSA_OUTSIDE = re.compile(_STRING + rb"|[%^][\w$.-]+")
_LOC_DEF = re.compile(rb"^#loc[\w$.-]* = .*$\n?", re.M)
_PARENS = re.compile(_STRING + rb"|[()]")
# A dialect attribute or type, where its custom form may print it stripped
# (`target(<"llvm-cpu", ...>)` when printed alone, `target(#executable_target_...)`
# with the alias for `#hal.executable.target<"llvm-cpu", ...>` in a module).
_ATTR_PREFIX = re.compile(rb"#[A-Za-z_][\w$]*\.[\w$.]*(?=<)")
_TYPE_PREFIX = re.compile(rb"![A-Za-z_][\w$]*\.[\w$.]*(?=<)")


def strip_indent(text: bytes) -> bytes:
    """Every line without its leading blanks. (The printer's trailing blanks, as after
    `util.assume.int `, follow from the op alone, like everything but the indentation.)"""
    text = _INDENT.sub(b"\n", text)
    if text[:1] in (b" ", b"\t"):
        text = text.lstrip(b" \t")
    return text.rstrip(b" \t\r\n")


# IREE's FixedPointIteratorPass marks the module while its iterations run
# (`iree.fixedpoint.iteration = 2 : index`, `iree.fixedpoint.modified`): the marks are
# the iterator's doing, not that of the passes inside it.
_MARK = re.compile(rb"(, )?\biree\.fixedpoint\.(?:iteration = \d+ : index|modified)(?(1)|(, )?)")
_EMPTY_ATTRS = re.compile(rb" attributes \{\}")


def scrub_fixedpoint(text: bytes) -> bytes:
    """`text` without the fixed-point marks on its first module line."""
    start = 0 if text.startswith(b"module") else text.find(b"\nmodule") + 1
    if start == 0 and not text.startswith(b"module"):
        return text
    end = text.find(b"\n", start)
    end = len(text) if end < 0 else end
    if text.find(b"iree.fixedpoint", start, end) < 0:
        return text
    line = _EMPTY_ATTRS.sub(b"", _MARK.sub(b"", text[start:end]), 1)
    return text[:start] + line + text[end:]


def aliases_of(text: bytes) -> dict:
    """The leading alias definitions of a print, each with the aliases it uses expanded."""
    found = mlir.leading_aliases(text)
    if not found:
        return {}
    out = {}
    for name, value in found.items():
        out[name] = strip_indent(value)
    for _ in range(4):   # aliases may refer to aliases
        grown = False
        for name, value in out.items():
            new = mlir.expand_aliases(value, out)
            if new != value:
                out[name], grown = new, True
        if not grown:
            break
    return out


def context_form(body: bytes, aliases: dict) -> bytes:
    """An op's text as it reads wherever it was printed: aliases expanded, no indentation,
    dialect attributes and types without their names (which a custom form may or may not
    print), the short spelling of a module. Two texts with the same context form are
    "false"."""
    text = strip_indent(mlir.expand_aliases(body, aliases) if aliases else body)
    if b"#" in text:
        text = _ATTR_PREFIX.sub(b"", text)
    if b"!" in text:
        text = _TYPE_PREFIX.sub(b"", text)
    return b"module" + text[len(b"builtin.module"):] if text.startswith(b"builtin.module") else text


def whole_form(text: bytes) -> bytes:
    """`context_form` of a whole print: its leading aliases expanded into its body."""
    return context_form(text[mlir.body_start(text):], aliases_of(text))


def strip_locs(text: bytes) -> bytes:
    """Without `loc(...)` annotations and `#loc` alias definitions."""
    if b"loc(" not in text:
        return text
    text = _LOC_DEF.sub(b"", text)
    out, pos = [], 0
    while True:
        start = text.find(b"loc(", pos)
        if start < 0:
            break
        if start and (text[start - 1:start].isalnum() or text[start - 1] in b"_.$\"#"):
            out.append(text[pos:start + 4])
            pos = start + 4
            continue
        end = _close_paren(text, start + 3)
        cut = start
        while cut > pos and text[cut - 1] in b" \t":
            cut -= 1
        out.append(text[pos:cut])
        pos = end
    out.append(text[pos:])
    return b"".join(out)


def _close_paren(text, open_at):
    depth = 0
    for m in _PARENS.finditer(text, open_at):
        tok = m.group()
        if tok == b"(":
            depth += 1
        elif tok == b")":
            depth -= 1
            if depth == 0:
                return m.end()
    return len(text)


def renumber(text: bytes) -> bytes:
    """SSA values and block labels renamed by first appearance (strings untouched)."""
    names = {}

    def sub(m):
        tok = m.group()
        if tok[:1] == b'"':
            return tok
        new = names.get(tok)
        if new is None:
            new = names[tok] = b"%c%d" % (tok[0], len(names))
        return new
    return _SSA_OUTSIDE.sub(sub, text)


def sort_dicts(line: bytes) -> bytes:
    """The entries of each attribute dictionary on the line in sorted order."""
    if b"{" not in line:
        return line
    from irtools.irdiff.diff import sort_attr_dicts

    return sort_attr_dicts(line.decode("latin-1")).encode("latin-1")


def normal_form(form: bytes) -> bytes:
    """The form two prints share when they differ only cosmetically (from a context form)."""
    return b"\n".join(sort_dicts(line) for line in renumber(strip_locs(form)).split(b"\n"))


def is_cosmetic(a: bytes, b: bytes) -> bool:
    """Whether two different context forms differ only cosmetically.

    Cheap necessary conditions first: with SSA names erased, the texts have as many
    lines and differ only in lines that sorting their dictionaries makes equal. The
    first line that differs is most often a real change, so it is looked at alone
    before the whole texts are (unless a location may hide there).
    """
    at = a.rfind(b"\n", 0, mismatch(a, b)) + 1
    x, y = _line(a, at), _line(b, at)
    if b"loc" not in x and b"loc" not in y and not _same_but_order(_erase(x), _erase(y)):
        return False
    a, b = strip_locs(a), strip_locs(b)
    if a == b:
        return True
    if a.count(b"\n") != b.count(b"\n"):
        return False
    ea, eb = _erase(a).split(b"\n"), _erase(b).split(b"\n")
    if not all(map(_same_but_order, ea, eb)):
        return False
    return normal_form(a) == normal_form(b)


# What str.strip() takes off the entries sort_dicts reorders (a line read as latin-1).
_SPACES = bytes(c for c in range(256) if chr(c).isspace())


def _same_but_order(x: bytes, y: bytes) -> bool:
    """Whether two lines are the same up to the order of their dictionaries' entries.
    Sorting only moves entries and the blanks around them: unless both lines have as
    many other bytes, the (slow) sort is not needed."""
    if x == y:
        return True
    if len(x.translate(None, _SPACES)) != len(y.translate(None, _SPACES)):
        return False
    return sort_dicts(x) == sort_dicts(y)


def mismatch(a: bytes, b: bytes, fast=True) -> int:
    """The first offset where `a` and `b` differ (the shorter length when one starts the other)."""
    if fast and _prints is not None:
        return _prints.mismatch(a, b)
    n, i, step = min(len(a), len(b)), 0, 4096
    while i < n and a[i:i + step] == b[i:i + step]:
        i += step
    while i < n and a[i] == b[i]:
        i += 1
    return min(i, n)


def _line(text, at):
    eol = text.find(b"\n", at)
    return text[at:] if eol < 0 else text[at:eol]


def _erase(text, fast=True):
    if fast and _prints is not None:
        return _prints.erase(text)
    text = _VALUE.sub(b"%", text)
    return _BLOCK.sub(b"^", text) if b"^" in text else text


def classify(a: bytes, b: bytes) -> str:
    """"false", "cosmetic" or "changed" for two context forms."""
    if a == b:
        return SAME
    return COSMETIC if is_cosmetic(a, b) else CHANGED


def classify_texts(a: bytes, b: bytes, aliases_a: dict | None = None,
                   aliases_b: dict | None = None) -> str:
    """The class of two raw texts (op texts cut out of prints, with those prints' aliases;
    or whole prints, when no aliases are given)."""
    if a == b:
        return SAME
    fa = context_form(a, aliases_a) if aliases_a is not None else whole_form(a)
    fb = context_form(b, aliases_b) if aliases_b is not None else whole_form(b)
    return COSMETIC if fa == fb or is_cosmetic(fa, fb) else CHANGED
