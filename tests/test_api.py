"""The notebook API (`import irtools`): explicit, documented and cheap to import."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import irtools
from tests.helpers import TRACY

FUNCTIONS = [n for n in irtools.__all__ if inspect.isfunction(getattr(irtools, n))]


def test_all_names_resolve_and_classes_are_the_real_ones():
    from irtools.irdiff.dump import Dump
    from irtools.run.layout import RunDir
    from irtools.trace.model import Trace

    for name in irtools.__all__:
        assert getattr(irtools, name) is not None, name
    assert (irtools.Trace, irtools.Dump, irtools.RunDir) == (Trace, Dump, RunDir)
    assert {"hotspots", "compare", "run_model", "open_trace"} <= set(FUNCTIONS)
    with pytest.raises(AttributeError):
        irtools.no_such_name  # noqa: B018


@pytest.mark.parametrize("name", FUNCTIONS + ["RunDir.hotspots"])
def test_functions_take_named_keywords_and_say_what_they_do(name):
    fn = irtools.RunDir.hotspots if name == "RunDir.hotspots" else getattr(irtools, name)
    kinds = {p.kind for p in inspect.signature(fn).parameters.values()}
    assert inspect.Parameter.VAR_KEYWORD not in kinds and inspect.Parameter.VAR_POSITIONAL not in kinds
    assert fn.__doc__ and len(fn.__doc__.strip()) > 40


def test_a_misspelt_option_is_refused():
    with pytest.raises(TypeError):
        irtools.hotspots(TRACY / "mlp3_llvmcpu_sync.tracy", group="name")  # type: ignore[call-arg]


def test_import_irtools_loads_nothing_heavy():
    code = ("import sys, irtools; from irtools import plot as _; "
            "print(sorted(m for m in sys.modules if m.startswith('irtools') or m in "
            "('numpy', 'pandas', 'rich', 'typing', 'matplotlib')))")
    lazy = subprocess.run([sys.executable, "-c", code.replace("from irtools import plot as _; ", "")],
                          capture_output=True, text=True, check=True).stdout
    assert lazy.strip() == "['irtools', 'irtools.errors']"
    # `from irtools import plot` still works, loading the plot module on demand.
    eager = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout
    assert "irtools.notebook.plot" in eager
