"""What notebooks show: `display` (tables and summaries in human units, the HTML of
the notebook objects) and `plot` (matplotlib figures). `from irtools import plot`
gives the latter."""
