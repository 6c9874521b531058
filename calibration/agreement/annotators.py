"""Per-annotator agreement: each annotator's answers against the others' on the same items.

Decomposition (see `calibration.agreement.breakdown`): per answer, the share of the other answers
on its unit that agree with it and its Krippendorff disagreement with them; summed per annotator and
put in each coefficient's pooled chance model. The answer-weighted mean of the annotators' alphas is
the overall alpha. Leave-one-out alpha recomputes the sufficient statistics of the units the
annotator answered, without their answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from calibration.agreement import coefficients as co
from calibration.agreement.bootstrap import percentile_interval
from calibration.agreement.encoding import Encoded

if TYPE_CHECKING:
    from calibration.agreement.gold_blocks import GoldRows


def _f(value: Any) -> float | None:
    v = float(value)
    return v if np.isfinite(v) else None


def _n_items(unit_items: np.ndarray, distinct: bool) -> int:
    return len(unit_items) if distinct else len(np.unique(unit_items))


def annotator_columns(
    counts: np.ndarray, wide: np.ndarray, stats: np.ndarray, spec: co.StatSpec, out: np.ndarray | None = None
) -> np.ndarray:
    """Per unit and annotator: [answered & pairable, agreement with the others, disagreement]."""
    n_c = stats[:, spec.marginals].sum(axis=0)
    delta = spec.delta if spec.delta is not None else co._ordinal_distance(n_c)
    r = counts.sum(axis=1)
    pairable = r >= 2
    denom = np.where(pairable, r - 1, 1.0)
    dis_by_cat = counts @ delta.T  # unit x category: sum_k r_uk delta(c, k)
    rows = np.arange(counts.shape[0])
    if out is None:
        out = np.empty((counts.shape[0], 3 * len(wide)))
    for a, codes in enumerate(wide):
        mask = (codes >= 0) & pairable
        c = np.where(mask, codes, 0)
        out[:, 3 * a] = mask
        out[:, 3 * a + 1] = np.where(mask, (counts[rows, c] - 1) / denom, 0.0)
        out[:, 3 * a + 2] = np.where(mask, dis_by_cat[rows, c] / denom, 0.0)
    return out


def _chance_terms(sums: np.ndarray, spec: co.StatSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pooled chance agreement of Fleiss and AC1, and Krippendorff's expected disagreement D_e."""
    q = spec.q
    with np.errstate(divide="ignore", invalid="ignore"):
        pi = sums[..., spec.share] / sums[..., co.PRESENT, None]
        pe_fleiss = (pi * pi).sum(axis=-1)
        pe_ac1 = (pi * (1 - pi)).sum(axis=-1) / (q - 1) if q > 1 else np.full(pi.shape[:-1], np.nan)
        n_c = sums[..., spec.marginals]
        n = n_c.sum(axis=-1)
        delta = spec.delta if spec.delta is not None else co._ordinal_distance(n_c)
        if delta.ndim == 2:
            d_e = np.einsum("...k,kl,...l->...", n_c, delta, n_c) / (n * (n - 1))
        else:
            d_e = np.einsum("...k,...kl,...l->...", n_c, delta, n_c) / (n * (n - 1))
    return pe_fleiss, pe_ac1, d_e


def _annotator_stats(sums: np.ndarray, k: int, a: int, spec: co.StatSpec) -> dict[str, np.ndarray]:
    pe_f, pe_ac1, d_e = _chance_terms(sums[..., :k], spec)
    v = sums[..., k + 3 * a]
    with np.errstate(divide="ignore", invalid="ignore"):
        pa = sums[..., k + 3 * a + 1] / v
        d_o = sums[..., k + 3 * a + 2] / v
        return {
            "percent_agreement": pa,
            "fleiss_kappa": (pa - pe_f) / (1 - pe_f),
            "gwet_ac1": (pa - pe_ac1) / (1 - pe_ac1),
            "krippendorff_alpha": 1 - d_o / d_e,
        }


def per_annotator(
    enc: Encoded,
    counts: np.ndarray,
    wide: np.ndarray,
    stats: np.ndarray,
    spec: co.StatSpec,
    ann: np.ndarray,
    total: np.ndarray,
    rep: np.ndarray | None,
    pairwise: pd.DataFrame,
    gold_rows: GoldRows | None,
    few_items: int = 10,
) -> dict[str, dict[str, Any]]:
    k = stats.shape[1]
    overall_alpha = _f(co.statistics_from_sums(total[:k], spec)["krippendorff_alpha"])
    single = co.is_single_category(counts)
    r = counts.sum(axis=1)
    out: dict[str, dict[str, Any]] = {}
    for a, name in enumerate(enc.annotators):
        codes = wide[a]
        answered = codes >= 0
        pairable = answered & (r >= 2)
        others = (wide[:, pairable] >= 0).any(axis=1)
        point = _annotator_stats(total, k, a, spec)
        block: dict[str, Any] = {
            "n_items": _n_items(enc.unit_items[answered], enc.units_are_items),
            "n_annotators": int(others.sum()),
            "n_annotations": _n_items(enc.item_codes[enc.annotator_codes == a], enc.units_are_items),
            "n_pairable_items": _n_items(enc.unit_items[pairable], enc.units_are_items),
            "level": spec.level,
        }
        for stat in ("percent_agreement", "fleiss_kappa", "krippendorff_alpha", "gwet_ac1"):
            block[stat] = _f(point[stat])
        row = pairwise.iloc[a].drop(pairwise.index[a])
        block["cohen_kappa_mean"] = _f(row.mean()) if row.notna().any() else None
        block["scott_pi"] = None  # a two-annotator statistic; see pairwise_kappa for pairs
        # leave-one-out alpha: all data without this annotator
        units = np.flatnonzero(answered)
        reduced = counts[units].copy()
        reduced[np.arange(len(units)), codes[units]] -= 1
        # the same metric as the full data: ratio/interval distances use the scale's values, not positions
        s_wo, _ = co.item_statistics(
            reduced, spec.level, None if not spec.weighted else spec.weights, spec.values
        )
        sums_wo = total[:k].copy()
        sums_wo[: spec.n_columns] += s_wo.sum(axis=0) - stats[units].sum(axis=0)
        alpha_wo = None if single else _f(co.statistics_from_sums(sums_wo, spec)["krippendorff_alpha"])
        block["krippendorff_alpha_without"] = alpha_wo
        block["alpha_gain_without"] = (
            alpha_wo - overall_alpha if alpha_wo is not None and overall_alpha is not None else None
        )
        if single:
            for stat in ("fleiss_kappa", "krippendorff_alpha", "gwet_ac1", "cohen_kappa_mean"):
                block[stat] = None
        ci: dict[str, list[float] | None] = {}
        if rep is not None:
            rep_stats = _annotator_stats(rep, k, a, spec)
            for stat, values in rep_stats.items():
                if block.get(stat) is not None:
                    ci[stat] = percentile_interval(values)
        block["ci95"] = ci
        flags = []
        if block["n_pairable_items"] < few_items:
            flags.append("few_items")
        if single:
            flags.append(co.UNDEFINED_SINGLE_CATEGORY)
        block["flags"] = flags
        if gold_rows is not None:
            block.update(gold_rows.annotator_block(a))
        out[str(name)] = block
    return out
