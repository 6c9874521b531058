"""Group-sequential boundaries with Lan-DeMets alpha spending (one-sided, for a z statistic).

Public API::

    spent(fraction, alpha, spending="obf") -> float
    boundaries(fractions, alpha, spending="obf") -> tuple[float, ...]

A statistic ``Z_k`` read at looks with information fractions ``0 < t_1 < ... < t_K <= 1`` that
behaves like a standardised Brownian motion (``Z_k sqrt(t_k)`` has independent normal increments;
true of any asymptotically normal estimator computed on a growing sample) crosses the upper boundary
``c_k`` at some look with probability ``alpha`` under the null (mean zero), whatever the number and
the timing of the looks, provided the spending function is fixed in advance (Lan & DeMets 1983).
The probability spent by look ``k`` is the spending function at ``t_k``:

- ``obf`` (O'Brien-Fleming type): ``2 - 2 Phi(z_{1-alpha/2} / sqrt(t))``: almost nothing early,
  so the last look is nearly the fixed design's;
- ``pocock`` (Pocock type): ``alpha log(1 + (e - 1) t)``: evenly spread.

Each boundary solves ``P(Z_j < c_j for j < k, Z_k >= c_k) = spent(t_k) - spent(t_{k-1})`` by
recursive numerical integration of the continuation density (Armitage, McPherson & Rowe 1969;
Jennison & Turnbull, *Group Sequential Methods*, 2000, ch. 19). Looks with nothing to spend get an
infinite boundary.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Literal

import numpy as np
from scipy import optimize, special, stats

Spending = Literal["obf", "pocock"]
_STEP = 0.025  # grid step of the continuation density, on the Brownian-motion scale
_LOW = -8.0
_CAP = 12.0


def spent(fraction: float, alpha: float, spending: Spending = "obf") -> float:
    """The error probability spent by information fraction `fraction` (0 at 0, `alpha` at 1)."""
    t = min(max(float(fraction), 0.0), 1.0)
    if t == 0:
        return 0.0
    if spending == "obf":
        return float(2 - 2 * stats.norm.cdf(stats.norm.ppf(1 - alpha / 2) / math.sqrt(t)))
    if spending == "pocock":
        return float(alpha * math.log(1 + (math.e - 1) * t))
    raise ValueError(f"unknown spending function {spending!r}; use obf or pocock")


def boundaries(fractions: Sequence[float], alpha: float, spending: Spending = "obf") -> tuple[float, ...]:
    """One-sided upper boundaries ``c_k`` of a z statistic at the given increasing information
    fractions (module docstring)."""
    key = tuple(round(float(f), 9) for f in fractions)
    if any(b <= a for a, b in itertools.pairwise(key)) or (key and key[0] <= 0):
        raise ValueError(f"information fractions must increase from above 0: {list(fractions)}")
    return _boundaries(key, float(alpha), spending)


@lru_cache(maxsize=4096)
def _boundaries(fractions: tuple[float, ...], alpha: float, spending: Spending) -> tuple[float, ...]:
    out: list[float] = []
    grid: np.ndarray | None = None  # Brownian-motion values S = Z sqrt(t) still continuing
    density: np.ndarray | None = None
    previous_t, previous_spent = 0.0, 0.0
    for t in fractions:
        t = min(t, 1.0)
        now = spent(t, alpha, spending)
        budget = now - previous_spent
        dt = t - previous_t
        sd = math.sqrt(dt)
        if grid is None or density is None:
            c = float(stats.norm.isf(budget)) if budget > 1e-15 else math.inf
            c = min(c, _CAP)
            top = c * math.sqrt(t)
            grid = np.append(np.arange(_LOW, top, _STEP), top)
            density = np.exp(-0.5 * (grid / sd) ** 2) / (sd * math.sqrt(2 * math.pi))
        else:
            g, f = grid, density

            def crossing(
                c: float, g: np.ndarray = g, f: np.ndarray = f, t: float = t, sd: float = sd
            ) -> float:
                return float(np.trapezoid(f * special.ndtr((g - c * math.sqrt(t)) / sd), g))

            if budget <= 1e-15 or crossing(_CAP) >= budget:
                c = _CAP
            else:
                c = float(
                    optimize.brentq(lambda x, budget=budget: crossing(x) - budget, -_CAP, _CAP, xtol=1e-6)
                )
            top = c * math.sqrt(t)
            grid = np.append(np.arange(_LOW, top, _STEP), top)
            kernel = np.exp(-0.5 * ((grid[:, None] - g[None, :]) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))
            density = np.trapezoid(kernel * f[None, :], g, axis=1)
        out.append(c if c < _CAP else math.inf)
        previous_t, previous_spent = t, now
    return tuple(out)
