"""Damaged run directories and HAL profiles: one line naming the file and the entry or line.

Before: `"runs": null`, an entry without `name`, a trace path that is a number, a run.json
whose root is gone, or a JSONL profile line that is a list gave tracebacks; a run name
that is a number or a profile key that is null passed silently.
"""

from __future__ import annotations

import json
import shutil

import pytest

from irtools.errors import ProfileError, RunDirError
from irtools.run.layout import RunDir
from irtools.trace.ireeprof import profile_records
from tests._hostile import one_error
from tests.helpers import TRACY, run_cli

TRACE = TRACY / "mlp3_llvmcpu_sync.tracy"
JSONL = TRACY / "mlp3_llvmcpu_sync.iree-profile-dispatch.jsonl"
RUN = {"name": "llvm-cpu/local-sync/main", "target": "llvm-cpu@local-sync", "backend": "llvm-cpu",
       "device": "local-sync", "function": "main", "dir": "llvm-cpu/local-sync/main", "status": "ok",
       "trace": "llvm-cpu/local-sync/main/trace.tracy", "profile": None, "ir_dump": None}


def make_run(root, manifest=None):
    folder = root / RUN["dir"]
    folder.mkdir(parents=True)
    shutil.copy(TRACE, folder / "trace.tracy")
    (folder / "run.json").write_text(json.dumps({**RUN, "schema": 1, "root": "../../.."}))
    data = {"schema": 1, "status": "done", "runs": [RUN], "compiles": []}
    text = manifest(data) if callable(manifest) else json.dumps(data)
    (root / "manifest.json").write_text(text if isinstance(text, str) else json.dumps(text))
    return root


def test_a_good_run_directory_reads(tmp_path):
    root = make_run(tmp_path / "run")
    code, out, err = run_cli("hotspots", root, "--by", "dispatch")
    assert code == 0, err


DAMAGED = {
    "not JSON": (lambda m: "not json", "line 1"),
    "cut short": (lambda m: json.dumps(m, indent=2)[:40], "not valid JSON"),
    "empty": (lambda m: "", "empty"),
    "a list": (lambda m: [], "not an irtools run manifest"),
    "no schema": (lambda m: {k: v for k, v in m.items() if k != "schema"}, "schema 1"),
    "runs null": (lambda m: {**m, "runs": None}, "runs is null, not a list"),
    "runs an object": (lambda m: {**m, "runs": {"a": 1}}, "runs is an object"),
    "a run is a number": (lambda m: {**m, "runs": [1]}, "runs[0] is a number"),
    "a run without keys": (lambda m: {**m, "runs": [{}]}, "runs[0].name is missing"),
    "no name": (lambda m: {**m, "runs": [{k: v for k, v in RUN.items() if k != "name"}]},
                "runs[0].name"),
    "name a number": (lambda m: {**m, "runs": [{**RUN, "name": 7}]}, "runs[0].name"),
    "trace a number": (lambda m: {**m, "runs": [{**RUN, "trace": 5}]}, "runs[0].trace"),
    "dir null": (lambda m: {**m, "runs": [{**RUN, "dir": None}]}, "runs[0].dir"),
    "trace outside": (lambda m: {**m, "runs": [{**RUN, "trace": "/etc/passwd"}]},
                      "leaves the run directory"),
    "trace up": (lambda m: {**m, "runs": [{**RUN, "trace": "../../x.tracy"}]}, "leaves the run"),
    "compiles null": (lambda m: {**m, "compiles": None}, "compiles is null"),
    "a compile without status": (lambda m: {**m, "compiles": [{}]}, "compiles[0].status"),
    "not UTF-8": (lambda m: None, "UTF-8"),
}


@pytest.mark.parametrize("case", list(DAMAGED))
def test_a_damaged_manifest_is_one_line(tmp_path, case):
    damage, words = DAMAGED[case]
    root = make_run(tmp_path / "run")
    manifest = root / "manifest.json"
    if case == "not UTF-8":
        manifest.write_bytes(b'{"schema": 1, "runs": ["\xff\xfe"]}')
    else:
        text = damage({"schema": 1, "status": "done", "runs": [RUN], "compiles": []})
        manifest.write_text(text if isinstance(text, str) else json.dumps(text))
    with pytest.raises(RunDirError):
        RunDir.open(root)
    for argv in (["hotspots", root], ["compare", root, root], ["hotspots", root / RUN["dir"]]):
        code, out, err = run_cli(*argv)
        one_error(code, err, manifest, words)


def test_the_tui_refuses_a_damaged_manifest_before_it_starts(tmp_path):
    from irtools.tui.session import open_paths

    root = make_run(tmp_path / "run", lambda m: {**m, "runs": None})
    with pytest.raises(RunDirError, match="runs is null"):
        open_paths([str(root)])


@pytest.mark.parametrize("root,words", [(None, "root is missing"), ("../../../..", "holds no manifest.json"),
                                         (5, "root is missing or not text")])
def test_a_damaged_run_json(tmp_path, root, words):
    folder = make_run(tmp_path / "run") / RUN["dir"]
    entry = {**RUN, "schema": 1}
    if root is not None:
        entry["root"] = root
    (folder / "run.json").write_text(json.dumps(entry))
    code, out, err = run_cli("hotspots", folder)
    one_error(code, err, folder / "run.json", words)


ODD_LINES = {
    "a list": ("[1, 2]", "a list, not an object"),
    "null": ("null", "null, not an object"),
    "a number": ("3", "not an object"),
    "a string": ('"x"', "not an object"),
    "no key": ('{"type": "dispatch_group"}', "without a text 'key'"),
    "key null": ('{"type": "dispatch_group", "key": null}', "without a text 'key'"),
    "count text": ('{"type": "dispatch_group", "key": "d", "count": "many"}', "'count' is \"many\""),
    "time a list": ('{"type": "host_dispatch_group", "key": "d", "total_ns": []}', "'total_ns'"),
    "negative": ('{"type": "dispatch_group", "key": "d", "total_tile_count": -1}', "whole number >= 0"),
    "cut JSON": ('{"type": ', "not JSON"),
    "not UTF-8": (b'{"type": "\xff"}', "not UTF-8"),
}


@pytest.mark.parametrize("case", list(ODD_LINES))
def test_an_odd_profile_line_names_its_line(tmp_path, case):
    line, words = ODD_LINES[case]
    good = JSONL.read_bytes().splitlines()
    bad = tmp_path / "odd.jsonl"
    bad.write_bytes(b"\n".join([good[0], good[1], line if isinstance(line, bytes) else line.encode(),
                                *good[2:]]) + b"\n")
    with pytest.raises(ProfileError):
        profile_records(bad)
    code, out, err = run_cli("hotspots", TRACE, "--by", "dispatch", "--profile", bad)
    one_error(code, err, bad, "line 3", words)


@pytest.mark.iree
def test_an_empty_or_cut_profile_bundle(tmp_path):
    empty = tmp_path / "empty.ireeprof"
    empty.write_bytes(b"")
    code, out, err = run_cli("hotspots", TRACE, "--by", "dispatch", "--profile", empty)
    one_error(code, err, empty, "empty")
    cut = tmp_path / "cut.ireeprof"
    data = (TRACY / "mlp3_llvmcpu_sync.ireeprof").read_bytes()
    cut.write_bytes(data[:len(data) // 2])
    code, out, err = run_cli("hotspots", TRACE, "--by", "dispatch", "--profile", cut)
    one_error(code, err, cut, "iree-profile cannot read it")
