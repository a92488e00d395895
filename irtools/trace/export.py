"""Export a capture's zones for other tools: Chrome trace JSON, Parquet, CSV.

Every format is written a chunk of zones at a time from the zone columns,
so a capture of ten million zones is never held twice. Outputs ending in
`.gz` are gzip-compressed (level 3: on JSON events a third faster than
level 6 for a third more bytes) in a background thread, since zlib lets go
of the GIL: compressing one chunk overlaps formatting the next.
"""

from __future__ import annotations

import concurrent.futures
import os
import zlib
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from typing import IO, TYPE_CHECKING, Any

from irtools._io import atomic_output
from irtools.errors import UsageError
from irtools.trace import EXPORT_FORMATS as FORMATS
from irtools.trace.model import CHUNK, Trace

if TYPE_CHECKING:
    import pandas as pd

    from irtools.trace import Progress

PathLike = str | os.PathLike[str]

PIECE = 1 << 16  # zones formatted as text at a time: about 13 MB of JSON
_SUFFIXES = {"chrome-json": ".json.gz", "parquet": ".parquet", "csv": ".csv"}


def guess_format(output: PathLike) -> str | None:
    """The format an output name implies (`x.json.gz` -> chrome-json), or None."""
    name = os.fspath(output).lower().removesuffix(".gz")
    for suffix, fmt in ((".json", "chrome-json"), (".parquet", "parquet"), (".csv", "csv")):
        if name.endswith(suffix):
            return fmt
    return None


def default_output(trace_path: PathLike, fmt: str) -> str:
    """`run.tracy` -> `run.json.gz` (or .parquet, .csv) in the current folder."""
    stem = os.path.basename(os.fspath(trace_path))
    stem = stem[:-len(".tracy")] if stem.endswith(".tracy") else stem
    return stem + _SUFFIXES[fmt]


class _Sink:
    """Text or bytes out to a file, gzip-compressed in a worker thread when asked."""

    def __init__(self, handle: IO[bytes], gzip: bool, level: int = 3) -> None:
        self.handle = handle
        self.zip = zlib.compressobj(level, zlib.DEFLATED, 31) if gzip else None
        self.pool = concurrent.futures.ThreadPoolExecutor(1) if gzip else None
        self.pending: list[Future[None]] = []

    def write(self, data: str | bytes) -> None:
        if isinstance(data, str):
            data = data.encode()
        if self.pool is None:
            self.handle.write(data)
            return
        self.pending.append(self.pool.submit(self._compress, data))
        while len(self.pending) > 1:  # one piece compressing while the next is formatted
            self.pending.pop(0).result()

    def _compress(self, data: bytes) -> None:
        assert self.zip is not None  # only called with a pool, made with zip
        self.handle.write(self.zip.compress(data))

    def finish(self) -> None:
        """Wait for the worker and end the gzip stream."""
        if self.pool is not None:
            for job in self.pending:
                job.result()
            assert self.zip is not None
            self.handle.write(self.zip.flush())
            self.pool.shutdown()

    def abandon(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def check(output: PathLike | None = None, fmt: str | None = None) -> str:
    """The format to write, checked before any reading: `fmt`, else guessed, else chrome-json."""
    fmt = fmt or (guess_format(output) if output else None) or "chrome-json"
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r}", expected=" | ".join(FORMATS))
    if fmt == "parquet":
        if output and os.fspath(output).endswith(".gz"):
            raise UsageError("Parquet compresses its own columns; drop the .gz", path=output)
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise UsageError("Parquet export needs pyarrow",
                             fix="pip install 'irtools[parquet]'") from None
    return fmt


def export(trace: Trace | PathLike, output: PathLike | None = None, fmt: str | None = None, *,
           progress: Progress | None = None, chunk: int | None = None) -> str:
    """Write the zones of `trace` (a Trace or a path) to `output`; returns its path.

    `fmt` is one of FORMATS, by default guessed from `output`, else chrome-json;
    `output` defaults to the capture's name with the format's suffix, here.
    `chunk` zones are formatted at a time: by default PIECE for text, which
    bounds the memory of the Python strings, and CHUNK (a row group) for Parquet.
    """
    fmt = check(output, fmt)
    trace = Trace.of(trace)
    out = os.fspath(output) if output else default_output(trace.path, fmt)
    with atomic_output(out, inputs=[trace.path]) as handle:
        if fmt == "parquet":
            _parquet(trace, handle, progress, chunk or CHUNK)
        else:
            pieces = (_chrome(trace, progress, chunk or PIECE) if fmt == "chrome-json"
                      else _csv(trace, progress, chunk or PIECE))
            _write_text(handle, out.endswith(".gz"), pieces)
    return out


def _write_text(handle: IO[bytes], gzip: bool, pieces: Iterable[str]) -> None:
    sink = _Sink(handle, gzip)
    try:
        for piece in pieces:
            sink.write(piece)
        sink.finish()
    except BaseException:
        sink.abandon()
        raise


def _chrome(trace: Trace, progress: Progress | None, chunk: int) -> Iterator[str]:
    from irtools.trace.chrome import chrome_json

    return chrome_json(trace, progress=progress, chunk=chunk)


def _csv(trace: Trace, progress: Progress | None, chunk: int) -> Iterator[str]:
    """The `zones()` table as CSV, a chunk of rows at a time (2.5x pandas' to_csv)."""
    done = 0
    for frame in trace.zone_frames(chunk=chunk):
        if frame.index.start == 0:
            yield ",".join(map(_quote, frame.columns)) + "\n"
        yield csv_rows(frame)
        done += len(frame)
        if progress:
            progress(done, trace.zone_count)


def _quote(text: str) -> str:
    """Quote a CSV field only when it needs it, as the csv module's QUOTE_MINIMAL."""
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_rows(frame: pd.DataFrame) -> str:
    """A DataFrame of integer and categorical columns as CSV rows, no header.

    Categories are quoted once each, integers go through one `%` template per
    row; missing values are empty fields, as pandas writes them.
    """
    import numpy as np
    import pandas as pd

    columns: list[list[Any]] = []
    template: list[str] = []
    for name in frame.columns:
        col = frame[name]
        if isinstance(col.dtype, pd.CategoricalDtype):
            labels = np.array([_quote(str(c)) for c in col.cat.categories] + [""], object)
            columns.append(labels[col.cat.codes.to_numpy()].tolist())  # code -1 -> ""
            template.append("%s")
        elif col.hasnans:
            columns.append(col.astype(object).where(col.notna(), "").tolist())
            template.append("%s")
        else:
            columns.append(col.to_numpy().tolist())
            template.append("%d" if col.dtype.kind in "iu" else "%s")
    if not len(frame):
        return ""
    return "\n".join(map(",".join(template).__mod__, zip(*columns))) + "\n"


def _parquet(trace: Trace, handle: IO[bytes], progress: Progress | None, chunk: int) -> None:
    """The `zones()` table as Parquet, one row group per chunk of zones."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer: Any = None
    schema: Any = None
    done = 0
    try:
        for frame in trace.zone_frames(chunk=chunk):
            if writer is None:
                schema = _schema(pa.Schema.from_pandas(frame, preserve_index=False))
                writer = pq.ParquetWriter(handle, schema)
            writer.write_table(pa.Table.from_pandas(frame, schema=schema, preserve_index=False))
            done += len(frame)
            if progress:
                progress(done, trace.zone_count)
    finally:
        if writer is not None:
            writer.close()


def _schema(schema: Any) -> Any:
    """One dictionary type for every chunk's categories: int32 codes, string values."""
    import pyarrow as pa

    fields = [pa.field(f.name, pa.dictionary(pa.int32(), pa.string()))
              if pa.types.is_dictionary(f.type) else f for f in schema]
    return pa.schema(fields, metadata=schema.metadata)
