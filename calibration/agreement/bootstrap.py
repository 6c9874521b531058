"""Item-resampling bootstrap shared by every statistic and every breakdown (Efron & Tibshirani 1993).

Design: each statistic is a function of column sums of per-item sufficient statistics
(`calibration.agreement.coefficients.item_statistics`), so one bootstrap replicate is a weighted
sum, and all replicates of all blocks (overall, every rule, every label) are ONE matrix product
``W @ P`` with a single seeded weights matrix ``W`` (replicates x units) shared across blocks.

- Weights are Poisson(1) counts (the "Poisson bootstrap", Hanley & MacGibbon 2006; Chamandy et al.
  2012): each item is drawn ``k ~ Poisson(1)`` times, which approximates the multinomial item
  bootstrap and lets blocks of different sizes share one matrix. They are drawn from a 2^16-entry
  inverse-CDF table over random bytes (exact Poisson(1) quantiles, resolution 1/65536).
- A block with more than ``max_units`` items is split into ``max_units`` random groups of nearly
  equal size (seeded) and groups are resampled instead of items. For statistics that are smooth
  functions of sums this is the random-group bootstrap and gives the same variance to first order;
  it only applies to blocks so large that their intervals are very narrow anyway.
- Sums and replicates are float64: per-item statistics such as 1/3 are not exact in float32, and a
  float32 product put noise in the 8th digit of exported bounds (0.5555555820465088 for 5/9).
- Intervals are percentile intervals (2.5 %, 97.5 %) of the replicates that are defined (NaN
  replicates, e.g. a resample with a single category, are ignored).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MAX_UNITS = 4000
DEFAULT_REPLICATES = 1000


def _poisson_table() -> np.ndarray:
    """Inverse CDF of Poisson(1) at the midpoints of 65536 equal cells of [0, 1]."""
    k = np.arange(20)
    pmf = np.exp(-1.0) / np.cumprod(np.concatenate([[1.0], k[1:].astype(float)]))
    cdf = np.cumsum(pmf)
    u = (np.arange(65536) + 0.5) / 65536
    return np.searchsorted(cdf, u).astype(np.float64)


_TABLE: np.ndarray | None = None


def poisson_weights(n_replicates: int, n_units: int, seed: int) -> np.ndarray:
    """A ``(n_replicates, n_units)`` float64 matrix of Poisson(1) resampling counts, reproducible by seed."""
    global _TABLE
    if _TABLE is None:
        _TABLE = _poisson_table()
    rng = np.random.default_rng(seed)
    raw = np.frombuffer(rng.bytes(2 * n_replicates * n_units), dtype=np.uint16)
    return _TABLE[raw].reshape(n_replicates, n_units)


def replicate_sums(
    blocks: Sequence[np.ndarray],
    n_replicates: int = DEFAULT_REPLICATES,
    seed: int = 0,
    max_units: int = MAX_UNITS,
) -> list[np.ndarray]:
    """Bootstrap replicates of the column sums of each block's per-item statistics.

    Args:
        blocks: one ``(n_b, k_b)`` array per block (rows = the block's items).
        n_replicates: number of bootstrap replicates B.
        seed: seed of the weights (and of the grouping of large blocks).
        max_units: resampling units per block at most (see the module docstring).

    Returns:
        one ``(B, k_b)`` array per block.
    """
    if not blocks:
        return []
    m = max(1, min(max(len(b) for b in blocks), max_units))
    widths = [b.shape[1] for b in blocks]
    padded = np.zeros((m, sum(widths)), dtype=np.float64)
    rng = np.random.default_rng([seed, 1])
    start = 0
    for block, width in zip(blocks, widths, strict=True):
        n = len(block)
        if n <= m:
            padded[:n, start : start + width] = block
        else:
            # random groups of nearly equal size: permute, pad to a multiple of m, fold
            rows = -(-n // m) * m
            shuffled = np.zeros((rows, width))
            shuffled[:n] = block[rng.permutation(n)]
            padded[:, start : start + width] = shuffled.reshape(rows // m, m, width).sum(axis=0)
        start += width
    weights = poisson_weights(n_replicates, m, seed)
    product = weights @ padded
    out, start = [], 0
    for width in widths:
        out.append(product[:, start : start + width])
        start += width
    return out


def percentile_interval(replicates: np.ndarray, level: float = 0.95) -> list[float] | None:
    """``[low, high]`` percentile interval of the finite replicates, or None when none is finite.

    Same values as ``np.percentile(..., method="linear")``, without its per-call overhead.
    """
    values = np.asarray(replicates, dtype=float)
    values = np.sort(values[np.isfinite(values)])
    n = len(values)
    if n == 0:
        return None
    tail = (1 - level) / 2
    out = []
    for p in (tail, 1 - tail):
        position = p * (n - 1)
        low = int(np.floor(position))
        high = min(low + 1, n - 1)
        frac = position - low
        out.append(float(values[low] + (values[high] - values[low]) * frac))
    return out


def percentile_intervals(replicates: np.ndarray, level: float = 0.95) -> np.ndarray:
    """Row-wise percentile intervals of a ``(series, B)`` matrix (NaN ignored): ``(series, 2)``, NaN
    where a row has no finite value."""
    values = np.sort(np.where(np.isfinite(replicates), replicates, np.inf), axis=1)
    finite = np.isfinite(replicates).sum(axis=1)
    tail = (1 - level) / 2
    out = np.full((len(values), 2), np.nan)
    rows = np.arange(len(values))
    for col, p in enumerate((tail, 1 - tail)):
        position = p * np.maximum(finite - 1, 0)
        low = np.floor(position).astype(np.int64)
        high = np.minimum(low + 1, np.maximum(finite - 1, 0))
        frac = position - low
        lo_v, hi_v = values[rows, low], values[rows, high]
        with np.errstate(invalid="ignore"):
            out[:, col] = np.where(finite > 0, lo_v + (hi_v - lo_v) * frac, np.nan)
    return out
