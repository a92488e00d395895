"""Tracy captures: the reader, the zone model, hotspots and comparisons.

Only plain constants live here, so that building the command line stays cheap.
"""

GROUPINGS = ("name", "srcloc", "dispatch", "op")
SORTS = ("total", "mean", "count", "max")
EXPORT_FORMATS = ("chrome-json", "parquet", "csv")
