"""`slim` and `report`: run the scanner with a policy that writes resources or parameters."""

from __future__ import annotations

import binascii
import dataclasses
import os
import re
import struct

from irtools._io import atomic_output, copy_range, refuse_special, same_file
from irtools.errors import MlirError, OutputError, UsageError
from irtools.slim._metadata import SectionCopier, existing_keys
from irtools.slim.scanner import Constant, Policy, Scanner
from irtools.slim.store import BlobStore

_GLOBAL_INIT = re.compile(rb"util\.global\b[^\n]*=\s*$")
_ARITH = re.compile(rb"arith\.constant\s*$")
_FLOW = re.compile(rb"flow\.tensor\.constant\s*$")
_SCOPE = re.compile(r"[\w.-]+")
_UPPER = bytes.maketrans(b"abcdef", b"ABCDEF")


@dataclasses.dataclass
class SlimResult:
    """What slim found (and, unless it was a report, wrote)."""

    input: str
    input_bytes: int
    constants: list[Constant]
    output: str | None = None
    output_bytes: int = 0
    params: str | None = None
    params_bytes: int = 0
    scope: str = ""
    min_bytes: int = 1024

    @property
    def moved(self) -> list[Constant]:
        return [c for c in self.constants if c.action == "moved"]

    @property
    def moved_bytes(self) -> int:
        return sum(c.nbytes for c in self.moved)

    @property
    def stored_bytes(self) -> int:
        """Bytes of data after identical blobs were stored once."""
        return sum(c.nbytes for c in self.moved if not c.duplicate)

    def largest(self, top: int | None = None) -> list[Constant]:
        ranked = sorted(self.constants, key=lambda c: (-c.nbytes, c.offset))
        return ranked[:top] if top else ranked

    def share(self, const: Constant) -> float:
        """The constant's share of the input file (hex text takes two bytes per byte)."""
        return (2 if const.kind == "hex" else 1) * const.nbytes / max(1, self.input_bytes)

    def to_pandas(self):
        import pandas as pd

        rows = [dataclasses.asdict(c) for c in self.constants]
        frame = pd.DataFrame(rows, columns=[f.name for f in dataclasses.fields(Constant)])
        frame["share"] = [self.share(c) for c in self.constants]
        return frame


class ResourcesPolicy(Policy):
    """Blobs become `dense_resource<key>`, with the data in the `{-# #-}` section."""

    def __init__(self, out, source_fd: int, store: BlobStore, min_bytes: int):
        self.out, self.write, self.source_fd = out, out.write, source_fd
        self.store, self.min_bytes = store, min_bytes
        self.section_written = False

    def text(self, data: bytes):
        self.write(data)

    def keep(self, const, original):
        for data in original:
            self.write(data)

    def place(self, const, ty, store, head):
        store.blobs[const.key].as_resource = True
        return head + b"dense_resource<" + const.key.encode() + b">"

    def metadata(self, scanner):
        SectionCopier(scanner, self.write, self.entries).run()
        self.section_written = True

    def entries(self) -> bool:
        blobs = [b for b in self.store.blobs.values() if b.as_resource]
        for i, blob in enumerate(blobs):
            # A blob's hex starts with its alignment as a little-endian uint32.
            head = struct.pack("<I", blob.alignment).hex().upper().encode()
            self.write(b"%s      %s: \"0x%s" % (b",\n" if i else b"", blob.key.encode(), head))
            if blob.source is not None:  # the input's own digits: a copy, in the kernel
                copy_range(self.source_fd, blob.source, 2 * blob.length, self.out)
            else:
                for data in self.store.read(blob):
                    self.write(binascii.hexlify(data).translate(_UPPER))
            self.write(b'"')
        return bool(blobs)

    def finish(self):
        if self.section_written or not any(b.as_resource for b in self.store.blobs.values()):
            return
        self.write(b"\n{-#\n  dialect_resources: {\n    builtin: {\n")
        self.entries()
        self.write(b"\n    }\n  }\n#-}\n")


class ParamsPolicy(ResourcesPolicy):
    """Blobs become `#flow.parameter.named<"scope"::"key">` where IREE accepts one.

    That is a `util.global` initial value or a tensor constant (`arith.constant` becomes
    `flow.tensor.constant`, which takes parameters). Anywhere else the blob stays in the
    file as a resource, so the output still compiles.
    """

    def __init__(self, out, source_fd, store, min_bytes, scope: str):
        super().__init__(out, source_fd, store, min_bytes)
        self.scope = scope.encode()

    def place(self, const, ty, store, head):
        ref = b'#flow.parameter.named<"%s"::"%s">' % (self.scope, const.key.encode())
        if _GLOBAL_INIT.search(head) or (ty.kind == "tensor" and _FLOW.search(head)):
            store.blobs[const.key].as_param = True
            return head + ref
        m = _ARITH.search(head)
        if m and ty.kind == "tensor":
            store.blobs[const.key].as_param = True
            return head[:m.start()] + b"flow.tensor.constant " + ref
        return super().place(const, ty, store, head)


def report(input, *, min_bytes: int = 1024, progress=None) -> SlimResult:
    """Find the large constants of an MLIR file without writing anything."""
    path = _check_input(input)
    policy = Policy()
    policy.min_bytes = min_bytes
    store = BlobStore(None)
    try:
        constants = Scanner(path, policy, store, progress=progress).run()
    finally:
        store.close()
    return SlimResult(path, os.path.getsize(path), constants, min_bytes=min_bytes)


def slim(input, output, *, params=None, scope: str = "model", min_bytes: int = 1024,
         progress=None) -> SlimResult:
    """Move the large constants of `input` out of the IR; write `output` (and `params`)."""
    path = _check_input(input)
    output = os.fspath(output)
    if params is not None:
        params = os.fspath(params)
        if not _SCOPE.fullmatch(scope):
            raise UsageError(f"bad parameter scope {scope!r}", expected="letters, digits, _ . -")
        for other in (path, output):
            if same_file(params, other):
                raise OutputError("the parameter archive would overwrite another file", path=params,
                                  fix="choose another path for --params")
    reserved = existing_keys(path, Scanner)
    folder = os.path.dirname(os.path.abspath(output))
    with atomic_output(output, inputs=[path]) as out, open(path, "rb") as source:
        # The archive needs raw bytes; a resource section copies the input's hex.
        store = BlobStore(folder, spool_hex=params is not None)
        store.reserved = reserved
        try:
            fd = source.fileno()
            policy = (ParamsPolicy(out, fd, store, min_bytes, scope) if params
                      else ResourcesPolicy(out, fd, store, min_bytes))
            constants = Scanner(path, policy, store, progress=progress).run()
            policy.finish()
            if params and not any(b.as_param for b in store.blobs.values()):
                raise _nothing_for_archive(path, constants, reserved, min_bytes)
            if params:
                with atomic_output(params, inputs=[path]) as archive:
                    _write_archive(store, archive, params)
        finally:
            store.close()
    return SlimResult(path, os.path.getsize(path), constants, output, os.path.getsize(output),
                      params, os.path.getsize(params) if params else 0, scope, min_bytes)


def _nothing_for_archive(path, constants, resources, min_bytes) -> UsageError:
    """Why --params would write an empty archive (then nothing is written at all)."""
    fix = "slim without --params, or let IREE export them: iree-compile --iree-parameter-export=model=OUT.irpa"
    if resources:
        # A torch or ONNX import: the weights are `dense_resource<key>` with their bytes in
        # the resource section, or placeholders such as `#util.byte_pattern`.
        return UsageError(f"no constant to put in the archive: the input's constants are "
                          f"{len(resources)} dense_resource blobs (as torch and ONNX imports write "
                          "them), which --params does not move", path=path, fix=fix)
    movable = [c for c in constants if c.action == "moved"]
    if movable:
        return UsageError(f"none of the {len(movable)} large constants sits where IREE takes a "
                          "parameter (a util.global initial value or a tensor constant)",
                          path=path, fix="slim without --params keeps them as resources")
    return UsageError(f"no dense<...> constant of at least {min_bytes} bytes to put in the archive",
                      path=path, fix="a smaller --min-bytes, or slim without --params")


def _write_archive(store: BlobStore, handle, path):
    """Write the parameter blobs with iree-base-runtime's parameter index, from the spool."""
    from iree.runtime import FileHandle, ParameterIndex

    handle.flush()
    store.spool.flush()
    index = ParameterIndex()
    spool = FileHandle.wrap_fd(store.spool.fileno())
    for blob in store.blobs.values():
        if blob.as_param:
            index.add_from_file_handle(blob.key, spool, blob.length, offset=blob.offset)
    try:  # the archive goes into the temporary file atomic_output opened for us
        index.create_archive_file(f"/proc/self/fd/{handle.fileno()}")
    except (ValueError, IndexError, RuntimeError, OSError) as err:  # IREE status errors
        raise OutputError(f"cannot write the parameter archive: {err}", path=path,
                          fix="free some disk space or choose another path") from err


def _check_input(input) -> str:
    path = os.fspath(input)
    refuse_special(path, MlirError)
    if not os.path.isfile(path):
        raise MlirError("no such file" if not os.path.exists(path) else "not a regular file",
                        path=path, expected="an MLIR text file")
    return path
