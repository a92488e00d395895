"""What the compiler did to each dispatch: pipeline, tile sizes, ukernels, and the machine code.

Read from what `iree-compile` writes with
`--iree-hal-dump-executable-configurations-to=DIR` (each executable after its
lowering strategy is chosen: `translation_info` on the function names the
pipeline, `lowering_config` on an op holds its tile sizes per level) and
`--iree-hal-dump-executable-intermediates-to=DIR` (per linked library: the
LLVM IR as generated, `*.codegen.ll`, where a ukernel is still a call to
`iree_uk_*`, and the assembly, `*.s`).

From the assembly, per dispatch function: instructions, vector FMAs against
scalar FMAs and scalar arithmetic, and the widest vector register the float
arithmetic uses (x86: xmm 128, ymm 256, zmm 512 bits; AArch64: NEON 128, SVE
scalable). These are static counts, instructions in the code, not how often
each runs: a loop's body counts once. They answer "did it vectorize, and how
wide", not "how many FLOPs ran".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class AsmStats:
    instructions: int = 0
    vector_fma: int = 0
    scalar_fma: int = 0
    vector_arith: int = 0      # packed float add, sub, mul, div, max, min, sqrt (not FMA)
    scalar_arith: int = 0
    vector_bits: int = 0       # widest register of the packed float ops; -1: scalable (SVE)
    calls: list[str] = field(default_factory=list)

    @property
    def vector_share(self) -> float | None:
        """Share of float arithmetic instructions that are vector ones."""
        total = self.vector_fma + self.scalar_fma + self.vector_arith + self.scalar_arith
        return (self.vector_fma + self.vector_arith) / total if total else None


@dataclass
class CodegenFacts:
    name: str
    pipeline: str | None = None          # "DoubleTilingExpert", "Mmt4dTilingExpert"...
    pipeline_options: str = ""
    workgroup_size: str = ""
    lowering: list[tuple[str, str]] = field(default_factory=list)   # (op, lowering_config)
    ukernels: list[str] = field(default_factory=list)
    asm: AsmStats | None = None


# -- configurations -----------------------------------------------------------

def _balanced(text: str, start: int) -> str:
    """The `<...>` group opening at `start` (quotes respected)."""
    depth, i, quoted = 0, start, False
    while i < len(text):
        c = text[i]
        if c == '"' and (i == 0 or text[i - 1] != "\\"):
            quoted = not quoted
        elif not quoted:
            if c in "<[{(":
                depth += 1
            elif c in ">]})":
                depth -= 1
                if depth == 0:
                    return text[start:i + 1]
        i += 1
    return text[start:]


_FUNC = re.compile(r"func\.func (?:\w+ )?@([\w$.-]+)\(")
_TRANSLATION = re.compile(r"translation_info\s*=\s*#iree_codegen\.translation_info")
_LOWERING = re.compile(r"lowering_config\s*=\s*(#[\w.]+)")
_OP = re.compile(r"^\s*(?:%[\w#:, %]+=\s*)?([a-z_][\w]*\.[\w.]+)")


def _translation(text: str) -> tuple[str | None, str, str]:
    m = _TRANSLATION.search(text)
    if not m:
        return None, "", ""
    body = _balanced(text, m.end())
    pipe = re.search(r"pipeline\s*=\s*(?:#[\w.]+<)?(\w+)", body)
    options = re.search(r"\{([^{}]*)\}\s*>$", body)
    size = re.search(r"workgroup_size\s*=\s*(\[[^\]]*\])", body)
    return (pipe.group(1) if pipe else None, options.group(1).strip() if options else "",
            size.group(1) if size else "")


def read_configurations(folder) -> dict[str, CodegenFacts]:
    """Pipeline and lowering configs per dispatch function, from a configurations dump."""
    out: dict[str, CodegenFacts] = {}
    for path in sorted(Path(folder).glob("*.mlir")):
        current = None
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                m = _FUNC.search(line)
                if m:
                    current = out.setdefault(m.group(1), CodegenFacts(m.group(1)))
                    pipe, options, size = _translation(line)
                    if pipe:
                        current.pipeline, current.pipeline_options = pipe, options
                        current.workgroup_size = size
                    continue
                if current is None:
                    continue
                lm = _LOWERING.search(line)
                if lm:
                    config = _balanced(line, lm.end())
                    op = _OP.match(line)
                    current.lowering.append((op.group(1) if op else "?",
                                             lm.group(1) + config))
    return out


# -- intermediates ------------------------------------------------------------

_DEFINE = re.compile(r"^define\b.*?@\"?([\w$.-]+)\"?\(")
_UKERNEL = re.compile(r"@\"?(iree_uk_\w+)")


def read_ukernels(folder) -> dict[str, list[str]]:
    """Ukernels each function calls, from the generated LLVM IR (`*.codegen.ll`)."""
    out: dict[str, list[str]] = {}
    for path in sorted(Path(folder).glob("*.codegen.ll")):
        current = None
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("define"):
                    m = _DEFINE.match(line)
                    current = m.group(1) if m else None
                elif line.startswith("}"):
                    current = None
                elif current is not None and "call" in line:
                    for uk in _UKERNEL.findall(line):
                        calls = out.setdefault(current, [])
                        if uk not in calls:
                            calls.append(uk)
    return out


_X86_FMA = re.compile(r"^v?f(?:n)?m(?:add|sub)(?:sub|add)?(?:132|213|231)?([ps])[sdh]$")
_X86_ARITH = re.compile(r"^v?(?:add|sub|mul|div|max|min|sqrt|rsqrt|rcp|hadd|addsub)([ps])[sdh]$")
_X86_WIDTH = (("%zmm", 512), ("%ymm", 256), ("%xmm", 128))
_ARM_FMA = re.compile(r"^f(?:n)?ml[as]$|^f(?:n)?m(?:add|sub)$")
_ARM_ARITH = re.compile(r"^f(?:add|sub|mul|div|max|min|maxnm|minnm|sqrt)$")


def _classify(stats: AsmStats, mnemonic: str, operands: str):
    m = _X86_FMA.match(mnemonic)
    arith = None if m else _X86_ARITH.match(mnemonic)
    if m or arith:
        packed = (m or arith).group(1) == "p"
        if m:
            if packed:
                stats.vector_fma += 1
            else:
                stats.scalar_fma += 1
        elif packed:
            stats.vector_arith += 1
        else:
            stats.scalar_arith += 1
        if packed:
            for reg, bits in _X86_WIDTH:
                if reg in operands:
                    stats.vector_bits = max(stats.vector_bits, bits)
                    break
        return
    fma, arm = _ARM_FMA.match(mnemonic), _ARM_ARITH.match(mnemonic)
    if fma or arm:
        first = operands.split(",")[0].strip()
        vector = bool(re.match(r"[vz]\d+\.", first))
        if vector and first.startswith("z"):
            stats.vector_bits = -1
        elif vector:
            stats.vector_bits = max(stats.vector_bits, 128) if stats.vector_bits >= 0 else -1
        if fma:
            stats.vector_fma += vector
            stats.scalar_fma += not vector
        else:
            stats.vector_arith += vector
            stats.scalar_arith += not vector


_LABEL = re.compile(r"^([\w$.]+):")
_TYPE_FUNCTION = re.compile(r"^\s*\.type\s+([\w$.]+),\s*[@%]function")


def read_assembly(folder, names=None) -> dict[str, AsmStats]:
    """Instruction counts per function of the `*.s` files in an intermediates dump.

    `names`: only these functions (all functions when None). Read line by line.
    """
    wanted = set(names) if names is not None else None
    out: dict[str, AsmStats] = {}
    for path in sorted(Path(folder).glob("*.s")):
        functions: set[str] = set()
        current: AsmStats | None = None
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if not line or line[0] in " \t":
                    text = line.strip()
                    if not text or text[0] in ".#/;@":
                        tm = _TYPE_FUNCTION.match(line)
                        if tm:
                            functions.add(tm.group(1))
                        continue
                    if current is None:
                        continue
                    mnemonic, _, operands = text.partition("\t" if "\t" in text else " ")
                    current.instructions += 1
                    if mnemonic in ("call", "callq", "bl", "jmp", "b") and operands:
                        target = operands.strip().split()[0].lstrip("*")
                        if not target.startswith(".L") and target not in current.calls:
                            current.calls.append(target)
                    _classify(current, mnemonic, operands)
                    continue
                lm = _LABEL.match(line)
                if lm:
                    label = lm.group(1)
                    if label.startswith(".Lfunc_end"):
                        current = None
                    elif label in functions and (wanted is None or label in wanted):
                        current = out.setdefault(label, AsmStats())
    return out


def codegen_facts(configurations=None, intermediates=None, names=None) -> dict[str, CodegenFacts]:
    """Everything known of each dispatch's code generation, by dispatch name."""
    facts: dict[str, CodegenFacts] = {}
    if configurations is not None and Path(configurations).is_dir():
        facts.update(read_configurations(configurations))
    if intermediates is not None and Path(intermediates).is_dir():
        for name, uks in read_ukernels(intermediates).items():
            facts.setdefault(name, CodegenFacts(name)).ukernels = uks
        wanted = set(names) if names is not None else (set(facts) or None)
        for name, stats in read_assembly(intermediates, wanted).items():
            facts.setdefault(name, CodegenFacts(name)).asm = stats
    if names is not None:
        facts = {k: v for k, v in facts.items() if k in set(names)}
    return facts
