"""Agreement coefficients computed from sufficient statistics (numpy only, no Python loop over items).

Everything starts from one **units x categories count matrix** ``R`` (``R[i, k]`` = number of
annotators who put item ``i`` in category ``k``; columns are the guideline's *declared* categories,
in the declared order, so label positions and ``q`` are the declared ones). Each item contributes a
row of per-item sufficient statistics (`item_statistics`); every coefficient is a function of the
column sums of that matrix (`statistics_from_sums`). The point estimate sums over all items; a
bootstrap replicate sums with resampling weights (a matrix product, see `calibration.agreement.bootstrap`).

Definitions (see ``shared/notes/agreement-statistics.md``):

- percent agreement ``pa`` (Fleiss' observed agreement, Gwet's missing-data scheme): mean over items
  with at least two answers of ``sum_k r_ik (r*_ik - 1) / (r_i (r_i - 1))`` with ``r* = R W``.
- Fleiss' kappa (Fleiss 1971; Gwet 2014 for missing data): ``pe = sum_kl w_kl pi_k pi_l`` with
  ``pi_k = mean_i r_ik / r_i`` over items with at least one answer.
- Gwet's AC1/AC2 (Gwet 2008, 2014): ``pe = T_w / (q (q - 1)) sum_k pi_k (1 - pi_k)``.
- Brennan-Prediger (1981) / Bennett's S / Randolph's free-marginal kappa: ``pe = T_w / q^2``.
- Krippendorff's alpha (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability"):
  coincidences over pairable units, ``alpha = 1 - (n - 1) D_o / sum_ck n_c n_k delta_ck``.
- Cohen's kappa (Cohen 1960, weighted: Cohen 1968) and Scott's pi (Scott 1955) from a 2-rater
  contingency table.

Conventions (pinned in tests):

- ``q`` for AC1/AC2 and Brennan-Prediger is the number of declared categories, not only observed ones.
- Weights use the declared category *positions* (linear ``1 - |i-j|/(q-1)``, quadratic
  ``1 - (i-j)^2/(q-1)^2``) unless numeric values are given (as irrCAC does for numeric categories).
- When every answer falls in one category, a chance-corrected coefficient is undefined: it is
  returned as ``None`` (NaN in bootstrap arrays) and callers add the flag ``undefined_single_category``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

Level = Literal["nominal", "ordinal", "interval", "ratio"]
WeightKind = Literal["identity", "linear", "quadratic", "ordinal", "ratio"]
UNDEFINED_SINGLE_CATEGORY = "undefined_single_category"
CHANCE_CORRECTED = ("cohen_kappa", "scott_pi", "fleiss_kappa", "krippendorff_alpha", "gwet_ac1", "gwet_ac2")


# --------------------------------------------------------------------------- building blocks


def count_matrix(unit_codes: np.ndarray, category_codes: np.ndarray, n_units: int, q: int) -> np.ndarray:
    """Units x categories counts from one code per answer (``np.bincount``; codes are 0-based ints).

    Returns:
        float array of shape ``(n_units, q)``.
    """
    flat = np.asarray(unit_codes, dtype=np.int64) * q + np.asarray(category_codes, dtype=np.int64)
    return np.bincount(flat, minlength=n_units * q).reshape(n_units, q).astype(float)


def agreement_weights(
    q: int, kind: WeightKind = "identity", values: Sequence[float] | None = None
) -> np.ndarray:
    """Agreement weights ``w_kl`` (1 on the diagonal), as irrCAC defines them.

    Args:
        q: number of declared categories.
        kind: identity (unweighted), linear, quadratic, ordinal (Gwet's rank weights) or ratio.
        values: numeric category values; default the positions ``0..q-1``.

    Returns:
        ``(q, q)`` float array.
    """
    x = np.arange(q, dtype=float) if values is None else np.asarray(values, dtype=float)
    if kind == "identity" or q < 2:
        return np.eye(q)
    span = float(x.max() - x.min())
    d = x[:, None] - x[None, :]
    if kind == "linear":
        return 1 - np.abs(d) / span
    if kind == "quadratic":
        return 1 - (d / span) ** 2
    if kind == "ordinal":
        idx = np.arange(q)
        n = np.abs(idx[:, None] - idx[None, :]) + 1
        w = n * (n - 1) / 2
        return 1 - w / w.max()
    if kind == "ratio":
        s = x[:, None] + x[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(s == 0, 0.0, (d / np.where(s == 0, 1, s)) ** 2)
        big = ((x.max() - x.min()) / (x.max() + x.min())) ** 2
        return 1 - r / big
    raise ValueError(f"unknown weights {kind!r}; use identity, linear, quadratic, ordinal or ratio")


def alpha_distance(level: Level, q: int, values: Sequence[float] | None = None) -> np.ndarray | None:
    """Krippendorff's metric ``delta_ck`` for nominal/interval/ratio (``None`` for ordinal: it depends on
    the marginals, see `_ordinal_distance`)."""
    x = np.arange(q, dtype=float) if values is None else np.asarray(values, dtype=float)
    if level == "nominal":
        return 1.0 - np.eye(q)
    if level == "interval":
        return (x[:, None] - x[None, :]) ** 2
    if level == "ratio":
        s = x[:, None] + x[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(s == 0, 0.0, ((x[:, None] - x[None, :]) / np.where(s == 0, 1, s)) ** 2)
    if level == "ordinal":
        return None
    raise ValueError(f"unknown level {level!r}; use nominal, ordinal, interval or ratio")


def _ordinal_distance(n_c: np.ndarray) -> np.ndarray:
    """Ordinal metric for marginals ``n_c`` (..., q): ``(M_c - M_k)^2`` with ``M_k = C_k - n_k / 2``."""
    mid = np.cumsum(n_c, axis=-1) - n_c / 2
    return (mid[..., :, None] - mid[..., None, :]) ** 2


# --------------------------------------------------------------------------- sufficient statistics


# Column layout of `item_statistics`: four scalar columns, then the named slices of `StatSpec`
PRESENT, PAIRABLE, PA, PA_WEIGHTED = 0, 1, 2, 3
_HEAD = 4


@dataclass(frozen=True)
class StatSpec:
    """Layout of the per-item sufficient-statistics columns (see `item_statistics`).

    Columns `PRESENT`, `PAIRABLE`, `PA`, `PA_WEIGHTED`, then the slices `share` (r_ik / r_i, q columns),
    `marginals` (r_ik of pairable units, q columns) and `disagreement` (one column, or q*q for ordinal).
    """

    q: int
    level: Level
    weighted: bool
    delta: np.ndarray | None  # alpha metric (None: ordinal, from the full coincidences)
    weights: np.ndarray  # agreement weights for AC2 / weighted pa
    values: tuple[float, ...] | None = None  # numeric category values behind `delta` (None: positions)

    @property
    def n_columns(self) -> int:
        return _HEAD + 2 * self.q + (self.q * self.q if self.delta is None else 1)

    @property
    def share(self) -> slice:
        """Per unit and category: r_ik / r_i (summed: the category's share of answers, by unit)."""
        return slice(_HEAD, _HEAD + self.q)

    @property
    def marginals(self) -> slice:
        """Per unit and category: r_ik of pairable units (summed: the coincidence marginals n_c)."""
        return slice(_HEAD + self.q, _HEAD + 2 * self.q)

    @property
    def disagreement(self) -> slice:
        """Krippendorff's observed disagreement (one column) or, for ordinal, the unit's coincidences."""
        return slice(_HEAD + 2 * self.q, None)  # to the last column


def item_statistics(
    counts: np.ndarray,
    level: Level = "nominal",
    weights: np.ndarray | None = None,
    values: Sequence[float] | None = None,
) -> tuple[np.ndarray, StatSpec]:
    """Per-item sufficient statistics from a units x categories count matrix.

    Columns: present (r_i >= 1), pairable (r_i >= 2), pa_i, weighted pa_i, r_ik/r_i (q), r_ik of
    pairable units (q; the coincidence marginals), then Krippendorff's observed disagreement
    ``r_i' delta r_i / (r_i - 1)`` (one column) or, for ordinal, the unit's coincidences (q*q).

    Returns:
        ``(S, spec)``: S has shape ``(n_units, spec.n_columns)``.
    """
    counts = np.asarray(counts, dtype=float)
    n, q = counts.shape
    w = np.eye(q) if weights is None else np.asarray(weights, dtype=float)
    delta = alpha_distance(level, q, values)
    spec = StatSpec(
        q=q,
        level=level,
        weighted=weights is not None,
        delta=delta,
        weights=w,
        values=None if values is None else tuple(float(v) for v in values),
    )
    out = np.zeros((n, spec.n_columns))
    r = counts.sum(axis=1)
    present = r >= 1
    pairable = r >= 2
    pair_den = np.where(pairable, r * (r - 1), 1.0)
    out[:, PRESENT] = present
    out[:, PAIRABLE] = pairable
    out[:, PA] = (counts * (counts - 1)).sum(axis=1) / pair_den * pairable
    if weights is None:
        out[:, PA_WEIGHTED] = out[:, PA]
    else:
        out[:, PA_WEIGHTED] = (counts * (counts @ w.T - 1)).sum(axis=1) / pair_den * pairable
    out[:, spec.share] = counts / np.where(present, r, 1.0)[:, None]
    marg = out[:, spec.marginals]
    np.multiply(counts, pairable[:, None], out=marg)
    m1 = np.where(pairable, r - 1, 1.0)
    if delta is not None:
        out[:, spec.disagreement.start] = ((marg @ delta) * marg).sum(axis=1) / m1
    else:
        o = (marg[:, :, None] * marg[:, None, :] - marg[:, :, None] * np.eye(q)[None]) / m1[:, None, None]
        out[:, spec.disagreement] = o.reshape(n, q * q)
    return out, spec


def statistics_from_sums(sums: np.ndarray, spec: StatSpec) -> dict[str, np.ndarray]:
    """Coefficients from column sums of `item_statistics` (shape ``(..., n_columns)``; any batch shape).

    Returns:
        dict of arrays with the batch shape: n_items, percent_agreement, percent_agreement_weighted,
        fleiss_kappa, gwet_ac1, gwet_ac2, brennan_prediger, krippendorff_alpha. Undefined values are NaN.
    """
    s = np.asarray(sums, dtype=float)
    q = spec.q
    n_present, n_pair, pa_sum, paw_sum = s[..., PRESENT], s[..., PAIRABLE], s[..., PA], s[..., PA_WEIGHTED]
    share = s[..., spec.share]
    n_c = s[..., spec.marginals]
    rest = s[..., spec.disagreement]
    with np.errstate(divide="ignore", invalid="ignore"):
        pa = pa_sum / n_pair
        pa_w = paw_sum / n_pair
        pi = share / n_present[..., None]
        observed = (n_c > 0).sum(axis=-1)
        single = (observed <= 1) | ((pi > 0).sum(axis=-1) <= 1)
        pe_fleiss = np.einsum("...k,kl,...l->...", pi, np.eye(q), pi)
        fleiss = (pa - pe_fleiss) / (1 - pe_fleiss)
        pi_var = (pi * (1 - pi)).sum(axis=-1)
        pe_ac1 = pi_var / (q - 1) if q > 1 else np.full_like(pa, np.nan)
        ac1 = (pa - pe_ac1) / (1 - pe_ac1)
        t_w = spec.weights.sum()
        pe_ac2 = t_w / (q * (q - 1)) * pi_var if q > 1 else np.full_like(pa, np.nan)
        ac2 = (pa_w - pe_ac2) / (1 - pe_ac2)
        bp = (pa - 1 / q) / (1 - 1 / q) if q > 1 else np.full_like(pa, np.nan)
        n_total = n_c.sum(axis=-1)
        if spec.delta is not None:
            d_o = rest[..., 0]
            d_e = np.einsum("...k,kl,...l->...", n_c, spec.delta, n_c)
        else:
            o = rest.reshape((*rest.shape[:-1], q, q))
            delta = _ordinal_distance(n_c)
            d_o = (o * delta).sum(axis=(-1, -2))
            d_e = np.einsum("...k,...kl,...l->...", n_c, delta, n_c)
        alpha = 1 - (n_total - 1) * d_o / d_e
    out = {
        "n_items": n_present,
        "percent_agreement": pa,
        "percent_agreement_weighted": pa_w,
        "fleiss_kappa": fleiss,
        "gwet_ac1": ac1,
        "gwet_ac2": ac2,
        "brennan_prediger": bp,
        "krippendorff_alpha": alpha,
    }
    # Fleiss, AC1/AC2 and Brennan-Prediger take their chance term from every answered item (Gwet's
    # missing-data scheme): they are undefined only when every answer is in one category. Alpha uses
    # the pairable units only: it is undefined when those are all in one category.
    single_answers = (pi > 0).sum(axis=-1) <= 1
    for key in ("fleiss_kappa", "gwet_ac1", "gwet_ac2", "brennan_prediger"):
        out[key] = np.where(single_answers, np.nan, out[key])
    out["krippendorff_alpha"] = np.where(single, np.nan, out["krippendorff_alpha"])
    return out


def coefficients(
    counts: np.ndarray,
    level: Level = "nominal",
    weights: np.ndarray | None = None,
    values: Sequence[float] | None = None,
) -> dict[str, float | None]:
    """All many-rater coefficients of a count matrix, as floats (``None`` when undefined).

    Args:
        counts: units x declared categories count matrix (`count_matrix`).
        level: Krippendorff level of measurement.
        weights: agreement weights for AC2 and the weighted percent agreement (default identity).
        values: numeric category values for interval/ratio alpha (default positions).
    """
    stats, spec = item_statistics(counts, level, weights, values)
    result = statistics_from_sums(stats.sum(axis=0), spec)
    return {key: _scalar(value) for key, value in result.items()}


def is_single_category(counts: np.ndarray) -> bool:
    """True when at most one category is used across all answers (chance correction undefined)."""
    return int((np.asarray(counts).sum(axis=0) > 0).sum()) <= 1


def is_single_pairable_category(counts: np.ndarray) -> bool:
    """True when the units with two or more answers (all that alpha uses) use at most one category."""
    counts = np.asarray(counts)
    pairable = counts.sum(axis=1) >= 2
    return bool(pairable.any()) and int((counts[pairable].sum(axis=0) > 0).sum()) <= 1


def _scalar(value: np.ndarray | float) -> float | None:
    v = float(value)
    return None if not np.isfinite(v) else v


# --------------------------------------------------------------------------- two raters


def contingency(a_codes: np.ndarray, b_codes: np.ndarray, q: int) -> np.ndarray:
    """``(q, q)`` table of rater A's category (rows) against rater B's (columns)."""
    flat = np.asarray(a_codes, dtype=np.int64) * q + np.asarray(b_codes, dtype=np.int64)
    return np.bincount(flat, minlength=q * q).reshape(q, q).astype(float)


def cohen_kappa(table: np.ndarray, weights: np.ndarray | None = None) -> float | None:
    """Cohen's kappa (weighted with agreement weights ``w``) from a 2-rater contingency table.

    ``kappa_w = (sum w o - sum w e) / (1 - sum w e)`` with ``o`` and ``e = pA pB'`` as proportions;
    with linear/quadratic position weights this equals sklearn's ``cohen_kappa_score(labels=declared)``.

    Returns:
        kappa, or None when undefined (no pair, or a single category used by both raters).
    """
    t = np.asarray(table, dtype=float)
    total = t.sum()
    if total == 0 or int(((t.sum(0) + t.sum(1)) > 0).sum()) <= 1:
        return None
    w = np.eye(t.shape[0]) if weights is None else np.asarray(weights, dtype=float)
    o = t / total
    e = np.outer(o.sum(axis=1), o.sum(axis=0))
    po, pe = float((w * o).sum()), float((w * e).sum())
    if pe >= 1:
        return None
    return (po - pe) / (1 - pe)


def scott_pi(table: np.ndarray) -> float | None:
    """Scott's pi from a 2-rater table: ``pe = sum_k ((pA_k + pB_k) / 2)^2``; None when undefined."""
    t = np.asarray(table, dtype=float)
    total = t.sum()
    if total == 0 or int(((t.sum(0) + t.sum(1)) > 0).sum()) <= 1:
        return None
    o = t / total
    m = (o.sum(axis=0) + o.sum(axis=1)) / 2
    pe = float((m * m).sum())
    return (float(np.trace(o)) - pe) / (1 - pe)


def prevalence_bias(table: np.ndarray) -> dict[str, float | None]:
    """Prevalence and bias indices of a 2-rater table (Byrt, Bishop & Carlin 1993).

    For a 2x2 table ``[[a, b], [c, d]]``: prevalence index ``|a - d| / n``, bias index ``|b - c| / n``.
    For q > 2 categories (our generalisation): prevalence index = largest minus smallest share of
    agreeing answers on the diagonal, bias index = half the L1 distance between the two raters'
    marginal distributions (0 when both use the categories equally often).

    Returns:
        {"prevalence_index", "bias_index", "dominant_share"} (dominant_share = the largest mean
        marginal share); None for an empty table.
    """
    t = np.asarray(table, dtype=float)
    total = t.sum()
    if total == 0:
        return {"prevalence_index": None, "bias_index": None, "dominant_share": None}
    pa, pb = t.sum(axis=1) / total, t.sum(axis=0) / total
    if t.shape == (2, 2):
        prevalence = abs(t[0, 0] - t[1, 1]) / total
        bias = abs(t[0, 1] - t[1, 0]) / total
    else:
        diag = np.diag(t) / total
        prevalence = float(diag.max() - diag.min()) if len(diag) else 0.0
        bias = float(np.abs(pa - pb).sum() / 2)
    return {
        "prevalence_index": float(prevalence),
        "bias_index": float(bias),
        "dominant_share": float(((pa + pb) / 2).max()),
    }
