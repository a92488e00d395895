"""Imports go one way: cli/tui -> render -> core -> errors (docs/architecture.md).

Every import in irtools/, at the top of a module or inside a function, is read with
`ast`, so a lazy import that breaks the direction fails here too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import irtools

PACKAGE = Path(irtools.__file__).parent

# Base modules that any layer may import: they import nothing of irtools above them.
BASE = {"irtools.errors": 0, "irtools.units": 1, "irtools._io": 1,
        "irtools.notebook.display": 1}  # Jupyter HTML; only pandas and units
CORE, RENDER, FRONT, API = 2, 3, 4, 5


def layer(module: str) -> int:
    if module in BASE:
        return BASE[module]
    if module == "irtools":
        return API
    if module.startswith(("irtools.cli", "irtools.tui")) or module == "irtools.__main__":
        return FRONT
    if module.startswith(("irtools.render", "irtools.notebook")):
        return RENDER
    return CORE


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    rel = Path(*name.split("."))
    return any((PACKAGE.parent / rel).with_suffix(s).exists() for s in (".py", ".c")) or \
        (PACKAGE.parent / rel / "__init__.py").exists()


def imports(path: Path):
    """(line, imported irtools module) for every import in the file."""
    return imports_in(path.read_text(), module_name(path), package=path.name == "__init__.py")


def imports_in(source: str, name: str, *, package: bool = False):
    here = name if package else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "irtools":
                    yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = here.rsplit(".", node.level - 1)[0] if node.level > 1 else here
                base = f"{parent}.{base}" if base else parent
            if base.split(".")[0] != "irtools":
                continue
            for alias in node.names:
                full = f"{base}.{alias.name}"
                # `from irtools import __version__` reads the root package's version: allowed.
                if _is_module(full):
                    yield node.lineno, full
                elif not (base == "irtools" and alias.name == "__version__"):
                    yield node.lineno, base


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_the_layers_cover_the_package():
    names = {module_name(p) for p in MODULES}
    assert {"irtools.trace.reader", "irtools.render.tables", "irtools.cli.hotspots",
            "irtools.tui.app", "irtools.notebook.plot"} <= names
    assert all(b in names for b in BASE)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_point_down(path):
    mine = layer(module_name(path))
    wrong = [f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}"
             for line, target in imports(path) if layer(target) > mine]
    assert not wrong, "\n".join(wrong)


def test_a_wrong_import_is_caught():
    """The check itself: lazy and relative imports of a higher layer are found."""
    source = ("import irtools.errors\n"
              "def f():\n    from irtools.render.tables import to_csv\n"
              "    from ..cli import main\n    from . import hotspots\n")
    found = [t for _, t in imports_in(source, "irtools.trace.probe")]
    assert found == ["irtools.errors", "irtools.render.tables", "irtools.cli", "irtools.trace.hotspots"]
    assert [layer(t) > layer("irtools.trace.probe") for t in found] == [False, True, True, False]


def test_docs_architecture_names_every_module():
    """docs/architecture.md says in a line what each module does: a new module gets its line."""
    doc = (PACKAGE.parent / "docs" / "architecture.md").read_text()
    files = [p for p in [*MODULES, *PACKAGE.rglob("*.c")] if p.name != "__init__.py"]
    missing = [str(p.relative_to(PACKAGE)) for p in files if f"`{p.relative_to(PACKAGE)}`" not in doc]
    assert not missing, f"add a line for each to docs/architecture.md: {missing}"


NAMEDTUPLE = {"_asdict", "_replace", "_fields", "_make"}


def private_uses(source: str, name: str, *, package: bool = False) -> list[str]:
    """Uses of another module's `_name`, or of a private module from outside its package."""
    here = name if package else name.rpartition(".")[0]
    wrong = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level \
                and node.module.split(".")[0] == "irtools":
            parts = node.module.split(".")
            hidden = [i for i, part in enumerate(parts) if part.startswith("_")]
            if hidden and not (name + ".").startswith(".".join(parts[:hidden[0]]) + "."):
                wrong.append(f"line {node.lineno}: from {node.module} (private to its package)")
            for alias in node.names:
                private = alias.name.startswith("_") and not alias.name.startswith("__")
                own_package = node.module == here and _is_module(f"{node.module}.{alias.name}")
                if private and not own_package:
                    wrong.append(f"line {node.lineno}: from {node.module} import {alias.name}")
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_") \
                and not node.attr.startswith("__") and node.attr not in NAMEDTUPLE:
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
                continue
            if isinstance(owner, ast.Call) and getattr(owner.func, "id", None) == "super":
                continue
            wrong.append(f"line {node.lineno}: {ast.unparse(node)}")
    return wrong


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_no_module_uses_another_modules_private_names(path):
    """A `_name` is private to its module; a module `_x.py` to its package. What is
    shared is public, so that a reader sees the API a module offers."""
    wrong = private_uses(path.read_text(), module_name(path), package=path.name == "__init__.py")
    assert not wrong, "\n".join(wrong)


def test_a_private_use_is_caught():
    source = ("from irtools.trace import _groups\nfrom irtools.cli._common import emit\n"
              "from irtools.trace.hotspots import _stats\nimport irtools._io\n"
              "def f(dump, row):\n    return dump._flags, self._own, row._asdict()\n")
    assert private_uses(source, "irtools.trace.probe") == [
        "line 2: from irtools.cli._common (private to its package)",
        "line 3: from irtools.trace.hotspots import _stats", "line 6: dump._flags"]
