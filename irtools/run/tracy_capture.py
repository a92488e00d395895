"""Run an instrumented IREE tool under `iree-tracy-capture` and collect the `.tracy`.

The capture tool connects to the program's Tracy client on a free local port.
`TRACY_NO_EXIT=1` keeps the program alive until every event is sent, and both
processes run in their own process groups so that nothing outlives a failure,
a timeout or Ctrl-C.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

from irtools import driver
from irtools.errors import ToolFailed


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _killpg(proc: subprocess.Popen):
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def kill_group(proc: subprocess.Popen | None):
    """Kill the process group of `proc`, if still running, and reap it."""
    if proc is None or proc.poll() is not None:
        return
    _killpg(proc)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)


def capture(argv, output, *, timeout: float = 600, sampling: bool = False, env=None,
            log_dir=None, port: int | None = None) -> dict:
    """Run `argv` (an instrumented tool) while capturing its trace into `output`.

    Call-stack sampling (on by default in Tracy when run as root) inflates
    captures; it stays off unless `sampling` is set (TRACY_NO_SYS_TRACE).
    Returns timings and return codes; raises ToolFailed with the log's tail.
    """
    output = Path(output)
    log_dir = Path(log_dir or output.parent)
    if port:
        check_port(port, argv)
    port = port or free_port()
    capture_tool = driver.find_tool("iree-tracy-capture")
    cap_argv = [capture_tool, "-o", str(output), "-f", "-a", "127.0.0.1", "-p", str(port)]
    run_env = dict(os.environ if env is None else env)
    run_env.update(TRACY_PORT=str(port), TRACY_NO_EXIT="1")
    if not sampling:
        run_env["TRACY_NO_SYS_TRACE"] = "1"
    cap_log = log_dir / f"{output.stem}.capture.log"
    run_log = log_dir / f"{output.stem}.run.log"
    cap = run = None
    started = time.monotonic()
    try:
        with open(cap_log, "wb") as cl, open(run_log, "wb") as rl:
            cap = subprocess.Popen(cap_argv, stdout=cl, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
            run = subprocess.Popen([os.fspath(a) for a in argv], stdout=rl,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   env=run_env, start_new_session=True)
            deadline = started + timeout
            watch = _Watch(run, cap, run_log, cap_log)
            try:
                run_rc = _wait(run, deadline, argv, run_log, "the instrumented run")
            finally:
                watch.stop()
            run_done = time.monotonic()
            reason = watch.reason
            if reason is None and not _connected(cap, cap_log, grace=5.0):
                reason = "ended before iree-tracy-capture could connect to it"
            if reason is not None:
                name = Path(argv[0]).name
                raise ToolFailed(f"{name} {reason}: {driver.first_error(run_log)}", argv=argv,
                                 returncode=None if watch.reason else run_rc, path=run_log,
                                 fix="check the --run-flag and --input values")
            try:
                cap_rc = _wait(cap, deadline, cap_argv, cap_log, "iree-tracy-capture")
            except ToolFailed:
                if _never_connected(cap_log):
                    raise ToolFailed(f"iree-tracy-capture never reached the program on port {port}; "
                                     f"another program may hold that port, or {Path(argv[0]).name} "
                                     f"is not built with Tracy", argv=cap_argv, path=cap_log,
                                     fix="run again (a new port is chosen), or pass a free --port"
                                     ) from None
                raise
    finally:
        kill_group(run)
        kill_group(cap)
    if run_rc != 0:
        raise ToolFailed(f"{Path(argv[0]).name} failed with exit code {run_rc}: "
                         f"{driver.tail(run_log.read_text(errors='replace'))}",
                         argv=argv, returncode=run_rc, path=run_log)
    if cap_rc != 0 or not output.is_file() or output.stat().st_size == 0:
        raise ToolFailed(f"iree-tracy-capture wrote no capture (exit code {cap_rc}): "
                         f"{driver.tail(cap_log.read_text(errors='replace'))}",
                         argv=cap_argv, returncode=cap_rc, path=cap_log)
    return {"port": port, "run_argv": [os.fspath(a) for a in argv], "capture_argv": cap_argv,
            "run_seconds": run_done - started, "total_seconds": time.monotonic() - started,
            "run_returncode": run_rc, "capture_returncode": cap_rc,
            "run_log": str(run_log), "capture_log": str(cap_log)}


def check_port(port: int, argv):
    """A port the user chose must be free: the program's Tracy client listens on it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError as err:
            raise ToolFailed(f"port {port} is not free ({err.strerror}); the Tracy client of "
                             f"{Path(argv[0]).name} cannot listen on it", argv=list(argv),
                             fix="pass another --port, or leave --port out to pick a free one"
                             ) from None


# An IREE status line (`c/runtime/src/iree/...c:428: INVALID_ARGUMENT; ...`) or a flags error.
_STATUS = re.compile(rb"^\S+:\d+: [A-Z_]+; |FLAGS ERROR", re.M)


class _Watch:
    """Stops a captured run that cannot succeed, instead of letting it wait for --timeout.

    Under TRACY_NO_EXIT the program waits for a profiler before it exits. When it fails
    before its Tracy client starts (`--run-flag=--no-such`: a flags error), or when
    iree-tracy-capture ends first, no profiler ever comes: it would wait the whole
    --timeout. A thread looks at both twice a second and kills the program's group after
    GRACE seconds of either; `reason` then says why.
    """

    GRACE = 3.0

    def __init__(self, run, cap, run_log: Path, cap_log: Path):
        self.run, self.cap, self.run_log, self.cap_log = run, cap, run_log, cap_log
        self.reason: str | None = None
        self._done = threading.Event()
        threading.Thread(target=self._loop, daemon=True).start()

    def stop(self):
        self._done.set()

    def _loop(self):
        since: dict[str, float] = {}
        while not self._done.wait(0.5):
            if self.run.poll() is not None:
                return
            now = time.monotonic()
            if self.cap.poll() is not None:
                why = "was still running when iree-tracy-capture ended"
            elif not _handshake(self.cap_log) and _status_error(self.run_log):
                why = "failed before its Tracy client started"
            else:
                continue
            if now - since.setdefault(why, now) >= self.GRACE:
                self.reason = why
                _killpg(self.run)
                return


def _status_error(log: Path, size: int = 1 << 16) -> bool:
    try:
        with open(log, "rb") as f:
            f.seek(max(0, os.fstat(f.fileno()).st_size - size))
            return _STATUS.search(f.read()) is not None
    except OSError:
        return False


def _handshake(log: Path) -> bool:
    """Whether iree-tracy-capture got through to the program (it then prints its timer)."""
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return False
    return "Queue delay" in text or "Timer resolution" in text


def _connected(cap, log: Path, grace: float) -> bool:
    """After the program ended: whether the capture got through, waiting up to `grace`
    seconds for it; a capture that ended on its own counts (its exit code says more)."""
    deadline = time.monotonic() + grace
    while not _handshake(log) and cap.poll() is None:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _never_connected(log: Path) -> bool:
    text = log.read_text(errors="replace")
    return "Connecting to" in text and "Queue delay" not in text and "Timer resolution" not in text


def wait_for(proc: subprocess.Popen, timeout: float) -> int | None:
    """Wait for `proc` without polling; after `timeout` kill its group and return None.

    Popen.wait(timeout) polls with sleeps of up to 50 ms, which added about
    25 ms to every step of a run; a blocking wait and a timer add nothing.
    """
    expired = threading.Event()

    def expire():
        expired.set()
        _killpg(proc)

    timer = threading.Timer(max(timeout, 0.1), expire)
    timer.daemon = True
    timer.start()
    try:
        rc = proc.wait()
    finally:
        timer.cancel()
    return None if expired.is_set() else rc


def _wait(proc, deadline, argv, log, what) -> int:
    rc = wait_for(proc, deadline - time.monotonic())
    if rc is None:
        raise ToolFailed(f"{what} did not finish in time; see {log}", argv=argv,
                         fix="raise --timeout, or check that the program ends")
    return rc
