"""Function signatures of a compiled module, from its FlatBuffer or `iree-dump-module`.

The compiler records each exported function's source-level signature in its
`iree.abi.declaration` reflection attribute, whatever the input dialect was:

    sync func @prefill(%input0: tensor<32xi32>) -> (%output0: tensor<32x512xf32>, ...)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from irtools import driver
from irtools.run.vmfb import exported_declarations

DECL = re.compile(r"iree\.abi\.declaration:\s*(?:sync|async)?\s*func\s+@([\w$.-]+)\((.*?)\)\s*(?:->|$)")
EXPORT = re.compile(r"^\s*\[\s*\d+\]\s+([\w$.-]+)\(")
ARG = re.compile(r"%\w+:\s*")


@dataclass(frozen=True)
class Arg:
    type: str                      # "tensor<32x?xf32>", "i32", "!hal.buffer_view"

    @property
    def is_tensor(self) -> bool:
        return self.type.startswith("tensor<")

    @property
    def dims(self) -> list[int | None]:
        body = self.type[len("tensor<"):-1]
        return [None if d == "?" else int(d) for d in body.split("x")[:-1]]

    @property
    def element_type(self) -> str:
        return self.type[len("tensor<"):-1].split("x")[-1] if self.is_tensor else self.type


def _split_args(text: str) -> list[str]:
    """Split `%a: tensor<2x3xf32>, %b: i32` at top-level commas."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "<([{":
            depth += 1
        elif ch in ">)]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if text[start:].strip():
        parts.append(text[start:])
    return [ARG.sub("", p.strip(), count=1).split(" {")[0].strip() for p in parts]


def parse_dump(text: str) -> dict[str, list[Arg] | None]:
    """Exported functions in order; None where the module records no declaration."""
    functions: dict[str, list[Arg] | None] = {}
    exported = False
    for line in text.splitlines():
        if re.match(r"^[A-Z][\w ]*:|^//=", line):
            exported = line.startswith("Exported Functions:")
            continue
        if not exported:
            continue
        m = EXPORT.match(line)
        if m:
            functions.setdefault(m.group(1), None)
            continue
        m = DECL.search(line)
        if m:
            functions[m.group(1)] = [Arg(t) for t in _split_args(m.group(2))]
    return {name: args for name, args in functions.items() if not name.startswith("__")}


def declared_args(declaration: str | None) -> list[Arg] | None:
    """The arguments of an `iree.abi.declaration` text (None when there is none)."""
    m = DECL.search(f"iree.abi.declaration: {declaration}") if declaration else None
    return [Arg(t) for t in _split_args(m.group(2))] if m else None


def module_functions(vmfb, *, timeout: float = 120) -> dict[str, list[Arg] | None]:
    """Exported functions and their arguments: read from the module's FlatBuffer,
    or, if it is not laid out as expected, from iree-dump-module."""
    try:
        declared = exported_declarations(vmfb)
    except ValueError:
        return dumped_functions(vmfb, timeout=timeout)
    return {name: declared_args(text) for name, text in declared.items()
            if not name.startswith("__")}


def dumped_functions(vmfb, *, timeout: float = 120) -> dict[str, list[Arg] | None]:
    """`module_functions` as iree-dump-module prints them (the oracle in tests)."""
    proc = driver.run_tool([driver.find_tool("iree-dump-module"), vmfb], timeout=timeout)
    return parse_dump(proc.stdout)
