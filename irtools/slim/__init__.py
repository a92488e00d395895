"""slim: move large constants out of MLIR text, losslessly and in a stream.

`slim(IN, OUT)` rewrites `dense<...>` element attributes to `dense_resource<key>` with the
data in the file's resource section; `slim(IN, OUT, params=P)` moves the data into an
IREE parameter archive instead; `report(IN)` only lists what it found.
"""

from irtools.slim.rewrite import SlimResult, report, slim
from irtools.slim.scanner import Constant

__all__ = ["slim", "report", "SlimResult", "Constant"]
