"""Per-annotator agreement: each annotator's answers against the others' on the same items.

Decomposition (see `calibration.agreement.breakdown`): per answer, the share of the other answers
on its unit that agree with it and its Krippendorff disagreement with them; summed per annotator and
put in each coefficient's pooled chance model. The answer-weighted mean of the annotators' alphas is
the overall alpha. Leave-one-out alpha recomputes the sufficient statistics of the units the
annotator answered, without their answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from calibration.agreement import coefficients as co
from calibration.agreement.bootstrap import percentile_interval
from calibration.agreement.encoding import Encoded
from calibration.agreement.results import NAN, AnnotatorBlock, Interval, Statistics, number
from calibration.errors import CalibrationError
from calibration.responses import ITEM, RULE

if TYPE_CHECKING:
    from calibration.agreement.gold_blocks import GoldRows


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
) -> dict[str, AnnotatorBlock]:
    """Each annotator's block: agreement with the others, leave-one-out alpha, intervals, flags, gold."""
    k = stats.shape[1]
    overall_alpha = number(co.statistics_from_sums(total[:k], spec)["krippendorff_alpha"])
    single = co.is_single_category(counts)
    r = counts.sum(axis=1)
    out: dict[str, AnnotatorBlock] = {}
    for a, name in enumerate(enc.annotators):
        codes = wide[a]
        answered = codes >= 0
        pairable = answered & (r >= 2)
        others = (wide[:, pairable] >= 0).any(axis=1)
        point = {stat: number(value) for stat, value in _annotator_stats(total, k, a, spec).items()}
        row = pairwise.iloc[a].drop(pairwise.index[a])
        cohen = float(row.mean()) if row.notna().any() else NAN
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
        alpha_wo = NAN if single else number(co.statistics_from_sums(sums_wo, spec)["krippendorff_alpha"])
        if single:
            for stat in ("fleiss_kappa", "krippendorff_alpha", "gwet_ac1"):
                point[stat] = NAN
            cohen = NAN
        ci: dict[str, Interval] = {}
        if rep is not None:
            for stat, values in _annotator_stats(rep, k, a, spec).items():
                if not np.isnan(point[stat]):
                    ci[stat] = Interval.of(percentile_interval(values))
        n_pairable = _n_items(enc.unit_items[pairable], enc.units_are_items)
        flags = []
        if n_pairable < few_items:
            flags.append("few_items")
        if single:
            flags.append(co.UNDEFINED_SINGLE_CATEGORY)
        block = AnnotatorBlock(
            n_items=_n_items(enc.unit_items[answered], enc.units_are_items),
            n_annotators=int(others.sum()),
            n_annotations=_n_items(enc.item_codes[enc.annotator_codes == a], enc.units_are_items),
            n_pairable_items=n_pairable,
            level=spec.level,
            # scott_pi is a two-annotator statistic: see pairwise_kappa for pairs
            stats=Statistics(**point, cohen_kappa_mean=cohen, scott_pi=NAN, ci95=ci, flags=tuple(flags)),
            krippendorff_alpha_without=alpha_wo,
            alpha_gain_without=alpha_wo - overall_alpha,
            gold=gold_rows.annotator_block(a) if gold_rows is not None else None,
        )
        out[str(name)] = block
    return out


ONE_PASS_TYPES = ("single_label", "rating", "pairwise")
"""Task types whose units are the items, so `alpha_by_rule` needs one encoding of the whole round."""


def alpha_by_rule(
    responses: pd.DataFrame, task: Any, item_rules: pd.DataFrame, rule_ids: Sequence[str]
) -> pd.DataFrame:
    """Each annotator's Krippendorff's alpha with the others, per rule, from one encoding of the round.

    The same figures as running `calibration.agreement.breakdown.agreement_report` on each rule's
    answers and reading its ``per_annotator`` alpha: the round is encoded once and each rule's
    figures come from its units' sufficient statistics (its own marginals, so its own expected
    disagreement and, for ordinal data, its own distances). For the task types in `ONE_PASS_TYPES`;
    other types (their units are tokens, labels or boxes) get the engine once per rule.

    Args:
        responses: canonical responses (item_id, annotator_id, answer).
        task: the guideline task.
        item_rules: item-to-rule table (item_id, rule_id).
        rule_ids: the rules (columns of the result, in this order).

    Returns:
        Annotator (index, the annotators who answered an item of some rule) x rule (columns); NaN
        where the annotator answered none of the rule's items or alpha is undefined there.
    """
    from calibration.agreement.breakdown import _setup  # breakdown imports this module

    columns: dict[str, pd.Series] = {}
    if task.type not in ONE_PASS_TYPES:
        return _alpha_by_rule_per_run(responses, task, item_rules, rule_ids)
    try:
        setup = _setup(responses, task, None)
    except CalibrationError:
        return _alpha_by_rule_per_run(responses, task, item_rules, rule_ids)
    enc = setup.enc
    counts = enc.counts()
    stats, spec = co.item_statistics(counts, setup.level, setup.ac2_weights, setup.values)  # type: ignore[arg-type]
    wide = enc.wide()
    k = stats.shape[1]
    names = [str(name) for name in enc.annotators]
    rule_of = item_rules[RULE].astype(str)
    for rule_id in rule_ids:
        items = item_rules.loc[rule_of == str(rule_id), ITEM]
        units = np.flatnonzero(enc.items.isin(set(items)))
        if not len(units):
            continue
        part_counts, part_wide, part_stats = counts[units], wide[:, units], stats[units]
        ann = annotator_columns(part_counts, part_wide, part_stats, spec)
        total = np.hstack([part_stats, ann]).sum(axis=0)
        single = co.is_single_category(part_counts)
        values = {}
        for a in np.flatnonzero((part_wide >= 0).any(axis=1)):
            values[names[a]] = (
                NAN if single else number(_annotator_stats(total, k, int(a), spec)["krippendorff_alpha"])
            )
        columns[str(rule_id)] = pd.Series(values, dtype=float)
    return pd.DataFrame(columns).reindex(columns=list(rule_ids)).astype(float)


def _alpha_by_rule_per_run(
    responses: pd.DataFrame, task: Any, item_rules: pd.DataFrame, rule_ids: Sequence[str]
) -> pd.DataFrame:
    """`alpha_by_rule` by running the engine on each rule's answers (structured and box tasks)."""
    from calibration.agreement.breakdown import agreement_report

    columns = {}
    rule_of = item_rules[RULE].astype(str)
    for rule_id in rule_ids:
        items = item_rules.loc[rule_of == str(rule_id), ITEM]
        part = responses[responses[ITEM].isin(set(items))]
        if part.empty:
            continue
        try:
            blocks = agreement_report(part, task, bootstrap=0).per_annotator
        except CalibrationError:
            continue
        columns[str(rule_id)] = pd.Series(
            {a: b.stats.krippendorff_alpha for a, b in blocks.items()},
            dtype=float,
        )
    return pd.DataFrame(columns).reindex(columns=list(rule_ids)).astype(float)
