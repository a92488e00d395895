"""MLIR syntax colouring for one line of IR, by regular expressions (no parser)."""

from __future__ import annotations

import re

from rich.text import Text

# Only the first part of a very long line is coloured; the rest is plain.
COLOUR_LIMIT = 1500

_TOKENS = re.compile(r"""
  (?P<comment>//.*$)
| (?P<string>"(?:[^"\\]|\\.)*")
| (?P<symbol>@[\w$.-]+)
| (?P<value>%[\w$.-]+(?::\d+)?(?:\#\d+)?)
| (?P<block>\^[\w$.-]+)
| (?P<alias>[#!][\w$.-]+)
| (?P<op>\b[a-z_][\w]*\.[a-z_][\w.]*\b)
| (?P<type>\b(?:[isuf]\d+|bf16|index|tensor|memref|vector|none|complex)\b)
| (?P<number>\b0x[0-9A-Fa-f]+\b|(?<![\w.])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b)
| (?P<elided><elided\ line\ of\ [^>]*>)
""", re.VERBOSE)

STYLES = {
    "comment": "dim italic", "string": "green", "symbol": "bold yellow", "value": "cyan",
    "block": "magenta", "alias": "magenta", "op": "bold blue", "type": "dark_cyan",
    "number": "bright_magenta", "elided": "italic reverse",
}


def mlir_line(line: str) -> Text:
    text = Text(line, no_wrap=True, end="")
    for m in _TOKENS.finditer(line, 0, min(len(line), COLOUR_LIMIT)):
        text.stylize(STYLES[m.lastgroup], m.start(), m.end())
    return text
