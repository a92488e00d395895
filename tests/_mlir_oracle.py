"""MLIR itself as the judge of "cosmetic": two texts that print the same through the
compiler's own printer, generic and with local scope (no aliases, no locations, its own
value names), hold the same IR.

All texts go through one `iree-opt --split-input-file` run; a text that does not parse
(IREE 3.13 prints some VM-stage messages it cannot read back) has no verdict.
"""

from __future__ import annotations

import re
import subprocess
import tempfile

from irtools.irdiff import mlir
from irtools.irdiff.normal import CHANGED, COSMETIC, SAME, classify_texts
from irtools.irdiff.text import body, reduced

SPLIT = b"// ===== irtools oracle ====="
FLAGS = ["--split-input-file=" + SPLIT.decode(), "--output-split-marker=" + SPLIT.decode(),
         "--mlir-very-unsafe-disable-verifier-on-parsing",
         "--mlir-print-op-generic", "--mlir-print-local-scope", "--allow-unregistered-dialect"]


def reprint(texts, iree_opt, timeout=1800):
    """Each text printed generic by iree-opt (None where it does not parse)."""
    with tempfile.NamedTemporaryFile(suffix=".mlir") as src:
        starts, line = [], 1
        for k, text in enumerate(texts):
            if k:
                src.write(SPLIT + b"\n")
                line += 1
            starts.append(line)
            text = text if text.endswith(b"\n") else text + b"\n"
            src.write(text)
            line += text.count(b"\n")
        src.flush()
        result = subprocess.run([iree_opt, *FLAGS, src.name], capture_output=True, timeout=timeout)
    outs = re.split(rb"(?m)^" + re.escape(SPLIT) + rb"\n", result.stdout)
    if len(outs) != len(texts):
        raise AssertionError(f"iree-opt gave {len(outs)} outputs for {len(texts)} inputs: "
                             + result.stderr.decode(errors="replace")[-2000:])
    bad = set()
    for m in re.finditer(rb":(\d+):\d+: error", result.stderr):
        n = int(m.group(1))
        bad.add(max(k for k, s in enumerate(starts) if s <= n))
    return [None if k in bad or not out.strip() else out.strip() for k, out in enumerate(outs)]


def with_aliases(text, slice_):
    """A slice cut out of a print, with that print's alias definitions, so it parses alone."""
    head = text[:mlir.body_start(text)]
    return head + slice_


def exact_pairs(dump):
    """(Before text, After text, our class) of every After whose Before differs."""
    flags = dump.flags()
    f = dump.file()
    stack, out = [], []
    for s in dump.index.snapshots:
        if s.when == "before":
            stack.append(s)
            continue
        while stack and stack[-1].pass_name != s.pass_name:
            stack.pop()
        if not stack:
            continue
        before = stack.pop()
        a, b = reduced(f, before), reduced(f, s)
        if a != b:
            out.append((_real(f, before), _real(f, s), flags[s.index]))
    return out


def history_pairs(dump, symbol):
    """(earlier slice, later slice, our class) of every history entry, cosmetic ones too."""
    out = []
    f = dump.file()
    for h in dump.history(symbol, cosmetic=True):
        texts = []
        for n in (h["previous"], h["index"]):
            s = dump.index[n]
            start, end = dump.span(n, symbol)
            f.seek(start)
            cut = f.read(end - start)
            texts.append(with_aliases(_real(f, s), cut))
        out.append((texts[0], texts[1], h["class"]))
    return out


def _real(f, s):
    return body(f, s)


def agreement(pairs, iree_opt):
    """Counts of our classes against MLIR's: {(ours, mlir's): n}; mlir's is "cosmetic" when
    both texts print the same, "changed" when not, None when one does not parse."""
    printed = reprint([t for a, b, _ in pairs for t in (a, b)], iree_opt)
    counts = {}
    for k, (_, _, ours) in enumerate(pairs):
        x, y = printed[2 * k], printed[2 * k + 1]
        theirs = None if x is None or y is None else COSMETIC if x == y else CHANGED
        counts[ours, theirs] = counts.get((ours, theirs), 0) + 1
    return counts


def our_class(a, b):
    """Our class of two whole texts (for texts made up in tests)."""
    return classify_texts(a, b)


__all__ = ["reprint", "exact_pairs", "history_pairs", "agreement", "our_class", "SAME"]
