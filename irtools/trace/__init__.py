"""Tracy captures: the reader, the zone model, hotspots and comparisons.

Only plain constants live here, so that building the command line stays cheap.
"""

from collections.abc import Callable

# progress(done, total): called as a long read or write goes on.
Progress = Callable[[int, int], object]

GROUPINGS = ("name", "srcloc", "dispatch", "op")
SORTS = ("wall", "cpu", "total", "mean", "count", "max")
EXPORT_FORMATS = ("chrome-json", "parquet", "csv")
