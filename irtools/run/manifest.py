"""Reading a run directory's `manifest.json` and `run.json` without trusting them.

A manifest edited by hand, cut short by a full disk or written by other code must give
one line naming the file and the entry at fault (`runs[2].trace`), never a KeyError
deep in a command.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

from irtools.errors import RunDirError, json_kind

SCHEMA = 1
RERUN = "the run directory is damaged; rerun `irtools run`"
# What every run entry holds (text), and the files it may point to (relative text or null).
RUN_KEYS = ("name", "target", "backend", "device", "function", "status", "dir")
RUN_FILES = ("trace", "profile", "ir_dump", "sources", "vmfb")


def read_json(path: Path, what: str = "an irtools run manifest (schema 1)") -> dict:
    """A JSON object with `schema` 1, or a RunDirError that says where it is wrong."""
    try:
        with open(path, "rb") as f:
            data = json.loads(f.read())
    except OSError as err:
        raise RunDirError(f"cannot read it: {err.strerror}", path=str(path)) from None
    except UnicodeDecodeError as err:
        raise RunDirError("not UTF-8 text", path=str(path), offset=err.start, fix=RERUN) from None
    except json.JSONDecodeError as err:
        problem = "the file is empty" if not err.doc.strip() else f"not valid JSON: {err.msg}"
        raise RunDirError(problem, path=str(path), line=err.lineno if err.doc.strip() else None,
                          expected=what, fix=RERUN) from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise RunDirError(f"not {what}", path=str(path),
                          fix="rerun `irtools run` with this version of irtools")
    return data


def check_manifest(data: dict, path: Path) -> dict:
    """The manifest, once its runs and compiles have the shape the readers expect."""
    for key in ("runs", "compiles"):
        value = data.get(key, [])
        if not isinstance(value, list):
            raise _bad(path, key, f"is {json_kind(value)}, not a list")
        for i, entry in enumerate(value):
            if not isinstance(entry, dict):
                raise _bad(path, f"{key}[{i}]", f"is {json_kind(entry)}, not an object")
    variants = data.get("variants", [])
    if not isinstance(variants, list):
        raise _bad(path, "variants", f"is {json_kind(variants)}, not a list")
    for i, v in enumerate(variants):
        if not isinstance(v, dict) or not isinstance(v.get("name"), str) or \
                not isinstance(v.get("flags", []), list):
            raise _bad(path, f"variants[{i}]", "is not an object with a name and a list of flags")
    for i, entry in enumerate(data.get("runs", [])):
        check_run(entry, path, f"runs[{i}]")
    for i, entry in enumerate(data.get("compiles", [])):
        if not isinstance(entry.get("status"), str):
            raise _bad(path, f"compiles[{i}].status", "is missing or not text")
    return data


def check_run(entry: dict, path: Path, where: str) -> dict:
    for key in RUN_KEYS:
        if not isinstance(entry.get(key), str):
            raise _bad(path, f"{where}.{key}", "is missing or not text")
    if entry.get("variant") is not None and not isinstance(entry.get("variant"), str):
        raise _bad(path, f"{where}.variant", f"is {json_kind(entry['variant'])}, not text or null")
    repeat = entry.get("repeat")
    if repeat is not None and (not isinstance(repeat, int) or isinstance(repeat, bool) or repeat < 1):
        raise _bad(path, f"{where}.repeat", f"is {repeat!r}, not a whole number from 1, or null")
    for key in ("dir", *RUN_FILES):
        value = entry.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise _bad(path, f"{where}.{key}", f"is {json_kind(value)}, not a path or null")
        p = PurePosixPath(value)
        if p.is_absolute() or ".." in p.parts:
            raise _bad(path, f"{where}.{key}", f"{value!r} leaves the run directory",
                       expected="a path inside the run directory")
    return entry


def check_run_file(entry: dict, path: Path) -> Path:
    """The run directory a `run.json` belongs to (its `root`, resolved)."""
    root = entry.get("root")
    if not isinstance(root, str) or not isinstance(entry.get("name"), str):
        raise _bad(path, "root" if not isinstance(root, str) else "name", "is missing or not text")
    folder = (path.parent / root).resolve()
    if not (folder / "manifest.json").is_file():
        raise RunDirError(f"its root {root!r} leads to {folder}, which holds no manifest.json",
                          path=str(path), fix="pass the run directory itself, or rerun `irtools run`")
    return folder


def _bad(path, where: str, problem: str, expected: str | None = None) -> RunDirError:
    return RunDirError(f"{where} {problem}", path=str(path), expected=expected, fix=RERUN)
