"""Where each dispatch is called from: its dispatch sites in the host program.

IREE compiles a dispatch region once per distinct executable: the q, k and v
projections of every layer may all run `prefill_dispatch_2_matmul_...`, whose
dumped source then carries the locations of the first of them only. The host
program keeps one `hal.command_buffer.dispatch` call per site, each with the
location of the model op it came from. `iree-compile
--iree-vm-bytecode-source-listing=FILE --mlir-print-debuginfo` writes that
program (VM dialect) with those locations; this module reads it, line by line:

    vm.rodata private @_utf8_prefill_dispatch_2_matmul_BB16... "prefill_dispatch_2_matmul_32x128x128_f32"
    %_utf8_... = vm.const.ref.rodata @_utf8_prefill_dispatch_2_matmul_BB16...
    %2 = vm.call @hal.executable.lookup.function(%exe, %_utf8_...)
    vm.call.variadic @hal.command_buffer.dispatch(%ref, %exe, %2, ...)
        loc(callsite("model.layers.0.self_attn.k_proj" at ...))

Dispatches recorded in a memoized command buffer (`__prefill_memoize_apply`)
belong to the function that replays it (`prefill`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Site:
    function: str       # the exported function that runs it ("prefill")
    dispatch: str       # the export it runs ("prefill_dispatch_2_matmul_32x128x128_f32")
    loc: str            # the printed location of the call
    index: int = 0      # its place in the listing, in program order


_RODATA = re.compile(r'^\s*vm\.rodata \w+ @([\w$.-]+)\b.*?"((?:[^"\\]|\\.)*)"')
_FUNC = re.compile(r"^\s*vm\.func \w+ @([\w$.-]+)\(")
_CONST_REF = re.compile(r"^\s*(%[\w$.-]+) = vm\.const\.ref\.rodata @([\w$.-]+)")
_LOOKUP = re.compile(r"^\s*(%[\w$.-]+) = vm\.call @hal\.executable\.lookup\.function\(\s*%[\w$.-]+,\s*(%[\w$.-]+)\)")
_DISPATCH = re.compile(r"vm\.call(?:\.variadic)? @hal\.command_buffer\.dispatch\("
                       r"\s*%[\w$.-]+,\s*%[\w$.-]+,\s*(%[\w$.-]+)")
_LOC = re.compile(r"\bloc\((.*)\)\s*$")
_MEMOIZED = re.compile(r"^__(.+)_memoize_apply$")


def _owner(function: str) -> str:
    m = _MEMOIZED.match(function)
    return m.group(1) if m else function


def read_sites(listing) -> list[Site]:
    """Every dispatch site of a VM source listing, in program order."""
    rodata: dict[str, str] = {}
    lines = Path(listing).read_text(encoding="utf-8", errors="replace").splitlines()
    for line in lines:  # rodata is module-level, but may follow the functions that use it
        m = _RODATA.match(line)
        if m:
            rodata[m.group(1)] = m.group(2)
    sites: list[Site] = []
    function, refs, lookups = "", {}, {}
    for line in lines:
        m = _FUNC.match(line)
        if m:
            function, refs, lookups = _owner(m.group(1)), {}, {}
            continue
        m = _CONST_REF.match(line)
        if m:
            refs[m.group(1)] = m.group(2)
            continue
        m = _LOOKUP.match(line)
        if m:
            lookups[m.group(1)] = rodata.get(refs.get(m.group(2), ""), "")
            continue
        m = _DISPATCH.search(line)
        if m:
            loc = _LOC.search(line)
            sites.append(Site(function, lookups.get(m.group(1), ""),
                              f"loc({loc.group(1)})" if loc else "loc(unknown)", len(sites)))
    return sites


def sites_by_dispatch(listing, function: str | None = None) -> dict[str, list[Site]]:
    """Sites grouped by the dispatch they run; only `function`'s when given."""
    out: dict[str, list[Site]] = {}
    for site in read_sites(listing):
        if function is None or site.function == function:
            out.setdefault(site.dispatch, []).append(site)
    return out
