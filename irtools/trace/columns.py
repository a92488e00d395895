"""`Columns`: named columns in order, with attrs; the shape of a DataFrame without pandas.

The CLI prints hotspot tables from these, since importing pandas alone costs
0.2-0.3 s, a third of `irtools hotspots` on a 10-million-zone capture. The
notebook API turns them into DataFrames (`to_pandas`).
"""

from __future__ import annotations

import collections
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


class Columns:
    def __init__(self, data: dict[str, Any], attrs: dict[str, Any] | None = None) -> None:
        self.data = dict(data)
        self.attrs = dict(attrs or {})
        lengths = {len(v) for v in self.data.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns of different lengths: {sorted(lengths)}")
        self._rows = lengths.pop() if lengths else 0

    @property
    def columns(self) -> list[str]:
        return list(self.data)

    def __len__(self) -> int:
        return self._rows

    def __getitem__(self, name: str) -> Any:
        return self.data[name]

    def take(self, rows: Iterable[int]) -> Columns:
        """The rows at these positions, in this order."""
        rows = list(rows)
        return Columns({k: (v[rows] if hasattr(v, "dtype") else [v[i] for i in rows])
                        for k, v in self.data.items()}, self.attrs)

    def itertuples(self, index: bool = False) -> Iterator[tuple[Any, ...]]:
        """Rows as named tuples, like DataFrame.itertuples(index=False)."""
        row = collections.namedtuple("Row", self.columns, rename=True)  # type: ignore[misc]
        return (row(*values) for values in zip(*self.data.values()))

    def to_pandas(self) -> pd.DataFrame:
        """A DataFrame (irtools' Table, with its notebook view) of the same columns and attrs."""
        import pandas as pd

        from irtools.notebook.display import as_table

        frame = as_table(pd.DataFrame(self.data))
        frame.attrs.update(self.attrs)
        return frame
