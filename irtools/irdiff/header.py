"""Parse the header line MLIR prints above each snapshot of a print-ir dump.

Spellings seen across MLIR versions:
  // -----// IR Dump After CSEPass: cse //----- //                  (IREE 3.x)
  // -----// IR Dump After CSE (cse) //----- //                     (LLVM 12..18)
  // *** IR Dump After CSE ***                                       (LLVM <= 11)
each optionally with ` Failed` after the pass name and, in module-scope mode,
a suffix `('func.func' operation: @name)` or `('builtin.module' operation)`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from irtools.irdiff.mlir import unquote

# Markers a header line starts with; the scanner looks for "IR Dump " and checks these.
PREFIXES = (b"// -----// ", b"// *** ")

_LINE = re.compile(r"^// (?:-----//|\*\*\*) IR Dump (Before|After) (.*?)\s*(?://----- //|\*\*\*)?\s*$")
# The symbol is printed as it is, spaces and all (`@Model from PaddlePaddle.`): it runs
# to the closing parenthesis at the end.
_SCOPE = re.compile(r"""\s*\('([^']+)' operation(?:: @("(?:[^"\\]|\\.)*"|.+))?\)$""")
_OLD = re.compile(r"^(\S+?)(?: Failed)? \((\S+)\)$")


@dataclass(frozen=True)
class Header:
    when: str        # "before" or "after"
    pass_name: str   # e.g. "CanonicalizerPass"
    arg: str         # e.g. "canonicalize{max-iterations=10 ...}", "" when not printed
    op: str          # scope op from the module-scope suffix, "" when not printed
    symbol: str      # its symbol without "@", "" when none
    failed: bool = False


def parse_header(line: str) -> Header | None:
    """Parse one header line (without its line end); None if it is not a header."""
    m = _LINE.match(line)
    if not m:
        return None
    when, rest = m.group(1).lower(), m.group(2)
    op = symbol = ""
    s = _SCOPE.search(rest)
    if s:
        op, symbol = s.group(1), unquote(s.group(2) or "")
        rest = rest[:s.start()]
    failed = False
    if ": " in rest and not rest.startswith("("):
        name, arg = rest.split(": ", 1)
    else:
        old = _OLD.match(rest)
        name, arg = (old.group(1), old.group(2)) if old else (rest, "")
        failed = " Failed" in rest
    if name.endswith(" Failed"):
        name, failed = name[: -len(" Failed")], True
    return Header(when, name.strip(), arg.strip(), op, symbol, failed)
