"""A sweep of hostile inputs over every subcommand: `python tests/hostile_sweep.py [-k WORD]`.

Not a pytest file: it runs each case as a real `python -m irtools` process (with a plain
PATH, its own cache folder and a time limit) and checks the promise of docs: a bad input
gives exit code 2 and one `irtools: error:` line (argparse's usage line is allowed),
no traceback, no hang; the input is never modified; device files stay device files;
no `.irtools-*.tmp` file, stdin copy or IREE process is left behind. Cases that should
work must exit 0. Prints one line per broken case and a count at the end.
It makes its own data in a temporary folder (one `ir capture` and one `irtools run`
of a fixture model, about 15 s).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(os.environ.get("IRTOOLS_SHARED", REPO.parent / "shared")) / "fixtures"
TRACE = FIXTURES / "tracy" / "mlp3_llvmcpu_sync.tracy"
PROFILE = FIXTURES / "tracy" / "mlp3_llvmcpu_sync.ireeprof"
JSONL = FIXTURES / "tracy" / "mlp3_llvmcpu_sync.iree-profile-dispatch.jsonl"
MODEL = FIXTURES / "models" / "a_mm_elem.mlir"
CPU = ["--iree-hal-target-device=local", "--iree-hal-local-target-device-backends=llvm-cpu"]
ENV = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8"}
if os.environ.get("PYTHONPATH"):  # to sweep another copy of irtools
    ENV["PYTHONPATH"] = os.environ["PYTHONPATH"]


def irtools(*argv, cwd=None, stdin=None, timeout=120, stdout=None):
    return subprocess.run([sys.executable, "-m", "irtools", *map(str, argv)], cwd=cwd,
                          stdin=stdin if stdin is not None else subprocess.DEVNULL,
                          stdout=stdout or subprocess.PIPE, stderr=subprocess.PIPE,
                          env=ENV, timeout=timeout)


def make_data(d: Path):
    """The inputs: good ones, and every kind of bad one."""
    d.mkdir(parents=True)
    shutil.copy(TRACE, d / "good.tracy")
    shutil.copy(PROFILE, d / "good.ireeprof")
    shutil.copy(JSONL, d / "good.jsonl")
    shutil.copy(MODEL, d / "good.mlir")
    p = irtools("ir", "capture", d / "good.mlir", "-o", d / "dump.txt", "--", *CPU, timeout=600)
    assert p.returncode == 0, p.stderr
    p = irtools("run", d / "good.mlir", "-o", d / "run", "--top", "1", timeout=600)
    assert p.returncode == 0, p.stderr
    shutil.copy(d / "run" / "llvm-cpu" / "module.vmfb", d / "module.vmfb")
    (d / "empty").write_bytes(b"")
    (d / "folder").mkdir()
    os.mkfifo(d / "fifo")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(d / "socket"))
    sock.close()
    os.symlink("loop", d / "loop")
    (d / "garbage").write_bytes(os.urandom(1 << 20))
    (d / "text").write_text("hello world\n" * 1000)
    (d / "nul.txt").write_bytes(b"\0" * (1 << 20))
    with open(d / "longline", "wb") as f:  # 64 MiB, no newline
        for _ in range(64):
            f.write(b"a" * (1 << 20))
    data = (d / "good.tracy").read_bytes()
    (d / "half.tracy").write_bytes(data[:len(data) // 2])
    (d / "head3.tracy").write_bytes(data[:3])
    (d / "head9.tracy").write_bytes(data[:9])
    flipped = bytearray(data)
    for i in range(100, len(flipped), 997):
        flipped[i] ^= 0xFF
    (d / "flipped.tracy").write_bytes(bytes(flipped))
    dump = (d / "dump.txt").read_bytes()
    (d / "cut.txt").write_bytes(dump[:len(dump) // 3])
    first = dump.index(b"\n") + 1
    (d / "cuthead.txt").write_bytes(dump[:first - 10])
    (d / "headonly.txt").write_bytes(dump[:first])
    (d / "longhead.txt").write_bytes(b"// -----// IR Dump After X (x) " + b"x" * (8 << 20) + b"\n" + dump[first:200000])
    (d / "nulbody.txt").write_bytes(dump[:first] + b"\0" * 100000 + dump[first:300000])
    (d / "crlf.txt").write_bytes(dump[:400000].replace(b"\n", b"\r\n"))
    (d / "cut.mlir").write_bytes(MODEL.read_bytes()[:300])
    (d / "badsyntax.mlir").write_text("func.func @main( { return\n")
    (d / "mlirbc.mlir").write_bytes(b"ML\xefR" + os.urandom(100))
    ireeprof = (d / "good.ireeprof").read_bytes()
    (d / "half.ireeprof").write_bytes(ireeprof[:len(ireeprof) // 2])
    jl = (d / "good.jsonl").read_text().splitlines()
    odd = {"list": "[1, 2]", "null": "null", "number": "3", "string": '"x"',
           "nokey": '{"type": "dispatch_group"}',
           "badtype": '{"type": "dispatch_group", "key": 5, "count": "many", "total_ns": []}',
           "badjson": '{"type": ', "keynull": '{"type": "dispatch_group", "key": null}'}
    for name, line in odd.items():
        (d / f"odd-{name}.jsonl").write_text("\n".join([jl[0], line, *jl[1:]]) + "\n")
    # Damaged run directories.
    manifest = json.loads((d / "run" / "manifest.json").read_text())
    run = manifest["runs"][0]
    variants = {
        "notjson": "not json at all", "truncated": (d / "run" / "manifest.json").read_text()[:200],
        "empty": "", "list": "[]", "runsnull": {**manifest, "runs": None},
        "runsdict": {**manifest, "runs": {"a": 1}}, "runsints": {**manifest, "runs": [1, 2]},
        "nokeys": {**manifest, "runs": [{}]},
        "noname": {**manifest, "runs": [{k: v for k, v in run.items() if k != "name"}]},
        "namenum": {**manifest, "runs": [{**run, "name": 7}]},
        "tracenum": {**manifest, "runs": [{**run, "trace": 5}]},
        "dirnull": {**manifest, "runs": [{**run, "dir": None}]},
        "traceabs": {**manifest, "runs": [{**run, "trace": "/etc/passwd"}]},
        "schema2": {**manifest, "schema": 2}, "noschema": {k: v for k, v in manifest.items() if k != "schema"},
        "compilesnull": {**manifest, "compiles": None},
    }
    for name, content in variants.items():
        folder = d / f"run-{name}"
        shutil.copytree(d / "run", folder, symlinks=True)
        text = content if isinstance(content, str) else json.dumps(content)
        (folder / "manifest.json").write_text(text)
    one = d / "run" / "llvm-cpu" / "local-task" / "main"
    for name, content in {"notjson": "{", "rootnull": {**json.loads((one / "run.json").read_text()), "root": None},
                          "rootfar": {**json.loads((one / "run.json").read_text()), "root": "../../../../.."}}.items():
        folder = d / f"runjson-{name}"
        shutil.copytree(d / "run", folder, symlinks=True)
        target = folder / "llvm-cpu" / "local-task" / "main" / "run.json"
        target.write_text(content if isinstance(content, str) else json.dumps(content))
    (d / "newline\nname.tracy").write_bytes(b"")
    # Device files to write to: the same as /dev/null and /dev/full, but a broken irtools
    # that replaced one would not break the machine.
    os.mknod(d / "null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    os.mknod(d / "full", 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    (d / "dir.tracy").mkdir()


BAD_FILES = ["empty", "folder", "fifo", "/dev/zero", "/dev/null", "socket", "loop", "missing",
             "garbage", "text", "nul.txt", "longline", "newline\nname.tracy", "dir.tracy"]
BAD_TRACES = ["half.tracy", "head3.tracy", "head9.tracy", "flipped.tracy", "dump.txt",
              "good.mlir", "good.ireeprof", "good.jsonl", "module.vmfb"]
BAD_DUMPS = ["cut.txt", "cuthead.txt", "headonly.txt", "longhead.txt", "nulbody.txt", "crlf.txt",
             "good.tracy", "good.mlir", "module.vmfb"]
BAD_MLIR = ["cut.mlir", "badsyntax.mlir", "mlirbc.mlir", "good.tracy", "dump.txt", "module.vmfb"]
TUI_APP = {"half.tracy", "head9.tracy", "flipped.tracy", "dump.txt"}
OK_DUMPS = {"crlf.txt", "cut.txt", "headonly.txt", "nulbody.txt", "longhead.txt", "cuthead.txt"}
ONE_SNAPSHOT = {"headonly.txt", "cuthead.txt"}   # no snapshot 1, no history
# slim streams text and does not parse MLIR: an empty or broken file has no constants.
OK_SLIM = {"empty", "newline\nname.tracy", "cut.mlir", "badsyntax.mlir"}
RUN_VARIANTS = ["run-notjson", "run-truncated", "run-empty", "run-list", "run-runsnull", "run-runsdict",
                "run-runsints", "run-nokeys", "run-noname", "run-namenum", "run-tracenum",
                "run-dirnull", "run-traceabs", "run-schema2", "run-noschema", "run-compilesnull",
                "runjson-notjson/llvm-cpu/local-task/main", "runjson-rootnull/llvm-cpu/local-task/main",
                "runjson-rootfar/llvm-cpu/local-task/main"]


def cases():
    """(name, argv with {D} for the data folder and {W} for the case's work folder, expect, opts)."""
    out = []

    def add(name, argv, expect="error", **opts):
        out.append((name, argv, expect, opts))

    for f in BAD_FILES + BAD_TRACES:
        add(f"hotspots {f}", ["hotspots", "{D}/" + f if not f.startswith("/") else f])
        add(f"compare {f} good", ["compare", "{D}/" + f if not f.startswith("/") else f, "{D}/good.tracy"])
        add(f"compare good {f}", ["compare", "{D}/good.tracy", "{D}/" + f if not f.startswith("/") else f])
        add(f"export {f}", ["export", "{D}/" + f if not f.startswith("/") else f, "-o", "{W}/out.json.gz"])
        add(f"hotspots --profile {f}", ["hotspots", "{D}/good.tracy", "--by", "dispatch", "--profile",
                                        "{D}/" + f if not f.startswith("/") else f],
            "ok" if f in ("good.ireeprof", "good.jsonl") else "error")
        # A file that looks like a capture or a dump starts the app, which shows what is wrong.
        add(f"tui {f}", ["tui", "{D}/" + f if not f.startswith("/") else f],
            "app" if f in TUI_APP else "error", timeout=20)
    for f in BAD_FILES + BAD_DUMPS:
        p = "{D}/" + f if not f.startswith("/") else f
        expect = "ok" if f in OK_DUMPS else "error"
        add(f"ir passes {f}", ["ir", "passes", p], expect)
        add(f"ir diff {f}", ["ir", "diff", p, "1"], expect if f not in ONE_SNAPSHOT else "error")
        add(f"ir show {f}", ["ir", "show", p, "0"], expect)
        add(f"ir history {f}", ["ir", "history", p, "@main"], expect if f not in ONE_SNAPSHOT else "error")
        add(f"ir split {f}", ["ir", "split", p, "-o", "{W}/split"], expect)
    for f in BAD_FILES + BAD_MLIR:
        p = "{D}/" + f if not f.startswith("/") else f
        add(f"slim --report {f}", ["slim", p, "--report"], "ok" if f in OK_SLIM else "error")
        add(f"slim -o {f}", ["slim", p, "-o", "{W}/slim.mlir"], "ok" if f in OK_SLIM else "error")
        add(f"ir capture {f}", ["ir", "capture", p, "-o", "{W}/d.txt", "--", *CPU])
        add(f"run {f}", ["run", p, "-o", "{W}/run", "--top", "0"])
    for f in ["odd-" + k for k in ("list", "null", "number", "string", "nokey", "badtype", "badjson", "keynull")]:
        add(f"hotspots --profile {f}", ["hotspots", "{D}/good.tracy", "--by", "dispatch", "--profile",
                                        "{D}/" + f + ".jsonl"])
    add("hotspots --profile half.ireeprof", ["hotspots", "{D}/good.tracy", "--by", "dispatch", "--profile",
                                             "{D}/half.ireeprof"])
    for v in RUN_VARIANTS:
        add(f"hotspots {v}", ["hotspots", "{D}/" + v, "--by", "dispatch"])
        add(f"compare {v}", ["compare", "{D}/" + v, "{D}/run"])
        add(f"tui {v}", ["tui", "{D}/" + v], timeout=20)
    # stdin
    add("ir passes - </dev/zero", ["ir", "passes", "-"], stdin="/dev/zero", timeout=60,
        env={"IRTOOLS_STDIN_LIMIT": "64M"})
    add("ir passes - <empty", ["ir", "passes", "-"], stdin="{D}/empty")
    add("ir passes - <garbage", ["ir", "passes", "-"], stdin="{D}/garbage")
    add("ir passes - <dump", ["ir", "passes", "-"], "ok", stdin="{D}/dump.txt")
    add("ir show - <longline", ["ir", "show", "-", "0"], stdin="{D}/longline")
    add("hotspots - <good", ["hotspots", "-"], stdin="{D}/good.tracy")
    # outputs
    for target in ["{D}/full", "{D}/null", "{W}/devnull-link", "{W}", "{W}/missing/x", "INPUT"]:
        # Writing to a null device works, except for ir capture, which reads its dump back.
        expect = "ok" if target in ("{D}/null", "{W}/devnull-link") else "error"
        add(f"export -o {target}", ["export", "{D}/good.tracy", "-o",
                                    "{D}/good.tracy" if target == "INPUT" else target, "--format", "csv"],
            expect, timeout=30)
        add(f"slim -o {target}", ["slim", "{D}/good.mlir", "-o", "{D}/good.mlir" if target == "INPUT" else target,
                                  "--min-bytes", "1"], expect, timeout=30)
        add(f"ir capture -o {target}", ["ir", "capture", "{D}/good.mlir", "-o",
                                        "{D}/good.mlir" if target == "INPUT" else target, "--", *CPU],
            "error", timeout=120)
    add("slim --params /dev/full", ["slim", "{D}/good.mlir", "-o", "{W}/s.mlir", "--params", "{D}/full"])
    add("ir split -o /dev/null", ["ir", "split", "{D}/dump.txt", "-o", "{D}/null"])
    add("ir split -o file", ["ir", "split", "{D}/dump.txt", "-o", "{D}/empty"])
    add("run -o EXISTING_FILE", ["run", "{D}/good.mlir", "-o", "{D}/empty"])
    add("run -o /dev/null", ["run", "{D}/good.mlir", "-o", "{D}/null"])
    for cmd in (["hotspots", "{D}/good.tracy"], ["compare", "{D}/good.tracy", "{D}/good.tracy"],
                ["ir", "passes", "{D}/dump.txt"], ["ir", "show", "{D}/dump.txt", "5"],
                ["ir", "diff", "{D}/dump.txt", "3"], ["ir", "history", "{D}/dump.txt", "@main"],
                ["slim", "{D}/good.mlir", "--report"], ["hotspots", "{D}/run", "--by", "dispatch"],
                ["hotspots", "{D}/good.tracy", "--format", "csv"],
                ["ir", "passes", "{D}/dump.txt", "--format", "json"]):
        add(" ".join(cmd) + " >/dev/full", cmd, stdout="/dev/full")
    # options
    bad_numbers = {
        "run": [("--port", "0"), ("--port", "-1"), ("--port", "70000"), ("--port", "abc"),
                ("--seed", "abc"), ("--seed", "-1"), ("--seed", "1e3"), ("--seed", str(2 ** 70)),
                ("--timeout", "inf"), ("--timeout", "abc"), ("--timeout", "0"), ("--timeout", "nan"),
                ("--timeout", "-1"), ("--compile-timeout", "0"), ("--compile-timeout", "nan"),
                ("--compile-timeout", "inf"), ("--repeat", "-3"), ("--repeat", "0"), ("--repeat", "x"),
                ("--top", "-1"), ("--top", "x")],
        "hotspots": [("--top", "0"), ("--top", "-1"), ("--top", "x"), ("--filter", "(["),
                     ("--filter", "*"), ("--thread", "")],
        "compare": [("--top", "0"), ("--top", "-2"), ("--filter", "(["), ],
        "slim": [("--min-bytes", "0"), ("--min-bytes", "-5"), ("--min-bytes", "x"), ("--top", "0"),
                 ("--top", "-1")],
        "ir passes": [("--pass", "(["), ("--pass", "*")],
        "ir diff": [("-U", "-5"), ("-U", "x")],
        "ir capture": [("--timeout", "nan"), ("--timeout", "-1"), ("--timeout", "0"), ("--timeout", "inf")],
    }
    base = {"run": ["run", "{D}/good.mlir", "-o", "{W}/run"],
            "hotspots": ["hotspots", "{D}/good.tracy"],
            "compare": ["compare", "{D}/good.tracy", "{D}/good.tracy"],
            "slim": ["slim", "{D}/good.mlir", "--report"],
            "ir passes": ["ir", "passes", "{D}/dump.txt"],
            "ir diff": ["ir", "diff", "{D}/dump.txt", "5"],
            "ir capture": ["ir", "capture", "{D}/good.mlir", "-o", "{W}/d.txt"]}
    for cmd, values in bad_numbers.items():
        for opt, value in values:
            argv = [*base[cmd], f"{opt}={value}" if value.startswith("-") else opt,
                    *([] if value.startswith("-") else [value])]
            if cmd == "ir capture":
                argv += ["--", *CPU]
            add(f"{cmd} {opt} {value!r}", argv)
    for n in ("-1", "99999", "x"):
        dash = ["--"] if n == "-1" else []
        add(f"ir show n={n}", ["ir", "show", "{D}/dump.txt", *dash, n])
        add(f"ir diff a={n}", ["ir", "diff", "{D}/dump.txt", *dash, n])
    add("ir diff 5 99999", ["ir", "diff", "{D}/dump.txt", "5", "99999"])
    add("ir show symbol missing", ["ir", "show", "{D}/dump.txt", "5", "--symbol", "@nope"])
    add("ir history missing", ["ir", "history", "{D}/dump.txt", "@nope"])
    add("run --run-flag=--no-such", ["run", "{D}/good.mlir", "-o", "{W}/run", "--top", "0",
                                     "--run-flag=--no-such", "--timeout", "60"], timeout=50)
    add("run --compile-flag=--no-such", ["run", "{D}/good.mlir", "-o", "{W}/run", "--compile-flag=--no-such"])
    add("run --function nope", ["run", "{D}/good.mlir", "-o", "{W}/run", "--function", "nope"])
    add("run --target nope", ["run", "{D}/good.mlir", "-o", "{W}/run", "--target", "nope"])
    add("run --input bad", ["run", "{D}/good.mlir", "-o", "{W}/run", "--input", "@/nonexistent.npy"])
    add("run --force over a non-run", ["run", "{D}/good.mlir", "-o", "{W}/notrun", "--force"], pre="notrun")
    add("export --format parquet -o x.csv", ["export", "{D}/good.tracy", "--format", "parquet", "-o", "{W}/x.csv"],
        "ok")  # an explicit format wins over the name
    return out


def _limits():
    """A broken case must not fill the disk or the memory of a shared machine."""
    import resource

    resource.setrlimit(resource.RLIMIT_FSIZE, (2 << 30, 2 << 30))
    resource.setrlimit(resource.RLIMIT_AS, (8 << 30, 8 << 30))


def snapshot_tmp(cache=None):
    """Stdin copies: in /tmp by older irtools (irtools-XXXXXXXX: other names there belong to
    other programs' tests), in the cache folder now."""
    found = {p for p in glob.glob("/tmp/irtools-*") + glob.glob(tempfile.gettempdir() + "/irtools-*")
             if len(os.path.basename(p)) == len("irtools-") + 8}
    if cache is not None:
        found |= set(glob.glob(str(cache) + "/stdin/*"))
    return found


def hashes(d: Path):
    out = {}
    for root, dirs, files in os.walk(d):
        for name in files + dirs:
            p = os.path.join(root, name)
            st = os.lstat(p)
            if stat.S_ISREG(st.st_mode):
                out[p] = (st.st_size, st.st_mtime_ns)
            else:
                out[p] = stat.S_IFMT(st.st_mode)
    return out


def restore(data: Path, changed):
    """Put back the inputs a broken case wrote over, so that later cases read the real ones."""
    pristine = data.parent / "pristine"
    for p in changed:
        rel = os.path.relpath(p, data)
        if os.path.lexists(p) and not os.path.isdir(p):
            os.unlink(p)
        source = pristine / rel
        if source.is_symlink() or source.is_file():
            shutil.copy2(source, p, follow_symlinks=False)
        elif source.exists() and stat.S_ISCHR(source.stat().st_mode):
            os.mknod(p, 0o666 | stat.S_IFCHR, source.stat().st_rdev)
        elif source.exists() and stat.S_ISFIFO(source.stat().st_mode):
            os.mkfifo(p)


def devices_ok():
    return all(stat.S_ISCHR(os.stat(p).st_mode) for p in ("/dev/null", "/dev/full", "/dev/zero"))


def iree_processes(marker):
    ps = subprocess.run(["ps", "-eww", "-o", "pid,args"], capture_output=True, text=True).stdout
    return [ln for ln in ps.splitlines() if marker in ln and ("iree-" in ln or "irtools" in ln)]


def check(number, name, argv, expect, opts, data: Path, work_root: Path):
    w = work_root / f"case{number}"
    w.mkdir()
    if opts.get("pre"):
        (w / opts["pre"]).mkdir()
        (w / opts["pre"] / "keep.txt").write_text("x")
    os.symlink(data / "null", w / "devnull-link")
    real = [a.replace("{D}", str(data)).replace("{W}", str(w)) for a in argv]
    before_tmp, before = snapshot_tmp(work_root / "cache"), hashes(data)
    stdin = opts.get("stdin")
    env = {**ENV, "IRTOOLS_CACHE": str(work_root / "cache"), **opts.get("env", {})}
    t0 = time.monotonic()
    problems = []
    with open(stdin.replace("{D}", str(data)), "rb") if stdin else open(os.devnull, "rb") as sin, \
            open(opts["stdout"], "wb") if opts.get("stdout") else tempfile.TemporaryFile() as sout:
        proc = subprocess.Popen([sys.executable, "-m", "irtools", *real], stdin=sin, stdout=sout,
                                stderr=subprocess.PIPE, env=env, cwd=w, start_new_session=True,
                                preexec_fn=_limits)
        try:
            _, err = proc.communicate(timeout=opts.get("timeout", 30))
            rc = proc.returncode
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            _, err = proc.communicate()
            rc = None
            if expect != "app":
                problems.append(f"hangs (> {opts.get('timeout', 30)} s)")
    err = err.decode("utf-8", "replace")
    seconds = time.monotonic() - t0
    if rc is not None:
        lines = [ln for ln in err.splitlines() if ln.strip()]
        errors = [ln for ln in lines if ln.startswith("irtools: error:")]
        usage = [ln for ln in lines if ln.startswith("irtools ") and ": error:" in ln]
        if "Traceback" in err:
            problems.append("traceback: " + (lines[-1] if lines else ""))
        elif expect in ("ok", "app") and rc != 0 and not (expect == "app" and rc == 2 and errors):
            problems.append(f"exit {rc}: {(errors or lines or [''])[-1][:200]}")
        elif expect == "error":
            if rc != 2:
                problems.append(f"exit {rc}, not 2" + (f": {lines[-1][:160]}" if lines else ""))
            elif len(errors) + len(usage) != 1:
                problems.append(f"{len(errors) + len(usage)} error lines: {err[-300:]!r}")
            elif errors and any(not ln.startswith(("irtools: error:", "irtools: warning:", "irtools run:", "note:"))
                                and "usage:" not in ln for ln in lines) and not argv[0] == "run":
                problems.append(f"more than one line: {err[-300:]!r}")
    if not devices_ok():
        problems.append("A DEVICE FILE WAS REPLACED")
    after = hashes(data)
    changed = [p for p in set(before) | set(after) if before.get(p) != after.get(p)]
    if changed:
        problems.append(f"input changed: {sorted(changed)[:3]}")
        restore(data, changed)
    left = [p for p in glob.glob(str(w) + "/**/.irtools-*", recursive=True)] + \
           [p for p in glob.glob(str(data) + "/**/.irtools-*", recursive=True)] + \
           sorted(snapshot_tmp(work_root / "cache") - before_tmp)
    if left:
        problems.append(f"left behind: {left[:3]}")
    # A failed `run` keeps its run directory (logs, manifest): that is the design.
    if expect == "error" and rc == 2 and "-o" in argv and argv[0] != "run":
        target = real[argv.index("-o") + 1]
        if target.startswith(str(w)) and os.path.lexists(target) and target != str(w) \
                and "devnull" not in target and not opts.get("pre"):
            problems.append(f"output left after a failure: {target}")
    procs = iree_processes(str(w))
    if procs:
        problems.append(f"processes left: {procs[:2]}")
        for ln in procs:
            subprocess.run(["kill", "-9", ln.split()[0]])
    return problems, rc, seconds, err


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("-k", help="only cases whose name holds this")
    ap.add_argument("--data", help="reuse a data folder made by an earlier sweep")
    ap.add_argument("-v", action="store_true", help="print every case")
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="hostile-sweep-"))
    data = Path(args.data) if args.data else root / "data"
    if not args.data:
        make_data(data)
    pristine = data.parent / "pristine"
    if not pristine.exists():
        shutil.copytree(data, pristine, symlinks=True, ignore=lambda d, names: [
            n for n in names if stat.S_ISSOCK(os.lstat(os.path.join(d, n)).st_mode)
            or stat.S_ISFIFO(os.lstat(os.path.join(d, n)).st_mode)
            or stat.S_ISCHR(os.lstat(os.path.join(d, n)).st_mode)])
        for name, minor in (("null", 3), ("full", 7)):
            os.mknod(pristine / name, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
        os.mkfifo(pristine / "fifo")
    todo = [c for c in cases() if not args.k or args.k in c[0]]
    broken = 0
    for number, (name, argv, expect, opts) in enumerate(todo):
        problems, rc, seconds, err = check(number, name, argv, expect, opts, data, root)
        if problems:
            broken += 1
            print(f"BROKEN {name!r}: {'; '.join(problems)}"[:600], flush=True)
        elif args.v:
            last = [ln for ln in err.splitlines() if ln.strip()][-1:] or [""]
            print(f"ok     {name!r} ({rc}, {seconds:.1f} s) {last[0][:150]}", flush=True)
    print(f"{len(todo)} cases, {broken} broke the promise; data in {data}")
    shutil.rmtree(root / "cache", ignore_errors=True)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
