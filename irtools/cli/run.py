"""`irtools run MODEL`: compile and run a model on each target under Tracy, into a run directory."""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ThreadPoolExecutor

from irtools.cli._args import count, port, seconds, seed

EXAMPLE = """\
examples:
  irtools run model.mlir                                   # llvm-cpu, every exported function
  irtools run model.mlir --target llvm-cpu --target vmvx --function prefill --function decode
  irtools run model.mlir --target vulkan --ir-dump -o runs/vk   # with the per-pass IR
  irtools run model.mlir --input prefill:@tokens.npy --calls 10
  irtools run model.mlir --variant base= --variant fused=--iree-dispatch-creation-enable-aggressive-fusion \
      --repeat 10 -o runs/fusion                            # then: irtools compare runs/fusion
  irtools run model.mlir --compile-flag=--iree-opt-level=O3 --run-flag=--task_topology_group_count=1

targets: llvm-cpu (on local-task), llvm-cpu@local-sync, vmvx, vmvx@local-sync, vulkan,
cuda, rocm (compiled only where no such device exists).
Then: irtools hotspots RUN_DIR --by dispatch;  irtools compare RUN_A RUN_B
"""


def add_parser(sub):
    p = sub.add_parser("run", help="compile and run a model on each target under Tracy",
                       description=__doc__, epilog=EXAMPLE,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", metavar="MODEL", help="an MLIR file (.mlir or .mlirbc)")
    p.add_argument("--target", action="append", metavar="TARGET",
                   help="BACKEND[@DEVICE]; repeat for several (default: llvm-cpu)")
    p.add_argument("--function", action="append", metavar="NAME",
                   help="run this exported function; repeat for several (default: all)")
    p.add_argument("--input", action="append", default=[], metavar="[FUNCTION:]VALUE",
                   help="an input in iree-run-module syntax (2x3xf32=1, @x.npy); without any, "
                        "seeded random inputs are made from each function's signature")
    p.add_argument("--seed", type=seed, default=0, help="seed of the random inputs (default 0)")
    p.add_argument("--variant", action="append", metavar="NAME=FLAGS",
                   help="a build of the model with these extra iree-compile flags (NAME= for none); "
                        "repeat for several: each is compiled and run, under RUN_DIR/NAME/")
    p.add_argument("--repeat", type=count(1), metavar="N",
                   help="run each function N times, each a captured process of its own "
                        "(RUN_DIR/.../FUNCTION/rK), the variants taking turns: what the "
                        "verdicts of `irtools compare` need")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--calls", type=count(1), metavar="N",
                      help="call the function N times within each run (iree-benchmark-module)")
    mode.add_argument("--benchmark", action="store_true",
                      help="run iree-benchmark-module with its own timing rules")
    p.add_argument("--jobs", type=count(1), metavar="N",
                   help="compiles at once (default: the CPUs irtools may use); captured runs "
                        "are always one at a time")
    p.add_argument("--ray", metavar="ADDRESS",
                   help="compile on a Ray cluster (HOST:PORT, ray://..., auto, or local to start "
                        "one here); needs `pip install ray`")
    p.add_argument("--ir-dump", action="store_true",
                   help="keep the IR after every pass (BACKEND/ir/dump.mlir) for `irtools ir`")
    p.add_argument("-o", "--output", metavar="DIR",
                   help="the run directory (default: runs/MODEL-DATE-TIME)")
    p.add_argument("--force", action="store_true",
                   help="replace DIR if it holds an earlier run (never any other folder)")
    p.add_argument("--compile-flag", action="append", default=[], metavar="FLAG",
                   help="pass a flag to iree-compile (write --compile-flag=--iree-...)")
    p.add_argument("--run-flag", action="append", default=[], metavar="FLAG",
                   help="pass a flag to iree-run-module / iree-benchmark-module")
    p.add_argument("--timeout", type=seconds, default=600, metavar="S",
                   help="time limit of each captured run (default 600 s)")
    p.add_argument("--compile-timeout", type=seconds, default=1800, metavar="S",
                   help="time limit of each compile (default 1800 s)")
    p.add_argument("--sampling", action="store_true",
                   help="let Tracy sample call stacks (off by default: it inflates captures)")
    p.add_argument("--port", type=port, metavar="PORT",
                   help="the Tracy port (default: a free port for each capture)")
    p.add_argument("--no-profile", dest="profile", action="store_false",
                   help="do not record a HAL profile (.ireeprof)")
    p.add_argument("--top", type=count(0), default=5, metavar="N",
                   help="dispatches shown per run at the end (default 5; 0 for none)")
    p.set_defaults(func=run)


def run(args) -> int:
    from pathlib import Path

    from irtools.errors import IrtoolsError
    from irtools.run.runner import Options, default_name, parse_targets, parse_variants
    from irtools.run.runner import run as do_run

    model = Path(args.model)
    out = Path(args.output) if args.output else Path("runs") / default_name(model)
    options = Options(targets=parse_targets(args.target), functions=args.function or [],
                      inputs=args.input, seed=args.seed, repeat=args.repeat, calls=args.calls,
                      variants=parse_variants(args.variant), jobs=args.jobs, ray=args.ray,
                      benchmark=args.benchmark, ir_dump=args.ir_dump, profile=args.profile,
                      sampling=args.sampling, port=args.port, replace=args.force,
                      compile_flags=args.compile_flag,
                      run_flags=args.run_flag, compile_timeout=args.compile_timeout,
                      run_timeout=args.timeout)
    summaries = _Summaries(out, args.top)
    try:
        manifest = do_run(model, out, options, argv=sys.argv, on_run=summaries.add,
                          on_step=summaries.step, report=_report)
        from irtools.render.run import run_summary

        summaries.start()
        failed = run_summary(out, manifest, top=args.top, frames=summaries.frames)
    finally:
        summaries.close()
    if failed:
        first = failed[0]
        steps = len(manifest["runs"]) + len(manifest["compiles"])
        raise IrtoolsError(f"{len(failed)} of {steps} steps failed; "
                           f"{first['name']}: {first.get('error')}", path=str(out),
                           fix="see the logs in the run directory")
    return 0


class _Summaries:
    """Each run's top dispatches for the summary, read in a thread while a compile runs.

    Never during a captured run: reading would take cores from the run being
    measured. A compile is single-threaded, so the reading costs no wall time then;
    what is left is read at the end.
    """

    def __init__(self, out, top: int):
        self.out, self.top = out, top
        self.pool = ThreadPoolExecutor(1)
        self.pending: list[dict] = []
        self.frames: dict = {}
        self.jobs: list = []
        self.warmed = False

    def add(self, entry):
        if self.top and entry.get("repeat") in (None, 1):   # as run_summary shows them
            self.pending.append(entry)

    def step(self, kind: str):
        if not self.top:
            return
        if kind == "compile":
            if not self.warmed:
                self.warmed = True
                self.jobs.append(self.pool.submit(_warm_up))  # pandas: ~0.3 s to import
            self.start()
        else:  # a capture is next: let the reading finish first
            for job in self.jobs:
                job.exception()
            self.jobs = []

    def start(self):
        from irtools.run.layout import run_info
        from irtools.run.report import run_hotspots

        for entry in self.pending:
            job = self.pool.submit(run_hotspots, run_info(self.out, entry), by="dispatch",
                                   top=self.top)
            self.frames[entry["name"]] = job
            self.jobs.append(job)
        self.pending = []

    def close(self):
        self.pool.shutdown(cancel_futures=True)


def _warm_up():
    import irtools.trace.hotspots  # noqa: F401  (numpy, pandas, the reader)
    import irtools.trace.ireeprof  # noqa: F401


def _report(message: str):
    # rich is loaded on the first message, which comes once the first compile has started.
    from irtools.render import stderr_console

    stderr_console().print(f"[dim]irtools run:[/] {message}", highlight=False)
