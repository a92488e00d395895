"""Is B slower than A? Ratios with confidence intervals that hold on a noisy machine.

The method: the Hodges-Lehmann estimate of the shift between the logarithms of
the two samples (the median of all pairwise differences log b_j - log a_i), a
confidence interval from the Mann-Whitney distribution of those differences, and
the Mann-Whitney test's two-sided p-value. Exponentiated, the shift is a ratio
B/A of typical times.

Why this and not a bootstrap of means: times of a dispatch on a loaded machine
have heavy tails (a worker thread descheduled for a few milliseconds makes a
20 µs dispatch take 8 ms), so means and their bootstrap intervals swing with a
single outlier, and a percentile bootstrap with five to ten repeats gives
intervals too narrow. Ranks do not care how far an outlier lies; the interval
is exact (distribution-free) for any sample size, assuming only that the
samples are independent and B is A shifted on the log scale. numpy only.

The samples should be independent units: separate processes (repeats), not the
invocations of one process, which share its placement, caches and whatever else
ran then (`irtools compare` uses repeats when it has them and says so).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

EXACT_MAX = 50          # exact U distribution up to this many units a side (no ties)
PAIRS_MAX = 4_000_000   # pairwise differences kept before the samples are thinned


@dataclass(frozen=True)
class Shift:
    """B/A as a ratio of typical values, with a confidence interval and a p-value."""

    ratio: float        # exp(Hodges-Lehmann shift of the logs); 1.0 is no change
    low: float          # confidence interval of the ratio
    high: float
    p: float            # two-sided Mann-Whitney p-value
    n_a: int
    n_b: int
    level: float = 0.95

    @property
    def change(self) -> float:
        """Relative change, B/A - 1 (0.10: 10% slower)."""
        return self.ratio - 1.0


NO_DATA = Shift(math.nan, math.nan, math.nan, math.nan, 0, 0)


def _u_distribution(n: int, m: int) -> NDArray[np.float64]:
    """P(U = u) for u in 0..n*m under the null, by the counting recursion
    c(n, m, u) = c(n-1, m, u-m) + c(n, m-1, u), without ties."""
    # prev[j] / cur[j]: the counts for (i - 1, j) / (i, j), arrays of length n*m+1.
    size = n * m + 1
    prev = [np.zeros(size) for _ in range(m + 1)]
    for j in range(m + 1):
        prev[j][0] = 1.0                      # i = 0: U is 0
    for i in range(1, n + 1):
        cur = [np.zeros(size) for _ in range(m + 1)]
        cur[0][0] = 1.0                       # j = 0: U is 0
        for j in range(1, m + 1):
            c = prev[j].copy()                # the largest value is from A: no pair counts
            c[i:] += cur[j - 1][:size - i]    # the largest is from B: it beats all i of A
            cur[j] = c
        prev = cur
    counts = prev[m]
    return counts / counts.sum()


def _thin(x: NDArray[np.float64], keep: int) -> NDArray[np.float64]:
    """`keep` values spread evenly over the sorted sample: its quantiles."""
    if len(x) <= keep:
        return x
    return np.sort(x)[np.linspace(0, len(x) - 1, keep).round().astype(np.int64)]


def shift(a: ArrayLike, b: ArrayLike, *, level: float = 0.95) -> Shift:
    """B against A: a ratio B/A with a `level` confidence interval and a p-value.

    `a` and `b` are positive times of independent units (non-positive values are
    left out). Fewer than two units on either side give NaNs.
    """
    xa = np.asarray(a, dtype=np.float64)
    xb = np.asarray(b, dtype=np.float64)
    xa, xb = np.log(xa[xa > 0]), np.log(xb[xb > 0])
    n, m = len(xa), len(xb)
    if n < 2 or m < 2:
        return Shift(math.nan, math.nan, math.nan, math.nan, n, m, level)
    side = int(math.sqrt(PAIRS_MAX))
    xa, xb = _thin(xa, side), _thin(xb, side)
    n_u, m_u = len(xa), len(xb)
    d = np.sort((xb[None, :] - xa[:, None]).ravel())
    total = n_u * m_u
    estimate = float(np.median(d))
    # U: pairs where B's value is the larger, ties counted half.
    u = float((d > 0).sum() + 0.5 * (d == 0).sum())
    alpha = 1.0 - level
    both = np.concatenate([xa, xb])
    tied = len(np.unique(both)) < len(both)
    if n_u <= EXACT_MAX and m_u <= EXACT_MAX and not tied:
        pmf = _u_distribution(n_u, m_u)
        cdf = np.cumsum(pmf)
        lo_tail = float(cdf[int(math.floor(u))])
        hi_tail = float(1.0 - (cdf[int(math.ceil(u)) - 1] if u >= 1 else 0.0))
        p = min(1.0, 2.0 * min(lo_tail, hi_tail))
        # c: the largest count with P(U <= c) <= alpha/2; the interval is d[c] .. d[total-1-c].
        c = int(np.searchsorted(cdf, alpha / 2, side="right")) - 1
    else:
        mean = total / 2.0
        _, counts = np.unique(both, return_counts=True)
        n_all = n_u + m_u
        var = n_u * m_u / 12.0 * ((n_all + 1) - (counts ** 3 - counts).sum() / (n_all * (n_all - 1)))
        sd = math.sqrt(max(var, 1e-12))
        z = (abs(u - mean) - 0.5) / sd
        p = min(1.0, math.erfc(max(z, 0.0) / math.sqrt(2.0)))
        zq = _normal_quantile(1.0 - alpha / 2)
        c = int(math.floor(mean - zq * sd - 0.5))
    if c < 0:  # too few units for this level: the interval is unbounded
        low, high = 0.0, math.inf
    else:
        low, high = math.exp(d[c]), math.exp(d[total - 1 - c])
    return Shift(math.exp(estimate), low, high, p, n, m, level)


def _normal_quantile(q: float) -> float:
    """The standard normal quantile, by bisection on erfc (no scipy)."""
    lo, hi = -10.0, 10.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if 0.5 * math.erfc(-mid / math.sqrt(2.0)) < q:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def adjust(pvalues: ArrayLike) -> NDArray[np.float64]:
    """Benjamini-Hochberg adjusted p-values (q-values); NaNs stay NaN.

    When nothing changed (the no-op), every discovery is false and this keeps the
    chance of any at the chosen level, like Bonferroni; when many dispatches did
    change (a slower build), it rejects far more of them than Bonferroni would.
    """
    p = np.asarray(pvalues, dtype=np.float64)
    out = np.full(len(p), np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    if not len(ok):
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    k = len(order)
    ranked = p[order] * k / np.arange(1, k + 1)
    out[order] = np.minimum(1.0, np.minimum.accumulate(ranked[::-1])[::-1])
    return out


SLOWER, FASTER, SAME, UNKNOWN = "slower", "faster", "no change", "n/a"


def verdict(s: Shift, q: float, *, threshold: float, alpha: float = 0.05) -> str:
    """`slower` when the change is significant (q < alpha) and larger than
    `threshold` (0.05 for 5%); `faster` likewise; `no change` otherwise."""
    if math.isnan(s.ratio) or math.isnan(q):
        return UNKNOWN
    if q < alpha and s.ratio - 1.0 > threshold:
        return SLOWER
    if q < alpha and 1.0 - s.ratio > threshold:
        return FASTER
    return SAME
