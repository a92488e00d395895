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
