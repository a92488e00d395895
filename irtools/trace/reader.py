"""Read a whole `.tracy` capture into column arrays (`TraceData`).

Sections are read in the order Tracy's loader reads them (see
docs/tracy-format.md in the shared folder). Zone timelines go through the
compiled parser; everything else is small and read here. The reader walks the
stream to its last byte, so a capture cut anywhere is reported, not half-read.
"""

from __future__ import annotations

import dataclasses
import os
import struct
from typing import TYPE_CHECKING, Any

import numpy as np

from irtools.errors import CorruptTrace, TraceError, UnsupportedVersion
from irtools.trace import Progress, timeline
from irtools.trace.container import Container
from irtools.trace.stream import Stream

if TYPE_CHECKING:
    from numpy.typing import NDArray

MIN_VERSION = (0, 9, 0)
MAX_MINOR = (0, 14)  # any 0.14.x patch
LIMIT = 1 << 40  # no count in a real capture comes near this


def _v(major: int, minor: int, patch: int) -> int:
    return major << 16 | minor << 8 | patch


@dataclasses.dataclass
class SrcLocs:
    """Source locations, as arrays indexed by `srcloc id + 32768`."""

    name: NDArray[np.int64]      # string index, -1 when the zone macro gave no name
    function: NDArray[np.int64]  # string index, -1 when unknown
    file: NDArray[np.int64]
    line: NDArray[np.uint32]
    color: NDArray[np.uint32]
    known: NDArray[np.bool_]     # the id refers to a real source location

    OFFSET = 32768


@dataclasses.dataclass
class TraceData:
    path: str
    version: tuple[int, ...]
    compression: str
    streams: int
    info: dict[str, Any]
    strings: list[str]
    thread_names: dict[int, str]  # tid -> name
    thread_ids: list[int]         # compressed thread number -> tid
    srclocs: SrcLocs
    extra_text: NDArray[np.uint32]  # per ZoneExtra entry: string index + 1 (0 none)
    extra_name: NDArray[np.uint32]
    extra_color: NDArray[np.uint32]
    zones: timeline.ZoneColumns
    zone_threads: list[tuple[int, int, int]]  # (tid, first zone index, zone count) in file order
    messages: dict[str, Any]      # column arrays (text: a list of str)
    gpu_zones: dict[str, NDArray[np.int64]]  # column arrays
    gpu_contexts: list[dict[str, Any]]
    plots: list[dict[str, Any]]
    frames: list[dict[str, Any]]
    locks: int


_HEAD = struct.Struct("<qdqQQqBI12s")
_U8, _U16, _U32, _I16 = (struct.Struct(f) for f in ("<B", "<H", "<I", "<h"))
_CRASH = 28
PARSE_BYTES = 1 << 20  # decoded bytes handed to the C parser per call
_STRREF = np.dtype([("value", "<u8"), ("flags", "u1")])
_SRCLOC = np.dtype([("name", _STRREF), ("function", _STRREF), ("file", _STRREF),
                    ("line", "<u4"), ("color", "<u4")])
_INT24 = ("u1", (3,))
_SRCLOC_KEYED = np.dtype([("key", "<u8"), ("loc", _SRCLOC)])


def read_trace(path: str | os.PathLike[str], *, progress: Progress | None = None, threaded: bool = True,
               tree: bool = True) -> TraceData:
    """Read a capture. `tree=False` skips the zones' depth and parent columns."""
    container = Container(path)
    try:
        stream = Stream(container, threaded=threaded, progress=progress)
        reader = _Reader(stream, container, tree)
        return reader.read()
    finally:
        container.close()


class _Reader:
    def __init__(self, stream: Stream, container: Container, tree: bool) -> None:
        self.s = stream
        self.c = container
        self.path = container.path
        self.tree = tree
        self.ver = 0
        self.strings: list[str] = []

    def corrupt(self, problem: str, expected: str | None = None) -> CorruptTrace:
        return CorruptTrace(f"{problem} (uncompressed offset {self.s.offset}, in {self.s.what})",
                            path=self.path, offset=self.s.file_offset, expected=expected)

    def read(self) -> TraceData:
        s = self.s
        s.what = "the file header"
        head = s.read(8)
        if head[:5] != b"tracy":
            raise self.corrupt(f"the decoded data starts with {head[:5]!r}", expected="'tracy'")
        version = tuple(head[5:8])
        ver = _v(*version)
        vtext = ".".join(map(str, version))
        if version < MIN_VERSION:
            raise UnsupportedVersion(f"file version {vtext} is older than 0.9.0", path=self.path,
                                     offset=5, fix="open and re-save it with Tracy 0.9 or newer")
        if version[:2] > MAX_MINOR:
            raise UnsupportedVersion(f"file version {vtext} is newer than this reader knows",
                                     path=self.path, offset=5, expected="0.9.0 to 0.14.x",
                                     fix="convert it with Tracy's `update` tool to 0.14 or older")
        self.ver = ver
        info = self.read_info()
        frames = self.read_frames()
        self.read_sections()
        strings, ptr_to_index, thread_names, thread_ids = self.read_strings()
        self.strings = strings
        srclocs = self.read_srclocs(ptr_to_index)
        s.what = "the per-source-location zone counts"
        for _ in range(2):
            s.skip(self._n(10) * 10)
        locks = self.read_locks()
        messages = self.read_messages(ptr_to_index)
        extra_text, extra_name, extra_color = self.read_extras()
        zones, zone_threads, msg_threads = self.read_cpu_zones()
        if msg_threads:
            messages["thread"] = np.array([msg_threads.get(p, 0) for p in messages.pop("ptr")],
                                          np.uint64)
        else:
            messages["thread"] = np.zeros(len(messages.pop("ptr")), np.uint64)
        gpu_zones, gpu_contexts = self.read_gpu_zones()
        plots = self.read_plots(ptr_to_index)
        self.read_rest()
        s.what = "the end of the capture"
        if not s.at_end():
            raise self.corrupt("data continues after the last section",
                               expected="the end of the file")
        for f in frames:
            f["name"] = self.pointer_name(ptr_to_index, f.pop("name_ptr")) if f["name_ptr_set"] else "Frame"
            del f["name_ptr_set"]
        return TraceData(
            path=self.path, version=version, compression=self.c.compression_name,
            streams=self.c.streams, info=info, strings=strings, thread_names=thread_names,
            thread_ids=thread_ids, srclocs=srclocs, extra_text=extra_text,
            extra_name=extra_name, extra_color=extra_color, zones=zones,
            zone_threads=zone_threads, messages=messages, gpu_zones=gpu_zones,
            gpu_contexts=gpu_contexts, plots=plots, frames=frames, locks=locks)

    # -- helpers ------------------------------------------------------------
    def _n(self, item_size: int = 1) -> int:
        return self.s.count(LIMIT // max(item_size, 1), item_size)

    def pointer_name(self, ptr_to_index: dict[int, int], ptr: int) -> str:
        idx = ptr_to_index.get(ptr)
        return self.strings[idx] if idx is not None else f"<unresolved {ptr:#x}>"

    # -- sections -----------------------------------------------------------
    def read_info(self) -> dict[str, Any]:
        s, ver = self.s, self.ver
        s.what = "the capture metadata"
        if ver < _v(0, 12, 3):
            s.skip(8)  # delay, unused since 0.12.3
        (resolution, timer_mul, last_time, frame_offset, pid, sampling_period, cpu_arch,
         cpu_id, manufacturer) = s.unpack(_HEAD)
        if ver >= _v(0, 9, 2):
            on_demand = bool(s.unpack(_U8)[0])
        else:
            on_demand = frame_offset != 0
        name = s.string(1 << 16)
        program = s.string(1 << 16)
        capture_time, executable_time = s.unpack(struct.Struct("<QQ"))
        host_info = s.string(1 << 16)
        s.what = "the CPU topology"
        cores = 0
        for _ in range(self._n(12)):
            s.skip(4)
            for _ in range(self._n(12)):
                if ver >= _v(0, 11, 2):
                    s.skip(4)
                    for _ in range(self._n(12)):
                        s.skip(4)
                        s.skip(4 * self._n(4))
                        cores += 1
                else:
                    s.skip(4)
                    s.skip(4 * self._n(4))
                    cores += 1
        s.what = "the crash event"
        s.skip(_CRASH)
        arch = {0: "unknown", 1: "x86", 2: "x64", 3: "arm32", 4: "arm64"}.get(cpu_arch, str(cpu_arch))
        return dict(
            resolution_ns=resolution, timer_mul=timer_mul, last_time_ns=last_time,
            frame_offset=frame_offset, pid=pid, sampling_period_ns=sampling_period,
            cpu_arch=arch, cpu_id=cpu_id,
            cpu_manufacturer=manufacturer.rstrip(b"\0").decode("ascii", "replace"),
            on_demand=on_demand, capture_name=name, capture_program=program,
            capture_time=capture_time, executable_time=executable_time, host_info=host_info,
            cpu_cores=cores)

    def read_frames(self) -> list[dict[str, Any]]:
        s = self.s
        s.what = "the frame sets"
        out = []
        for i in range(self._n(17)):
            name, continuous, n = s.unpack(struct.Struct("<QBQ"))
            if i == 0 and name != 0:
                raise self.corrupt(f"the first frame set has name {name:#x}", expected="0 ('Frame')")
            if n * 12 > self.c.max_payload:
                raise self.corrupt(f"a frame set claims {n} frames")
            if continuous:
                rec = s.array(n, np.dtype([("start", "<i8"), ("image", "<i4")]))
                starts = np.cumsum(rec["start"])
                ends = np.append(starts[1:], -1) if n else starts
            else:
                rec = s.array(n, np.dtype([("start", "<i8"), ("end", "<i8"), ("image", "<i4")]))
                chain = np.cumsum(np.stack([rec["start"], rec["end"]], 1).ravel()).reshape(-1, 2)
                starts, ends = chain[:, 0], chain[:, 1]
            out.append(dict(name_ptr=name, name_ptr_set=name != 0, continuous=bool(continuous),
                            start_ns=starts, end_ns=ends))
        return out

    def read_sections(self) -> None:
        s, ver = self.s, self.ver
        s.what = "the sections"
        if ver >= _v(0, 13, 5):
            for _ in range(self._n(10)):
                s.skip(2)
                s.skip(15 * self._n(15))
            s.skip(5 * self._n(5))
        elif ver == _v(0, 13, 4):
            s.skip(15 * self._n(15))

    def read_strings(self) -> tuple[list[str], dict[int, int], dict[int, str], list[int]]:
        s = self.s
        s.what = "the string table"
        n = self._n(16)
        strings: list[str] = []
        old_to_index: dict[int, int] = {}
        for i in range(n):
            old, length = s.unpack(struct.Struct("<QQ"))
            if length > self.c.max_payload - s.offset:
                raise self.corrupt(f"string {i} claims {length} bytes")
            strings.append(s.read(length).decode("utf-8", "replace"))
            old_to_index[old] = i
        s.what = "the string pointer map"
        ptr_to_index = self._pointer_map(old_to_index)
        s.what = "the thread names"
        thread_names = {tid: strings[i] for tid, i in self._pointer_map(old_to_index).items()}
        s.skip(24 * self._n(24))  # external thread names
        s.what = "the thread compression tables"
        thread_ids = [int(t) for t in s.array(self._n(8), "<u8")]
        s.skip(8 * self._n(8))  # external threads
        return strings, ptr_to_index, thread_names, thread_ids

    def _pointer_map(self, old_to_index: dict[int, int]) -> dict[int, int]:
        """A list of (key, string pointer) pairs, as key -> string index."""
        pairs = self.s.array(self._n(16), np.dtype([("key", "<u8"), ("old", "<u8")]))
        out: dict[int, int] = {}
        for key, old in zip(pairs["key"].tolist(), pairs["old"].tolist()):
            idx = old_to_index.get(old)
            if idx is not None:
                out[key] = idx
        return out

    def read_srclocs(self, ptr_to_index: dict[int, int]) -> SrcLocs:
        s = self.s
        s.what = "the static source locations"
        n_static = self._n(43)
        if n_static > 32767:
            raise self.corrupt(f"{n_static} static source locations", expected="at most 32767")
        static = s.array(n_static, _SRCLOC_KEYED)
        s.what = "the source-location expand table"
        expand = s.array(self._n(8), "<u8")
        if len(expand) > 32768:
            raise self.corrupt(f"{len(expand)} expanded source locations", expected="at most 32768")
        s.what = "the payload source locations"
        n_payload = self._n(35)
        if n_payload > 32768:
            raise self.corrupt(f"{n_payload} payload source locations", expected="at most 32768")
        payload = s.array(n_payload, _SRCLOC)

        size = 65536
        cols = {k: np.full(size, -1, np.int64) for k in ("name", "function", "file")}
        line = np.zeros(size, np.uint32)
        color = np.zeros(size, np.uint32)
        known = np.zeros(size, bool)

        def resolve(ref: np.void) -> int:
            if not ref["flags"] & 2:  # inactive
                return -1
            value = int(ref["value"])
            if ref["flags"] & 1:
                return value if value < len(self.strings) else -1
            return ptr_to_index.get(value, -1)

        def put(slot: int, loc: np.void) -> None:
            for key in ("name", "function", "file"):
                cols[key][slot] = resolve(loc[key])
            line[slot] = loc["line"]
            color[slot] = loc["color"]
            known[slot] = True

        by_key = {int(rec["key"]): rec["loc"] for rec in static}
        for k in range(1, len(expand)):
            loc = by_key.get(int(expand[k]))
            if loc is not None:
                put(SrcLocs.OFFSET + k, loc)
        for i, loc in enumerate(payload):
            put(SrcLocs.OFFSET - (i + 1), loc)
        return SrcLocs(name=cols["name"], function=cols["function"], file=cols["file"],
                       line=line, color=color, known=known)

    def read_locks(self) -> int:
        s = self.s
        s.what = "the locks"
        n = self._n(40)
        for _ in range(n):
            s.skip(4 + 3 + 2 + 1 + 1 + 8 + 8)
            s.skip(8 * self._n(8))
            s.skip(12 * self._n(12))
        return n

    def read_messages(self, ptr_to_index: dict[int, int]) -> dict[str, Any]:
        s = self.s
        s.what = "the messages"
        fields = [("ptr", "<u8"), ("time", "<i8"), ("text", _STRREF), ("color", "<u4"),
                  ("callstack", _INT24)]
        if self.ver >= _v(0, 13, 2):
            fields += [("source", "u1"), ("severity", "u1")]
        dtype = np.dtype(fields)
        rec = s.array(self._n(dtype.itemsize), dtype)
        texts = []
        for ref in rec["text"]:
            value = int(ref["value"])
            idx = value if ref["flags"] & 1 else ptr_to_index.get(value, -1)
            texts.append(self.strings[idx] if 0 <= idx < len(self.strings) else "")
        return dict(ptr=rec["ptr"], time_ns=np.cumsum(rec["time"]), text=texts,
                    color=rec["color"].copy())

    def read_extras(self) -> tuple[NDArray[np.uint32], NDArray[np.uint32], NDArray[np.uint32]]:
        """Text, name and colour per ZoneExtra entry, decoded a slice at a time."""
        s = self.s
        s.what = "the zone extra table"
        n = self._n(12)
        text, name, color = (np.empty(n, np.uint32) for _ in range(3))
        step = 1 << 18
        for a in range(0, n, step):
            m = min(step, n - a)
            raw = s.array(m * 12, np.uint8)
            # Each 24-bit field is read as the u32 at its offset, masked; colour,
            # last in the record, as the u32 one byte earlier, shifted.
            for out, at, shift in ((text, 3, 0), (name, 6, 0), (color, 8, 8)):
                field = np.ndarray((m,), "<u4", raw, at, (12,))
                np.right_shift(field, shift, out=out[a:a + m])
                out[a:a + m] &= 0xFFFFFF
        return text, name, color

    def read_cpu_zones(self) -> tuple[timeline.ZoneColumns, list[tuple[int, int, int]], dict[int, int]]:
        s, ver = self.s, self.ver
        s.what = "the CPU zone counts"
        total, vectors, n_threads = s.unpack(struct.Struct("<QQQ"))
        if total * 26 > self.c.max_payload or n_threads > 1 << 24:
            raise self.corrupt(f"{total} zones in {n_threads} threads")
        zones = timeline.ZoneColumns(total, tree=self.tree)
        state = np.zeros(timeline.HEAD + 2 * 64, np.int64)
        thread_head = struct.Struct("<QQQBi" if ver >= _v(0, 11, 1) else "<QQQB")
        ranges: list[tuple[int, int, int]] = []
        msg_threads: dict[int, int] = {}
        for _ in range(n_threads):
            s.what = "a thread header"
            tid, count = s.unpack(thread_head)[:2]
            (top,) = s.unpack(_U32)
            first = zones.count
            if top:
                s.what = f"the zone timeline of thread {tid}"
                state = self._timeline(zones, state, top)
            if zones.count - first != count:
                raise self.corrupt(f"thread {tid} has {zones.count - first} zones",
                                   expected=f"{count}, as its header says")
            ranges.append((tid, first, zones.count - first))
            s.what = f"the messages of thread {tid}"
            for ptr in s.array(self._n(8), "<u8"):
                msg_threads[int(ptr)] = tid
            s.what = f"the samples of thread {tid}"
            s.skip(11 * self._n(11))  # context-switch samples
            s.skip(11 * self._n(11))  # call-stack samples
        if int(state[timeline.VECS]) != vectors:
            raise self.corrupt(f"{int(state[timeline.VECS])} zones have children",
                               expected=f"{vectors}, as the zone header says")
        if zones.count != total:
            raise self.corrupt(f"{zones.count} CPU zones", expected=f"{total}, as the header says")
        zones.trim()
        return zones, ranges, msg_threads

    def _timeline(self, zones: timeline.ZoneColumns, state: NDArray[np.int64], top: int) -> NDArray[np.int64]:
        s = self.s
        state[timeline.REF] = 0
        state[timeline.SP] = 1
        state[timeline.OUT] = zones.count
        state[timeline.CAP] = zones.capacity
        state[timeline.STACKCAP] = (len(state) - timeline.HEAD) // 2
        state[timeline.HEAD] = -1
        state[timeline.HEAD + 1] = top
        parse = timeline.parse_cpu
        while True:
            if len(s.buf) - s.pos < 18:
                s.fill(18)
            s.pos = parse(s.buf, s.pos, state, zones.start, zones.end, zones.srcloc,
                          zones.extra, zones.depth, zones.parent)
            zones.count = int(state[timeline.OUT])
            status = int(state[timeline.STATUS])
            if status == timeline.DONE:
                return state
            if status == timeline.OUT_FULL:
                raise self.corrupt("a thread holds more zones than the capture's zone count",
                                   expected=f"at most {zones.capacity}")
            if status == timeline.STACK_FULL:
                if len(state) > timeline.HEAD + 2 * 70000:
                    raise self.corrupt("zones nest deeper than 70000 levels")
                bigger = np.zeros(timeline.HEAD + 2 * 2 * state[timeline.STACKCAP], np.int64)
                bigger[:len(state)] = state
                bigger[timeline.STACKCAP] = (len(bigger) - timeline.HEAD) // 2
                state = bigger
                continue
            # Needs more bytes: either the next token straddles a block, or the data ended.
            # Take many blocks at once: fewer calls, and fewer waits for the GIL.
            have = len(s.buf) - s.pos
            s.fill(have + PARSE_BYTES)
            if len(s.buf) - s.pos == have:
                s.truncated(have + 1)

    def read_gpu_zones(self) -> tuple[dict[str, NDArray[np.int64]], list[dict[str, Any]]]:
        s, ver = self.s, self.ver
        new = ver >= _v(0, 12, 4)
        s.what = "the GPU zone counts"
        total, _vectors, n_ctx = s.unpack(struct.Struct("<QQQ"))
        if total * 47 > self.c.max_payload:
            raise self.corrupt(f"{total} GPU zones")
        head = struct.Struct("<qqhBBBHQ")  # cpu start, gpu start, srcloc, callstack(3), thread, children
        tail = struct.Struct("<qqH" if new else "<qq")
        cols: dict[str, list[int]] = {k: [] for k in ("context", "thread", "srcloc", "cpu_start_ns", "cpu_end_ns",
                                "gpu_start_ns", "gpu_end_ns", "depth")}
        contexts = []
        for ci in range(n_ctx):
            s.what = f"GPU context {ci}"
            thread, calib, count, period, ctype, n0, n1, n2, overflow = s.unpack(
                struct.Struct("<QBQfBBBBQ"))
            name_idx = n0 | n1 << 8 | n2 << 16
            contexts.append(dict(thread=thread, calibrated=bool(calib), count=count,
                                 period=period, type=ctype, overflow=overflow,
                                 name=self.strings[name_idx - 1]
                                 if 0 < name_idx <= len(self.strings) else ""))
            if new:
                s.skip(11 * self._n(11))  # note names
            for _ in range(self._n(16)):
                tid, n = s.unpack(struct.Struct("<QQ"))
                if not n:
                    continue
                s.what = f"the GPU timeline of context {ci}"
                ref = [0, 0]
                stack: list[list[int]] = [[-1, n]]  # [zone row (-1 for the root), children left]
                while stack:
                    frame = stack[-1]
                    if frame[1] > 0:
                        frame[1] -= 1
                        cpu_d, gpu_d, srcloc, _a, _b, _c, zthread, children = s.unpack(head)
                        ref[0] += cpu_d
                        ref[1] += gpu_d
                        row = len(cols["context"])
                        for key, val in (("context", ci), ("thread", zthread), ("srcloc", srcloc),
                                         ("cpu_start_ns", ref[0]), ("gpu_start_ns", ref[1]),
                                         ("cpu_end_ns", -1), ("gpu_end_ns", -1),
                                         ("depth", len(stack) - 1)):
                            cols[key].append(val)
                        if len(stack) > 70000:
                            raise self.corrupt("GPU zones nest deeper than 70000 levels")
                        stack.append([row, children])
                    else:
                        stack.pop()
                        if frame[0] < 0:
                            continue
                        vals = s.unpack(tail)
                        ref[0] += vals[0]
                        ref[1] += vals[1]
                        cols["cpu_end_ns"][frame[0]] = ref[0]
                        cols["gpu_end_ns"][frame[0]] = ref[1]
                if len(cols["context"]) > total:
                    raise self.corrupt("more GPU zones than the header says", expected=str(total))
            if new:
                s.what = f"the GPU notes of context {ci}"
                for _ in range(self._n(10)):
                    s.skip(2)
                    s.skip(16 * self._n(16))
        gpu = {k: np.array(v, np.int64) for k, v in cols.items()}
        return gpu, contexts

    def read_plots(self, ptr_to_index: dict[int, int]) -> list[dict[str, Any]]:
        s = self.s
        s.what = "the plots"
        plots = []
        for _ in range(self._n(44)):
            ptype, fmt, _steps, _fill, color, name, vmin, vmax, _sum = s.unpack(
                struct.Struct("<BBBBIQddd"))
            rec = s.array(self._n(16), np.dtype([("time", "<i8"), ("value", "<f8")]))
            plots.append(dict(name=self.pointer_name(ptr_to_index, name), type=ptype, format=fmt,
                              color=color, min=vmin, max=vmax,
                              time_ns=np.cumsum(rec["time"]), value=rec["value"].copy()))
        return plots

    def read_rest(self) -> None:
        """Walk the sections no table needs, so the reader ends exactly at the last byte."""
        s, ver = self.s, self.ver
        s.what = "the memory events"
        pools, _total = s.unpack(struct.Struct("<QQ"))
        if pools > 1 << 20:
            raise self.corrupt(f"{pools} memory pools")
        for _ in range(pools):
            s.skip(8)
            n = self._n(42)
            s.skip(16)
            s.skip(42 * n)
            s.skip(32)
        s.what = "the call stacks"
        for _ in range(self._n(2)):
            (depth,) = s.unpack(_U16)
            s.skip(8 * depth)
        s.what = "the call-stack frames"
        for _ in range(self._n(12)):
            s.skip(8)
            (count,) = s.unpack(_U8)
            s.skip(3 + 18 * count)
        s.what = "the application info"
        s.skip(9 * self._n(9))
        s.what = "the frame images"
        (dict_size,) = s.unpack(_U32)
        s.skip(dict_size)
        for _ in range(self._n(5)):
            w, h = s.unpack(struct.Struct("<HH"))
            s.skip(1 + w * h // 2)
        s.what = "the context switches"
        record = 36 if ver >= _v(0, 11, 3) else 35
        for _ in range(self._n(16)):
            s.skip(8)
            s.skip(record * self._n(record))
        s.what = "the per-CPU context switches"
        s.skip(8)
        for _ in range(256):
            s.skip(18 * self._n(18))
        s.what = "the thread-to-process map"
        s.skip(16 * self._n(16))
        s.what = "the CPU thread data"
        s.skip(24 * self._n(24))
        s.what = "the symbols"
        s.skip(16)
        s.skip(32 * self._n(32))
        s.what = "the symbol code"
        for _ in range(self._n(12)):
            s.skip(8)
            (length,) = s.unpack(_U32)
            s.skip(length)
        s.what = "the code-to-symbol map"
        s.skip(16 * self._n(16))
        s.what = "the hardware samples"
        for _ in range(self._n(56)):
            s.skip(8)
            for _ in range(6):
                s.skip(8 * self._n(8))
        s.what = "the source-file cache"
        for _ in range(self._n(8)):
            for _ in range(2):
                (length,) = s.unpack(_U32)
                s.skip(length)


__all__ = ["read_trace", "TraceData", "TraceError"]
