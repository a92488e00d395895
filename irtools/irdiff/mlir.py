"""MLIR-aware slicing of printed IR: find an op by name and symbol, cut it out by nesting.

The MLIR printer nests regions by indentation: an op that opens a region at
indent k closes it on the first later line that is `}` at indent k (everything
inside is deeper; block labels `^bb1:` sit at k but never start with `}`).
Strings never hold raw newlines, so this holds even for huge hex constants, and
it costs one `bytes.find` per op.
"""

from __future__ import annotations

import functools
import re

_ALIAS_DEF = re.compile(rb"^([#!][\w$.-]+) = ", re.M)
# Lines above the op: alias definitions and blank lines; after a definition, also the rest
# of one that goes on over indented lines and a closing `]>` (`#c = #util.composite<.., [`).
_HEAD = tuple(bytes([c]) for c in b"#!\r\n")
_GOES_ON = tuple(bytes([c]) for c in b" \t])>}")


def is_head_line(line: bytes, after_alias: bool) -> bool:
    """Whether a line at the top of a printed op comes before the op itself."""
    first = line[:1]
    return first in _HEAD or after_alias and first in _GOES_ON


def _head_lines(text: bytes):
    pos = 0
    after_alias = False
    while pos < len(text) and is_head_line(text[pos:pos + 1], after_alias):
        after_alias = after_alias or text[pos:pos + 1] in (b"#", b"!")
        eol = text.find(b"\n", pos)
        eol = len(text) if eol < 0 else eol
        yield pos, eol
        pos = eol + 1


def leading_aliases(text: bytes) -> dict:
    """`{b"#map": b"affine_map<...>"}` for the alias definitions at the top of a snapshot."""
    spans = {}
    name = None
    for pos, eol in _head_lines(text):
        m = _ALIAS_DEF.match(text, pos, eol)
        if m:
            name = m.group(1)
            spans[name] = [m.end(), eol]
        elif name is not None and text[pos:pos + 1] not in (b"#", b"!", b"\r", b"\n"):
            spans[name][1] = eol
        else:
            name = None
    return {name: text[a:b] for name, (a, b) in spans.items()}


def body_start(text: bytes) -> int:
    """Offset of the first op line, after the alias definitions."""
    pos = 0
    for _, eol in _head_lines(text):
        pos = eol + 1
    return min(pos, len(text))


_BARE = re.compile(r"[A-Za-z_][\w$.]*")
_ESCAPE = re.compile(r'\\(["\\nt]|[0-9A-Fa-f]{2})')


def unquote(name: str) -> str:
    """A symbol's name from its printed form: `"a b"` -> `a b`; a bare name as it is."""
    if len(name) < 2 or name[0] != '"' or name[-1] != '"':
        return name
    inner = name[1:-1]
    if "\\" not in inner:
        return inner
    return _ESCAPE.sub(lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1))
                       if len(m.group(1)) == 1 else chr(int(m.group(1), 16)), inner)


def symbol_name(text: str) -> str:
    """The symbol a user means: `@a`, `a`, `@"a b"` and `"a b"` all name their symbol."""
    text = text.strip()
    return unquote(text[1:] if text.startswith("@") else text)


def printed(name: str) -> str:
    """A symbol as MLIR prints it, without the `@`: quoted when it is not a bare name."""
    if _BARE.fullmatch(name):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def sanitized(name: str) -> str:
    """The name IREE gives a module whose name is not a plain identifier
    (SanitizeModuleNamesPass: each byte but letters, digits and `_` becomes `_`)."""
    return re.sub(rb"[^A-Za-z0-9_]", b"_", name.encode()).decode()


def spellings(name: str) -> list:
    """The ways `@name` may appear in printed IR, as bytes after the `@`."""
    forms = [name.encode(), ('"' + name + '"').encode(), printed(name).encode()]
    return list(dict.fromkeys(forms))


def _symbol_alternatives(symbol: str) -> bytes:
    return b"(?:" + b"|".join(re.escape(f) for f in spellings(symbol)) + b")"


# What may follow a symbol where it is defined: not `::`, which makes it a reference
# (`stream.cmd.dispatch @ex::@entry` uses @ex, it does not define it).
_AFTER_DEF = rb"(?=[\s({<]|:(?!:)|$)"


@functools.lru_cache(maxsize=4096)
def _op_pattern(op: str, symbol: str):
    names = [re.escape(op.encode())]
    if op == "builtin.module":
        names.append(b"module")
    name = b"(?:" + b"|".join(names) + b")"
    sym = b""
    if symbol:
        sym = rb"(?:\s+(?:public|private|nested))*\s+@" + _symbol_alternatives(symbol) + _AFTER_DEF
    else:
        sym = rb"(?=[\s{(]|$)(?!(?:\s+(?:public|private|nested))*\s+@)"
    return re.compile(rb'^( *)"?' + name + rb'"?' + sym, re.M)


def op_end(text: bytes, start: int, indent: int) -> int:
    """End (exclusive, at the line end) of the op whose first line starts at `start`.

    Its region closes on the first later line that holds `}` at the op's own indent:
    lines inside are indented deeper, and block labels (`^bb1:`) do not start with `}`.
    """
    eol = text.find(b"\n", start)
    if eol < 0:
        return len(text)
    line = text[start:eol].rstrip()
    if not line.endswith(b"{"):
        return eol
    close = text.find(b"\n" + b" " * indent + b"}", eol)
    if close < 0:
        return len(text)
    close_eol = text.find(b"\n", close + 1)
    return len(text) if close_eol < 0 else close_eol


def needle_of(op: str, symbol: str) -> bytes:
    """What every line `find_ops` matches holds: `@symbol` (or, for a name MLIR quotes,
    its longest run of plain characters), else the op name's last part."""
    if not symbol:
        return op.split(".")[-1].encode()
    if printed(symbol) == symbol:
        return ("@" + symbol).encode()
    runs = re.findall(r"[\w$.-]+", symbol)
    return max(runs, key=len).encode() if runs else b"@"


def find_ops(text: bytes, op: str, symbol: str = "", *, start: int = 0, end: int | None = None):
    """Yield `(start, end, indent)` of each op `op` (with `@symbol` if given) in `text`.

    A literal search finds candidates fast; the line pattern then checks each one.
    """
    needle = needle_of(op, symbol)
    if not needle:
        return   # no name to look for (an empty needle would never move on)
    pattern = _op_pattern(op, symbol)
    end = len(text) if end is None else end
    pos = start
    while True:
        hit = text.find(needle, pos, end)
        if hit < 0:
            return
        line = text.rfind(b"\n", start, hit) + 1
        eol = text.find(b"\n", hit, end)
        m = pattern.match(text, line, end if eol < 0 else eol)
        if m is None:
            pos = hit + len(needle)
            continue
        indent = len(m.group(1))
        stop = op_end(text, line, indent)
        yield line, stop, indent
        pos = max(stop, hit + len(needle))


def find_symbol(text: bytes, symbol: str):
    """`(start, end, indent, op)` of the op defining `@symbol`, preferring functions.

    A dispatch name is both a `hal.executable.export` and a `func.func`; the
    function is what a user follows, so it wins.
    """
    pattern = re.compile(rb'^( *)"?([A-Za-z_][\w.]*)"?(?:\s+(?:public|private|nested))*\s+@'
                         + _symbol_alternatives(symbol) + _AFTER_DEF, re.M)
    best = None
    for m in pattern.finditer(text):
        op = m.group(2).decode()
        rank = 0 if op.endswith("func") else 1 if op.endswith(("executable", "module")) else 2
        if best is None or rank < best[0]:
            best = (rank, m.start(1), len(m.group(1)), op)
            if rank == 0:
                break
    if best is None:
        return None
    _, start, indent, op = best
    return start, op_end(text, start, indent), indent, op


def dedent(text: bytes, n: int) -> bytes:
    if n <= 0:
        return text
    return re.sub(rb"(?m)^ {1,%d}" % n, b"", text)


@functools.lru_cache(maxsize=32)
def alias_pattern(names: tuple) -> re.Pattern:
    # Longest first, so `#map1` is not read as `#map` followed by `1`.
    ordered = sorted(names, key=len, reverse=True)
    return re.compile(b"(?:" + b"|".join(re.escape(n) for n in ordered) + rb")(?![\w$.-])")


def expand_aliases(text: bytes, aliases: dict) -> bytes:
    """Replace alias uses by their definitions, so slices of different prints compare equal."""
    if not aliases or (b"#" not in text and b"!" not in text):
        return text
    # Compiled once per set of aliases: a print may define hundreds of them and every
    # op cut out of it is expanded with the same ones.
    pattern = alias_pattern(tuple(aliases))
    for _ in range(4):   # aliases may refer to aliases
        new = pattern.sub(lambda m: aliases[m.group(0)], text)
        if new == text:
            break
        text = new
    return text


def _short_module(text: bytes) -> bytes:
    # A nested module prints as `builtin.module`, the same module alone as `module`.
    return b"module" + text[len(b"builtin.module"):] if text.startswith(b"builtin.module") else text


def canonical_slice(text: bytes, start: int, end: int, indent: int, aliases: dict) -> bytes:
    """An op cut out of a larger print, made comparable with the op printed alone."""
    return _short_module(expand_aliases(dedent(text[start:end], indent), aliases).rstrip())


def canonical_whole(text: bytes) -> bytes:
    """An op printed alone (aliases on top), in the form of `canonical_slice`."""
    aliases = leading_aliases(text)
    return _short_module(expand_aliases(text[body_start(text):], aliases).rstrip())
