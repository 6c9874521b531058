"""The revision queue: rules ranked by an explained ambiguity score, with flags, figures, worst items and advice.

Each rule's score is the evidence that it stands apart from the pilot's other rules, in standard
errors: how far its per-item agreement falls below the other rules' items (`agreement`, a Welch z),
plus how far its annotators' own signals stand out (confidence, "unclear" flags, time: each a Welch z,
`SEPARATED`), plus fixed points per other fired flag (`POINTS`); the parts are kept so the score is
explained. Comparing a rule with the same annotators on the other rules is what keeps a careless or
strict annotator, or a hard pilot, from making every rule look ambiguous. Flags that are not verdicts
(`few_items`, `skewed_prevalence`, `low_agreement`) carry no points: a rule whose kappa is low only
because one label dominates is not ranked as ambiguous on that ground (the kappa paradox,
Feinstein & Cicchetti 1990), and a rule with too few items gets no verdict.

The agreement figures come from the agreement engine (`calibration.agreement.breakdown`); this
module computes no coefficient itself.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from calibration.agreement.breakdown import (
    agreement_report,
    annotations_report,
    confused_pairs,
    item_agreement,
)
from calibration.agreement.results import (
    AgreementReport,
    AnyAnnotatorBlock,
    AnyBlock,
    Block,
    BoxBlock,
    Statistics,
)
from calibration.ambiguity import signals
from calibration.ambiguity.signals import (
    Evidence,
    RuleAgreement,
    SignalCode,
    answer_distribution,
    answer_key,
)
from calibration.ambiguity.structure import (
    Structure,
    disagreement_structure,
    dissent_elsewhere,
    dissent_shares,
)
from calibration.errors import CalibrationError
from calibration.guidelines.lint import warnings_by_rule
from calibration.responses import (
    ANNOTATOR,
    ANSWER,
    COMMENT,
    ITEM,
    RULE,
    Annotations,
    items_of_rule,
)
from calibration.wording import counted

STATISTIC = "krippendorff_alpha"  # the chance-corrected coefficient judged against the target

# Points per fired flag; `low_agreement` gets LOW_AGREEMENT_SCALE more points times gap / target.
POINTS: dict[str, float] = {
    "low_agreement": 0.0,  # a verdict against the target; the ranking evidence is the `agreement` separation
    "likely_ambiguous": 3.0,
    "split_items": 2.0,
    "good_annotators_fail": 2.0,
    "confused_labels": 1.5,
    "gold_suspect": 0.0,
    "flagged_unclear": 1.0,
    "low_confidence": 1.0,
    "overlapping_rules": 1.0,
    "contradictory_examples": 1.0,
    "long_time": 0.5,
    "vague_wording": 0.5,
    "missing_edge_cases": 0.5,
    "skewed_prevalence": 0.0,
    "few_items": 0.0,
    "careless_annotator": 0.0,
    "model_error_pattern": 1.0,  # only from a model triage given to `revision_queue` (model_signals)
    "suspect_items": 0.0,  # only from an item model given to `revision_queue` (item_suspects); about items
    "localization_disagreement": 2.0,  # boxes only
    "coverage_disagreement": 2.0,  # boxes only
    "box_label_confusion": 1.5,  # boxes only
}
LOW_AGREEMENT_SCALE = 3.0  # kept for callers; `low_agreement` no longer adds points (see `score_parts`)
# score parts in standard errors: the rule's per-item agreement and its annotators' signals against the
# other rules' (Welch z, signed: a rule its annotators find easier than the others counts against it)
# the structure of the rule's disagreement (`calibration.ambiguity.structure`): concentrated on some items,
# consistent within annotators, each a z against independent slips (categorical answers only)
# and leaning to one side per annotator (`answer_direction`: a vague boundary's own thresholds; the part
# that tells a vague boundary, and a hard but clear rule's random slips, apart: bench/queue_quality.py)
STRUCTURE = ("item_concentration", "annotator_consistency", "answer_direction")
SEPARATED = ("agreement", *STRUCTURE, "low_confidence", "flagged_unclear", "long_time")
WEIGHTED = ("low_confidence", "flagged_unclear", "long_time")  # the annotators' own signals among them
SEPARATION_RANGE = (-3.0, 6.0)  # each separation is clipped to this range: no single signal decides alone
REVISE_SCORE = 2.0  # a rule with enough items and this much evidence (standard errors) goes to "revise"
# ... provided one piece of it stands on its own (`evidence_parts`): a fired flag with points, or a
# separation of at least this many standard errors. Summed, six separations of independent noise spread
# by sqrt(6) ~ 2.4 standard errors, so a sum of 2 made only of small parts is no evidence (the demo
# pilot's R-INDEM reached 2.4 from parts of at most 1.5 and was ranked first with no advice).
EVIDENCE_Z = signals.SEPARATION_Z
LIKELY_SCORE = 1.0  # a few-item rule with this much evidence is "likely ambiguous, pilot N more items"
# a few-item rule's `agreement` part is its raw gap in per-item agreement times this (a Welch z whose
# standard error comes from 4-9 items is mostly that error's own noise), and its structure parts do not
# count towards `LIKELY_SCORE` (with so few items they fire on clear rules): bench/queue_quality.py
FEW_GAP_SCALE = 30.0
BOX_SIGNALS = ("localization_disagreement", "coverage_disagreement", "box_label_confusion")
CARELESS_GAP = 0.07  # an annotator this far below the others' median agreement is set aside (>= 4 annotators)
# rank order of the groups: the rules with evidence first (to revise, then the few-item rules that look
# ambiguous, whose verdict is to pilot more items before any rewrite), then the rules nothing points at
# (judged on enough items, then too few items for any verdict). Ranked above the rules to revise, few-item
# clear rules whose 4-9 items agreed less by chance took a place among the top k from a measured
# ambiguous rule (in `silent` half the queue's misses; bench/queue_quality.py, docs/ambiguity.md); ranked
# below "no action", a flagged rule sat under rules without any evidence.
GROUPS = ("revise", "likely_ambiguous", "no_action", "pilot_more_items")
GROUP_NAMES = {
    "revise": "revise",
    "likely_ambiguous": "likely ambiguous (few items)",
    "no_action": "no action",
    "pilot_more_items": "pilot more items",
}
"""How the queue's groups read in a table, in words (their place in the ranking is `GROUPS`' order: a
table of the queue keeps its rank column for sorting)."""


@dataclass(frozen=True)
class QueueEntry:
    """One rule in the revision queue.

    Attributes:
        rule_id, title: the rule.
        rank: 1 = revise first.
        score: sum of `score_parts`.
        score_parts: points per fired flag.
        flags: codes of the fired signals (see `calibration.ambiguity.signals.SignalCode`).
        evidence: every signal computed for the rule, fired or not.
        agreement: the rule's agreement figures.
        worst_items: the rule's items with most disagreement (dicts: item_id, disagreement, distribution,
            gold, majority, comments).
        suggestion: what to do, in plain words.
        group: ``revise`` (enough items, and a score of `REVISE_SCORE`, or AC1 confidently below the target
            when there are no other rules to compare with),
            ``no_action`` (not enough evidence against the rule), ``likely_ambiguous`` (too few items,
            but what there is points at ambiguity: pilot more) or ``pilot_more_items`` (too few items
            for any verdict); ranked in that order (`GROUPS`).
    """

    rule_id: str
    title: str
    rank: int
    score: float
    score_parts: Mapping[str, float]
    flags: tuple[SignalCode, ...]
    evidence: tuple[Evidence, ...]
    agreement: RuleAgreement
    worst_items: tuple[Mapping[str, Any], ...]
    suggestion: str
    group: str = "revise"

    @property
    def candidate_items(self) -> list[str]:
        """Items an author may turn into an edge case: the gold suspects, then the worst items."""
        suspects = [
            i
            for e in self.evidence
            if e.code in ("gold_suspect", "suspect_items") and e.fired
            for i in e.items
        ]
        return list(dict.fromkeys([*suspects, *(str(w["item_id"]) for w in self.worst_items)]))

    def signal(self, code: SignalCode) -> Evidence | None:
        """The evidence of one signal, or None when it was not computed."""
        return next((e for e in self.evidence if e.code == code), None)

    def to_dict(self) -> dict[str, Any]:
        """``{"rule_id", "rank", "score", "flags", "evidence", "suggestion"}`` as `calibration ambiguity --json`.

        ``evidence`` holds ``title``, ``agreement`` (the figures), ``score_parts``, ``signals`` (the fired
        signals' evidence) and ``worst_items``.
        """
        agreement = self.agreement
        return {
            "rule_id": self.rule_id,
            "rank": self.rank,
            "score": round(self.score, 3),
            "flags": list(self.flags),
            "evidence": {
                "title": self.title,
                "agreement": signals._plain(
                    {
                        "statistic": agreement.statistic,
                        "estimate": agreement.estimate,
                        "ci95": [agreement.ci_low, agreement.ci_high],
                        "percent_agreement": agreement.percent,
                        "gwet_ac1": agreement.ac1 if agreement.judge == "AC1" else None,
                        "n_items": agreement.n_items,
                    }
                ),
                "score_parts": {k: round(v, 3) for k, v in self.score_parts.items()},
                "signals": [e.to_dict() for e in self.evidence if e.fired],
                "worst_items": [signals._plain(dict(item)) for item in self.worst_items],
            },
            "suggestion": self.suggestion,
        }


@dataclass(frozen=True)
class RevisionQueue:
    """The ranked rules and the item-level findings of a pilot.

    Attributes:
        rules: entries, rank 1 first.
        items: the hardest items, indexed by item_id (columns rule_ids, disagreement, certainty,
            distribution, gold, majority, gold_suspect, comments), hardest first.
        gold_suspects: items whose annotators agree against gold (see `signals.gold_suspects`).
        target: the agreement target used.
    """

    rules: tuple[QueueEntry, ...]
    items: pd.DataFrame
    gold_suspects: pd.DataFrame
    target: float
    meta: Mapping[str, Any] = field(default_factory=dict)

    def entry(self, rule_id: str) -> QueueEntry:
        """The queue entry of `rule_id`.

        Raises:
            NotFoundError: the rule is not in the queue.
        """
        return signals.rule_entry(
            self.rules, rule_id, missing="is not in the revision queue", listed="rules in the queue"
        )

    def table(self) -> pd.DataFrame:
        """One row per rule in rank order (index rule_id): rank, group (rules are ranked by group, then by
        score within it), title, score, statistic, estimate, ci_low, ci_high, flags (comma-separated
        codes), suggestion."""
        rows = [
            {
                RULE: e.rule_id,
                "rank": e.rank,
                "group": GROUP_NAMES[e.group],
                "title": e.title,
                "score": round(e.score, 2),
                "statistic": e.agreement.statistic,
                "estimate": e.agreement.estimate,
                "ci_low": e.agreement.ci_low,
                "ci_high": e.agreement.ci_high,
                "flags": ", ".join(e.flags),
                "suggestion": e.suggestion,
            }
            for e in self.rules
        ]
        columns = [
            RULE,
            "rank",
            "group",
            "title",
            "score",
            "statistic",
            "estimate",
            "ci_low",
            "ci_high",
            "flags",
        ]
        return pd.DataFrame(rows, columns=[*columns, "suggestion"]).set_index(RULE)

    def to_dict(self) -> dict[str, Any]:
        """``{"rules": [...], "items": [...]}``, the JSON of `calibration ambiguity --json`."""
        items = []
        for item_id, row in self.items.iterrows():
            items.append(signals._plain({"item_id": str(item_id), **row.to_dict()}))
        return {"rules": [entry.to_dict() for entry in self.rules], "items": items}


# --------------------------------------------------------------------------- engine adapters


def rule_agreement(block: AnyBlock | None, statistic: str = STATISTIC) -> RuleAgreement:
    """A rule's `RuleAgreement` from the engine's per-rule block (None: the rule has no answered item).

    A boxes block has no AC1: its box alpha is judged instead (``judge`` ``box alpha``), and
    ``percent`` is the rule's match F1.
    """
    if block is None:
        block = _NO_BLOCK
    boxes = isinstance(block, BoxBlock)
    judged = statistic if boxes else "gwet_ac1"
    interval, judged_interval = block.stats.interval(statistic), block.stats.interval(judged)
    return RuleAgreement(
        statistic=statistic,
        estimate=block.value(statistic),
        ci_low=interval.low,
        ci_high=interval.high,
        percent=block.value("match_f1" if boxes else "percent_agreement"),
        ac1=block.value(judged),
        n_items=block.n_pairable_items or 0,
        flags=block.flags,
        ac1_low=judged_interval.low,
        ac1_high=judged_interval.high,
        judge="box alpha" if boxes else "AC1",
    )


_NO_BLOCK = Block(
    n_items=0, n_annotators=0, n_annotations=0, n_pairable_items=0, level="", stats=Statistics()
)
"""The block of a rule without answers: every figure NaN, no flag."""


def agreement_blocks(
    pilot: Annotations, *, report: AgreementReport | None = None, bootstrap: int = 1000, seed: int = 0
) -> dict[str, AnyBlock]:
    """The engine's per-rule statistic blocks by rule id (computed unless `report` is given)."""
    if report is None:
        report = annotations_report(pilot, bootstrap=bootstrap, seed=seed)
    return dict(report.per_rule)


def item_disagreement(pilot: Annotations) -> pd.DataFrame:
    """Per item: disagreement = share of disagreeing answer pairs, and the answers' entropy (from the engine).

    For boxes, disagreement is the image's observed box disagreement (`calibration.agreement.boxes`:
    distance 1 - IoU over matched boxes, 1 for a box no other annotator drew) and entropy is NaN.

    Returns:
        DataFrame indexed by item_id with columns ``disagreement`` and ``entropy`` (bits).
    """
    if pilot.task.type == "boxes":
        # lazy: agreement.boxes loads scipy.optimize (~0.4 s); only boxes tasks need it
        from calibration.agreement.boxes import box_item_disagreement

        boxes = box_item_disagreement(pilot.responses, pilot.task)
        return pd.DataFrame(
            {"disagreement": boxes["disagreement"].astype(float), "entropy": np.nan},
            index=boxes.index.astype(str),
        )

    found = item_agreement(pilot.responses, pilot.task)
    return pd.DataFrame(
        {
            "disagreement": 1.0 - found["pairwise_agreement"].astype(float),
            "entropy": found["entropy"].astype(float),
        },
        index=found.index.astype(str),
    )


def item_certainty(pilot: Annotations) -> pd.Series:
    """Per item: the Dawid-Skene posterior probability of its most likely answer (Dawid & Skene 1979).

    Returns:
        Series indexed by item_id.

    Raises:
        DataError: the task has structured answers (multi-label, spans, rankings).
    """
    # lazy: Dawid-Skene loads scipy.sparse; only the certainty signal needs it
    from calibration.agreement.dawid_skene import fit_dawid_skene

    # gold is not passed: it would fix gold items at certainty 1 and hide the items annotators find hard
    model = fit_dawid_skene(pilot.responses, pilot.task)
    certainty = model.probability_.rename("certainty")
    certainty.index = certainty.index.astype(str)
    return certainty


def pair_counts_by_rule(pilot: Annotations) -> dict[str, dict[tuple[Any, Any], float]]:
    """Disagreeing answer pairs per rule and unordered label pair, from the engine's `confused_pairs`."""
    if pilot.task.type == "boxes":  # label confusion on matched boxes is `signals.box_label_confusion`
        return {}

    found = confused_pairs(pilot.responses, pilot.task, pilot.item_rules)
    out: dict[str, dict[tuple[Any, Any], float]] = {}
    for rule_id, a, b, count in zip(
        found[RULE], found["label_a"], found["label_b"], found["count"], strict=True
    ):
        out.setdefault(str(rule_id), {})[(a, b)] = float(count)
    return out


# --------------------------------------------------------------------------- per rule


def rule_evidence(
    pilot: Annotations,
    rule_id: str,
    stats: RuleAgreement,
    *,
    pair_counts: Mapping[tuple[Any, Any], float] | None = None,
    lint_warnings: list[Any] | None = None,
    min_items: int = signals.MIN_ITEMS,
    pooled_ac1: float = float("nan"),
    expected_disagreement: float = float("nan"),
    responses: pd.DataFrame | None = None,
    box_items: pd.DataFrame | None = None,
    box_confusion: pd.DataFrame | None = None,
) -> list[Evidence]:
    """Every signal of one rule, in a fixed order (fired or not).

    Args:
        pilot: the pilot; rule_id: the rule; stats: its agreement figures (`rule_agreement`).
        pair_counts: its disagreeing label pairs (`pair_counts_by_rule`); lint_warnings: its lint warnings.
        min_items: items below which no verdict is given.
        pooled_ac1: AC1 of the other rules (the prior a few-item rule is shrunk towards).
        expected_disagreement: raw disagreement of the same annotators on the other rules.
        responses: the answers the agreement signals judge (default the pilot's; the queue passes them
            without the annotators it set aside as careless).
        box_items: for boxes, the per-image table of `calibration.agreement.boxes.box_item_disagreement`
            (computed from `responses` when None); box_confusion: the rule's label table of matched boxes.

    Boxes tasks get the box signals (`signals.localization_disagreement`, `coverage_disagreement`,
    `box_label_confusion`) instead of the signals about categorical answers (skew, split items, gold,
    confused labels).
    """
    judged = pilot.responses if responses is None else responses
    mine = signals.rule_responses(pilot.responses, pilot.item_rules, rule_id)
    mine_judged = signals.rule_responses(judged, pilot.item_rules, rule_id)
    target = pilot.target
    few = signals.few_items(stats.n_items, minimum=min_items)
    if pilot.task.type == "boxes":
        return _box_evidence(
            pilot,
            rule_id,
            stats,
            mine,
            judged,
            few,
            box_items,
            box_confusion,
            lint_warnings,
            pooled_ac1,
            min_items,
        )
    skew = signals.skewed_prevalence(stats, mine_judged[ANSWER], target=target)
    found = [
        signals.low_agreement(stats, target=target, skewed=skew.fired, few=few.fired),
        skew,
        few,
        signals.likely_ambiguous(
            stats, target=target, pooled_ac1=pooled_ac1, few=few.fired, minimum=min_items
        ),
    ]
    if pilot.task.type in ("single_label", "rating"):
        found.append(signals.split_items(mine_judged))
    if len(pilot.gold):
        found.append(signals.good_annotators_fail(pilot.responses, pilot.item_rules, pilot.gold, rule_id))
        found.append(
            signals.gold_suspect(pilot.responses, pilot.gold, items_of_rule(pilot.item_rules, rule_id))
        )
    found.append(
        signals.confused_labels(
            pair_counts or {},
            percent_agreement=stats.percent,
            target=target,
            expected_disagreement=expected_disagreement,
            # the excess must clear the rule's own sampling noise (half its AC1 interval), not only 0.05
            margin=max(0.05, _half_width(stats)),
        )
    )
    found.append(signals.low_confidence(mine, pilot.responses))
    found.append(signals.flagged_unclear(mine, pilot.responses))
    found.append(signals.long_time(mine, pilot.responses))
    found.append(signals.overlapping_rules(mine, pilot.item_rules, rule_id))
    found += signals.lint_signals(lint_warnings or [])
    return found


def _box_evidence(
    pilot: Annotations,
    rule_id: str,
    stats: RuleAgreement,
    mine: pd.DataFrame,
    judged: pd.DataFrame,
    few: Evidence,
    box_items: pd.DataFrame | None,
    box_confusion: pd.DataFrame | None,
    lint_warnings: list[Any] | None,
    pooled_ac1: float,
    min_items: int,
) -> list[Evidence]:
    """The signals of a boxes rule: box alpha against the target, localization, coverage, labels, people's."""
    # lazy: agreement.boxes loads scipy.optimize (~0.4 s); only boxes tasks need it
    from calibration.agreement.boxes import box_item_disagreement

    target = pilot.target
    if box_items is None:
        box_items = box_item_disagreement(judged, pilot.task)
    ids = [i for i in items_of_rule(pilot.item_rules, rule_id) if i in box_items.index]
    items = box_items.loc[ids]
    found = [
        signals.low_agreement(stats, target=target, few=few.fired),
        few,
        signals.likely_ambiguous(
            stats, target=target, pooled_ac1=pooled_ac1, few=few.fired, minimum=min_items
        ),
        signals.localization_disagreement(items),
        signals.coverage_disagreement(items),
        signals.box_label_confusion(items, box_confusion),
        signals.low_confidence(mine, pilot.responses),
        signals.flagged_unclear(mine, pilot.responses),
        signals.long_time(mine, pilot.responses),
        signals.overlapping_rules(mine, pilot.item_rules, rule_id),
    ]
    return found + signals.lint_signals(lint_warnings or [])


def _half_width(stats: RuleAgreement) -> float:
    width = (stats.ac1_high - stats.ac1_low) / 2
    return 0.0 if np.isnan(width) else float(width)


def score_parts(
    evidence: list[Evidence],
    stats: RuleAgreement,
    target: float,
    *,
    agreement_z: float = float("nan"),
    structure: Structure | None = None,
) -> dict[str, float]:
    """The score's parts: separations in standard errors (`SEPARATED`), then points per fired flag (`POINTS`).

    ``agreement`` is `agreement_z`, how far the rule's per-item agreement falls below the other rules'
    (`agreement_separation`); the annotators' own signals (`WEIGHTED`: confidence, unclear flags, time)
    count by their ``separation`` figure, fired or not, signed (a rule annotators find easier than the
    others counts against ambiguity); each is clipped to `SEPARATION_RANGE`. They weigh in proportion to
    how far the rule stands apart, and are on one scale: standard errors. Other fired flags add their
    `POINTS`. `stats` and `target` are kept for callers; AC1's gap to the target is the `low_agreement`
    verdict, not a part of the ranking (the gap of a whole pilot below the target says nothing about which
    rule to rewrite first).
    """
    low, high = SEPARATION_RANGE
    parts: dict[str, float] = {}
    if not np.isnan(agreement_z):
        parts["agreement"] = float(min(high, max(low, agreement_z)))
    if structure is not None:
        zs = (structure.items, structure.annotators, structure.direction)
        for code, z in zip(STRUCTURE, zs, strict=True):
            if not np.isnan(z):
                parts[code] = float(min(high, max(low, z)))
    for item in evidence:
        if item.code in WEIGHTED:
            z = float(item.figures.get("separation", np.nan))
            if not np.isnan(z):
                parts[item.code] = float(min(high, max(low, z)))
            continue
        if not item.fired or not POINTS.get(item.code):
            continue
        parts[item.code] = POINTS[item.code]
    return parts


SEPARATION_NAMES = {
    "agreement": "agreement",
    "item_concentration": "disagreement on some items",
    "annotator_consistency": "annotator-consistent disagreement",
    "answer_direction": "one-sided dissent per annotator",
    "low_confidence": "confidence",
    "flagged_unclear": "unclear flags",
    "long_time": "time",
}


def separation_text(parts: Mapping[str, float]) -> str:
    """The score's separations in words, e.g. ``"Stands apart from the other rules by (standard errors):
    agreement +2.3, confidence +1.1, unclear flags -0.2, time +0.4"``."""
    found = [
        f"{SEPARATION_NAMES[code]} {signals.number_text(parts[code], 1, sign=True)}"
        for code in SEPARATED
        if code in parts
    ]
    if not found:
        return "Not compared with other rules (nothing to compare with)."
    return "Stands apart from the other rules by (standard errors): " + ", ".join(found)


def points_text(code: str, points: float) -> str:
    """What a fired flag adds to the rule's score, in words.

    The annotators' own signals (confidence, unclear flags, time) add their separation from the other
    rules in standard errors, and fire on their level alone too: a mean confidence of 2 of 5 on every
    rule fires `low_confidence` (at or below 3) with no separation, which read "(+0.0)" as if a
    difference had been measured. Such a flag says so, as does a flag worth no points (`few_items`
    decides the rule's group, not its score).

    >>> points_text("no_edge_cases", 0.5), points_text("long_time", 1.26), points_text("few_items", 0.0)
    ('+0.5', '+1.3 standard errors from the other rules', 'adds nothing to the score')
    >>> points_text("low_confidence", 0.04)
    'no different from the other rules (under 0.05 standard errors): fired by its level alone'
    """
    if code not in WEIGHTED:  # fixed points; few_items has none (it sets the group, not the score)
        return f"{points:+.1f}" if abs(points) >= 0.05 else "adds nothing to the score"
    if abs(points) < 0.05:
        return "no different from the other rules (under 0.05 standard errors): fired by its level alone"
    return f"{points:+.1f} standard errors from the other rules"


def agreement_separation(item_agreement: pd.Series, rule_items: list[str]) -> float:
    """How many standard errors the rule's per-item agreement falls below the other rules' items (Welch).

    `item_agreement` is the share of agreeing answer pairs per item (items with two or more answers),
    indexed by item_id. Items are the units, as in `signals.separation`; positive when the rule's items
    agree less than the rest of the pilot's. NaN with fewer than two items on a side.
    """
    values = item_agreement.dropna()
    mine = values.index.isin(rule_items)
    return signals.separation(values[mine], values[~mine])


def agreement_gap(item_agreement: pd.Series, rule_items: list[str]) -> float:
    """How far the rule's mean per-item agreement falls below the other rules' items (raw, not a z).

    Positive when the rule's items agree less; NaN with fewer than two items on a side.
    """
    values = item_agreement.dropna()
    mine = values.index.isin(rule_items)
    if mine.sum() < 2 or (~mine).sum() < 2:
        return float("nan")
    return float(values[~mine].mean() - values[mine].mean())


def _comments_of(frame: pd.DataFrame, limit: int = 3) -> list[str]:
    if COMMENT not in frame:
        return []
    texts = [str(c).strip() for c in frame[COMMENT] if isinstance(c, str) and c.strip()]
    return list(dict.fromkeys(texts))[:limit]


def describe_item(
    pilot: Annotations, item_id: str, disagreement: float, certainty: float | None
) -> dict[str, Any]:
    """One item as the queue shows it: answer distribution, gold, majority, comments, disagreement, certainty."""
    answers = pilot.responses[pilot.responses[ITEM] == item_id]
    distribution = answer_distribution(answers[ANSWER])
    gold = pilot.gold.get(item_id) if len(pilot.gold) else None
    return {
        "item_id": item_id,
        "rule_ids": pilot.item_rules.loc[pilot.item_rules[ITEM] == item_id, RULE].tolist(),
        "disagreement": disagreement,
        "certainty": certainty,
        "distribution": distribution,
        "majority": next(iter(distribution), None),
        "gold": None if gold is None else answer_key(gold),
        "comments": _comments_of(answers),
    }


def _hardest_first(
    disagreement: pd.DataFrame, certainty: pd.Series, ids: list[str] | None = None
) -> pd.DataFrame:
    frame = disagreement if ids is None else disagreement.reindex([i for i in ids if i in disagreement.index])
    frame = frame.assign(certainty=certainty.reindex(frame.index).to_numpy(dtype=float))
    frame = frame[frame["disagreement"] > 0]
    return frame.sort_values(
        ["disagreement", "certainty", "entropy"], ascending=[False, True, False], na_position="last"
    )


def worst_items(
    pilot: Annotations, rule_id: str, disagreement: pd.DataFrame, certainty: pd.Series, n: int = 3
) -> list[dict[str, Any]]:
    """The rule's `n` items with most disagreement (ties: lowest Dawid-Skene certainty first)."""
    frame = _hardest_first(disagreement, certainty, items_of_rule(pilot.item_rules, rule_id))
    return [
        describe_item(
            pilot,
            str(item),
            float(row["disagreement"]),
            None if np.isnan(row["certainty"]) else float(row["certainty"]),
        )
        for item, row in frame.head(n).iterrows()
    ]


# --------------------------------------------------------------------------- advice


EVIDENCE_WORDS = {
    "agreement": "its items agree less than the other rules' items",
    "item_concentration": "its disagreement falls on some items while the others are unanimous",
    "annotator_consistency": "the same annotators disagree with each other item after item, as with two readings",
    "answer_direction": "each annotator's dissent falls on one side of a boundary, as with their own threshold",
    "low_confidence": "annotators are less confident on it than on the other rules",
    "flagged_unclear": "annotators flag it unclear more often than the other rules",
    "long_time": "annotators take longer on it than on the other rules",
}
"""A separation part that reached `EVIDENCE_Z`, in words (the z follows in standard errors)."""


def evidence_parts(parts: Mapping[str, float]) -> dict[str, float]:
    """The parts of a score that are evidence on their own: a separation (`SEPARATED`) of at least
    `EVIDENCE_Z` standard errors, or the points of a fired flag (whose evidence line says why).

    A rule goes to "revise" only with one of them: its advice then names them (`suggest_action`).
    """
    return {
        code: value
        for code, value in parts.items()
        if (signals.at_least(value, EVIDENCE_Z) if code in SEPARATED else value > 0)
    }


def evidence_text(parts: Mapping[str, float]) -> str:
    """The separations that are evidence on their own, in words; empty when there is none.

    e.g. ``"Why revise: its items agree less than the other rules' items (+3.1 standard errors)."``
    """
    found = [
        f"{EVIDENCE_WORDS[code]} ({signals.number_text(value, 1, sign=True)} standard errors)"
        for code, value in evidence_parts(parts).items()
        if code in SEPARATED
    ]
    return f"Why revise: {'; '.join(found)}." if found else ""


def suggest_action(
    entry_evidence: list[Evidence],
    stats: RuleAgreement,
    parts: Mapping[str, float] | None = None,
    rule_id: str = "the rule",
) -> str:
    """What the author should do, in plain words, from the fired signals (most telling first).

    `parts`: the score parts of a rule in the "revise" group; its separations that are evidence on their
    own (`evidence_parts`) are named after the action, so the advice says what put the rule there. `rule_id` names
    the rule in the "pilot more items" advice (which answers: does the rule reach the target?).
    """
    fired = {e.code: e for e in entry_evidence if e.fired}
    advice: list[str] = []
    if "coverage_disagreement" in fired:
        advice.append(
            "Annotators box different objects here: state which objects the rule includes and which it leaves "
            "out (occluded, tiny, reflected, grouped), with an edge case drawn from the worst images."
        )
    if "localization_disagreement" in fired:
        advice.append(
            "Annotators draw the same objects' boxes differently: say where the edges go (visible pixels only "
            "or the whole object, what to do with occluded parts), with an example image."
        )
    if "box_label_confusion" in fired:
        pair = fired["box_label_confusion"].figures.get("pair") or []
        which = f" {pair[0]} and {pair[1]}" if len(pair) == 2 else ""
        advice.append(
            f"Annotators give the same boxes different labels: add an edge case telling{which} apart."
        )
    if "confused_labels" in fired:
        first, second = fired["confused_labels"].figures["pair"]
        if "low_agreement" in fired and not np.isnan(stats.percent) and stats.percent < 0.65:
            advice.append(
                f"Annotators cannot tell {first} from {second} here: add an edge case for the {first}-vs-{second} "
                f"boundary that states the deciding test, or merge the two labels if the difference does not "
                "matter downstream."
            )
        else:
            advice.append(f"Add an edge case for the {first}-vs-{second} boundary.")
    if "overlapping_rules" in fired:
        others = list(fired["overlapping_rules"].figures.get("cited_instead", {}))[:2]
        advice.append(
            f"Annotators cite {' and '.join(others)} for these items: say when that rule applies instead, "
            "or merge the overlapping rules."
        )
    if "split_items" in fired and "confused_labels" not in fired:
        advice.append(
            "Annotators split on some items while agreeing on others: find what the split items share and "
            "state the rule's answer for it (an edge case), or split the rule."
        )
    elif (
        "low_agreement" in fired
        and "confused_labels" not in fired
        and "overlapping_rules" not in fired
        and not any(code in fired for code in BOX_SIGNALS)
    ):
        advice.append(
            "Disagreement is spread over several answers: split the rule into narrower rules, each with its own "
            "examples."
        )
    if "good_annotators_fail" in fired and not advice:
        advice.append(
            "Annotators who are accurate elsewhere miss gold here: rewrite the rule around its worst items."
        )
    if "gold_suspect" in fired:
        for suspect in fired["gold_suspect"].figures.get("suspects", [])[:2]:
            advice.append(
                f"Review the gold answer of item {suspect['item_id']}: gold says {suspect['gold']} but "
                f"{suspect['share']:.0%} of annotators answered {suspect['majority']}."
            )
    if "suspect_items" in fired:
        items = [s["item_id"] for s in fired["suspect_items"].figures.get("suspects", [])[:3]]
        advice.append(
            f"Review quiz item(s) {', '.join(items)}: strong annotators miss them as often as weak ones; "
            "fix the gold answer, or rewrite or drop an ambiguous item."
        )
    if "contradictory_examples" in fired:
        advice.append("Fix or explain the examples whose inputs are near-identical but whose answers differ.")
    if "vague_wording" in fired:
        advice.append("Replace the vague wording with a concrete test.")
    if ("flagged_unclear" in fired or "low_confidence" in fired) and not advice:
        comments = fired.get("flagged_unclear", fired.get("low_confidence")).comments  # type: ignore[union-attr]
        quote = f' (for example: "{comments[0]}")' if comments else ""
        advice.append(f"Annotators find the rule unclear{quote}: clarify the text where they hesitate.")
    if "missing_edge_cases" in fired and not advice:
        advice.append("Add edge cases to the rule.")
    if "likely_ambiguous" in fired:
        figures = fired["likely_ambiguous"].figures
        advice.append(
            f"Likely ambiguous: agreement is low on its only {stats.n_items} items; to tell whether {rule_id} "
            f"reaches the target of {figures['target']:.2f}, pilot about {figures['pilot_more']} more items "
            "under it before rewriting it."
        )
    elif "few_items" in fired:
        advice.append(f"Pilot more items under this rule (only {stats.n_items}) before judging it.")
    if "skewed_prevalence" in fired and "low_agreement" not in fired:
        figures = fired["skewed_prevalence"].figures
        advice.append(
            f"Low kappa here is the kappa paradox, not ambiguity: {figures['dominant_answer']} dominates "
            f"({figures['dominant_share']:.0%}) and annotators agree (AC1 {stats.ac1:.2f}); add items with the "
            "rarer answers to measure them."
        )
    if parts is not None:  # the rule is in "revise": an action, then what put it there
        if not advice:
            advice.append(_separation_action(evidence_parts(parts)))
        if evidence_text(parts):
            advice.append(evidence_text(parts))
    if not advice:
        advice.append("No action needed: nothing points at this rule.")
    return " ".join(advice)


def _separation_action(found: Mapping[str, float]) -> str:
    """What to do when only separations (no flag) put a rule in "revise"."""
    if "annotator_consistency" in found:
        return (
            "Annotators seem to read the rule in two ways: find the reading each group holds on the worst "
            "items and state which one the rule means, with an edge case."
        )
    if "item_concentration" in found:
        return "Find what the items with most disagreement share and state the rule's answer for it (an edge case)."
    if "answer_direction" in found:
        return (
            "Annotators draw the line between two answers in different places: state where it lies, with "
            "an edge case on each side of it."
        )
    if found and set(found) <= {"low_confidence", "flagged_unclear", "long_time"}:
        return "Clarify the text where annotators hesitate, starting from its worst items."
    return "Rewrite the rule around its worst items, with an edge case for each."


# --------------------------------------------------------------------------- the queue


def _safe_certainty(pilot: Annotations) -> pd.Series:
    if pilot.task.type == "boxes":  # no Dawid-Skene model of box answers
        return pd.Series(dtype=float, name="certainty")
    try:
        return item_certainty(pilot)
    except CalibrationError:  # structured answers: no Dawid-Skene model, certainty left out
        return pd.Series(dtype=float, name="certainty")


def revision_queue(
    pilot: Annotations,
    *,
    report: AgreementReport | None = None,
    bootstrap: int = 1000,
    seed: int = 0,
    min_items: int = signals.MIN_ITEMS,
    n_worst: int = 3,
    n_hardest: int = 10,
    model_signals: Mapping[str, Evidence] | None = None,
    item_suspects: pd.DataFrame | None = None,
) -> RevisionQueue:
    """Rank the rules of a pilot for revision, with evidence, worst items and suggested actions.

    Args:
        pilot: the pilot's annotations (`Annotations.of` fills the item map and gold from the guideline).
        report: the engine's `AgreementReport` for these inputs, when already computed.
        bootstrap, seed: for the agreement intervals when the report is computed here.
        min_items: items per rule below which no verdict is given (`few_items`).
        n_worst: worst items shown per rule.
        n_hardest: hardest items listed at item level (gold suspects are always listed too).
        model_signals: per rule_id, a model's `signals.model_error_pattern` evidence (from a model
            triage), added to the rule's evidence; without it no score changes.
        item_suspects: the suspect quiz items of the guideline's item model
            (`calibration.adaptive.irt.suspect_items`); each rule gets `signals.suspect_quiz_items`
            evidence listing its own (no points: it is about items, not the rule's wording).

    Returns:
        A `RevisionQueue`, rank 1 first.

    Raises:
        DataError: responses the agreement engine cannot analyse.
    """
    if report is None:
        report = annotations_report(pilot, bootstrap=bootstrap, seed=seed)
    # where each answer's dissent falls (items, annotators): categorical answers only
    categorical = pilot.task.type in ("single_label", "rating")
    everyone = dissent_shares(pilot.responses) if categorical else None
    spread = dissent_spread(everyone, pilot.item_rules) if everyone is not None else None
    careless = careless_annotators(report.per_annotator, spread=spread)
    judged = pilot.responses
    if careless:
        judged = pilot.responses[~pilot.responses[ANNOTATOR].isin(careless)]
        report = _report_without(pilot, judged, bootstrap, seed)
    blocks = agreement_blocks(pilot, report=report)
    disagreement = item_disagreement(pilot)
    judged_pilot = pilot.with_responses(judged)
    judged_agreement = 1.0 - (item_disagreement(judged_pilot) if careless else disagreement)["disagreement"]
    certainty = _safe_certainty(pilot)
    pairs = pair_counts_by_rule(judged_pilot)
    lint: dict[str, list[Any]] = {}
    if pilot.guideline is not None:
        lint = warnings_by_rule(pilot.guideline)
    target = pilot.target
    stats_by_rule = {r: rule_agreement(blocks.get(r)) for r in pilot.rule_ids}
    box_items = None
    if pilot.task.type == "boxes":
        # lazy: agreement.boxes loads scipy.optimize (~0.4 s); only boxes tasks need it
        from calibration.agreement.boxes import box_item_disagreement

        box_items = box_item_disagreement(judged, pilot.task)
    confusion = report.confusion
    drafts: list[dict[str, Any]] = []
    # the same, without the careless annotators (computed again only when some were set aside)
    shares = dissent_shares(judged) if categorical and careless else everyone
    for rule_id in pilot.rule_ids:
        stats = stats_by_rule[rule_id]
        pooled_ac1, expected = _elsewhere(stats_by_rule, rule_id)
        evidence = rule_evidence(
            pilot,
            rule_id,
            stats,
            pair_counts=pairs.get(rule_id),
            lint_warnings=lint.get(rule_id),
            min_items=min_items,
            pooled_ac1=pooled_ac1,
            expected_disagreement=expected,
            responses=judged,
            box_items=box_items,
            box_confusion=confusion.get(rule_id) if box_items is not None else None,
        )
        if careless:
            evidence.append(_careless_evidence(careless))
        if model_signals and rule_id in model_signals:
            evidence.append(model_signals[rule_id])
        if item_suspects is not None:
            evidence.append(
                signals.suspect_quiz_items(item_suspects, items_of_rule(pilot.item_rules, rule_id))
            )
        rule_items = items_of_rule(pilot.item_rules, rule_id)
        agreement_z = agreement_separation(judged_agreement, rule_items)
        few = "few_items" in {e.code for e in evidence if e.fired}
        if few and not np.isnan(agreement_z):
            agreement_z = FEW_GAP_SCALE * agreement_gap(judged_agreement, rule_items)
        structure = None
        if shares is not None:
            structure = disagreement_structure(
                signals.rule_responses(judged, pilot.item_rules, rule_id),
                dissent_elsewhere(shares, rule_items),
                # by the rule's id, not its place: adding a rule leaves the others' replicates alone
                seed=(seed, zlib.crc32(str(rule_id).encode())),
            )
        parts = score_parts(evidence, stats, target, agreement_z=agreement_z, structure=structure)
        if few:
            evidence, parts = _likely_from_score(evidence, parts, stats)
        title = ""
        if pilot.guideline is not None and rule_id in pilot.guideline.rule_ids:
            title = pilot.guideline.rule(rule_id).title
        flags = tuple(e.code for e in evidence if e.fired and e.code != "careless_annotator")
        score = float(sum(parts.values()))
        group = rule_group(flags, parts, compared=not np.isnan(agreement_z))
        drafts.append(
            {
                "rule_id": rule_id,
                "title": title,
                "score": score,
                "score_parts": parts,
                "flags": flags,
                "evidence": tuple(evidence),
                "agreement": stats,
                "worst_items": tuple(worst_items(pilot, rule_id, disagreement, certainty, n_worst)),
                "suggestion": suggest_action(evidence, stats, parts if group == "revise" else None, rule_id),
                "group": group,
            }
        )
    drafts.sort(
        key=lambda d: (
            GROUPS.index(d["group"]),
            -priority(d["score"], d["score_parts"], d["agreement"], target),
            _nan_last(d["agreement"].ac1),
            _nan_last(d["agreement"].estimate),
            d["rule_id"],
        )
    )
    entries = tuple(QueueEntry(rank=i + 1, **d) for i, d in enumerate(drafts))
    # gold suspects compare whole answers: box answers almost never coincide exactly (gold boxes are scored by IoU)
    with_suspects = len(pilot.gold) and pilot.task.type != "boxes"
    suspects = signals.gold_suspects(pilot.responses, pilot.gold) if with_suspects else pd.DataFrame()
    items = hardest_items(pilot, disagreement, certainty, suspects, n_hardest)
    meta = {"n_answers": len(pilot.responses), "careless_annotators": list(careless)}
    return RevisionQueue(entries, items, suspects, target, meta)


def rule_group(flags: tuple[str, ...], parts: Mapping[str, float], *, compared: bool = True) -> str:
    """The rule's group (`GROUPS`) from its fired flags and score parts.

    A few-item rule is ``likely_ambiguous`` or ``pilot_more_items``. A rule judged on enough items goes
    to ``revise`` when its score reaches `REVISE_SCORE` and one part of it is evidence on its own
    (`evidence_parts`), so its advice can name what put it there; when it could not be compared with
    other rules (`compared` False), when AC1 is confidently below the target (``low_agreement``).
    Otherwise ``no_action``.
    """
    if "few_items" in flags:
        return "likely_ambiguous" if "likely_ambiguous" in flags else "pilot_more_items"
    score = float(sum(parts.values()))
    revise = signals.at_least(score, REVISE_SCORE) and bool(evidence_parts(parts))
    alone = not compared and "low_agreement" in flags
    return "revise" if revise or alone else "no_action"


def priority(score: float, parts: Mapping[str, float], stats: RuleAgreement, target: float) -> float:
    """The rank key within a group: the score (evidence in standard errors plus flag points).

    `parts`, `stats` and `target` are kept for callers: AC1's gap to the target no longer adds to the
    rank (the benchmark, `bench/queue_quality.py`, ranks better by how far a rule stands from the
    pilot's other rules than by how far it is from the target).
    """
    return score


def _likely_from_score(
    evidence: list[Evidence], parts: dict[str, float], stats: RuleAgreement
) -> tuple[list[Evidence], dict[str, float]]:
    """A few-item rule is also `likely_ambiguous` when its evidence reaches `LIKELY_SCORE` standard errors
    (its items agree less, or its annotators hesitate more, than on the other rules), not only when its
    shrunk AC1 is below the target. The structure parts (`STRUCTURE`) stay in the rule's score but do not
    count here: on 4-9 items they fire on clear rules by chance (bench/queue_quality.py)."""
    score = float(sum(v for k, v in parts.items() if k not in STRUCTURE))
    found = []
    for item in evidence:
        if item.code == "likely_ambiguous" and not item.fired and signals.at_least(score, LIKELY_SCORE):
            more = int(item.figures.get("pilot_more", signals.MIN_ITEMS))
            target = float(item.figures.get("target", float("nan")))
            item = Evidence(
                "likely_ambiguous",
                True,
                f"likely ambiguous: on only {counted(stats.n_items, 'item')} the rule stands {score:.1f} apart from the "
                f"other rules (its agreement gap x {FEW_GAP_SCALE:g} and the annotators' signals in standard "
                "errors); "
                f"to tell whether the rule reaches the target of {target:.2f}, pilot about {more} more items "
                "under it",
                {**item.figures, "score": score},
            )
            parts = {**parts, "likely_ambiguous": POINTS["likely_ambiguous"]}
        found.append(item)
    return found, parts


CARELESS_SPREAD = 0.5  # ... and dissents more than the others' median on at least this share of rules


def dissent_spread(shares: pd.DataFrame, item_rules: pd.DataFrame, min_items: int = 3) -> dict[str, float]:
    """Per annotator: the share of the rules (where they answered `min_items` or more items with two or
    more answers) on which their dissent rate is above the median of the other annotators' on that rule.

    `shares` is `structure.dissent_shares` of the pilot's answers. A careless annotator dissents more on
    most rules; one who reads ONE rule differently dissents more on that rule only, which is the rule's
    ambiguity, not carelessness."""
    if shares.empty:
        return {}
    frame = shares.merge(item_rules, on=ITEM)
    rates = frame.groupby([RULE, ANNOTATOR])["dissent"].agg(["mean", "size"]).reset_index()
    rates = rates[rates["size"] >= min_items]
    above: dict[str, list[bool]] = {}
    for _, rule in rates.groupby(RULE):
        by = dict(zip(rule[ANNOTATOR].astype(str), rule["mean"], strict=True))
        if len(by) < 3:
            continue
        for name, rate in by.items():
            others = [v for a, v in by.items() if a != name]
            above.setdefault(name, []).append(rate > float(np.median(others)) + signals.TOLERANCE)
    return {name: float(np.mean(flags)) for name, flags in above.items()}


def careless_annotators(
    per_annotator: Mapping[str, AnyAnnotatorBlock],
    gap: float = CARELESS_GAP,
    spread: Mapping[str, float] | None = None,
) -> list[str]:
    """Annotators whose agreement with the others is far below the rest's, on most rules: set aside, and
    flagged.

    An annotator answering at random on some items lowers every rule's agreement and would make every
    rule look ambiguous. With at least four annotators, one whose percent agreement with the others is
    `gap` or more below the median of the others' (and who answered at least 10 pairable items) is set
    aside before the rules are judged; the queue names them (``meta["careless_annotators"]`` and the
    ``careless_annotator`` evidence of every rule). At most a third of the annotators are set aside.
    With `spread` (`dissent_spread`, categorical answers), the low agreement must also be spread: the
    annotator dissents more than the others on at least CARELESS_SPREAD of the rules. An annotator who
    disagrees on one rule only (a second reading of it) lowered their overall agreement as much, and was
    set aside with the very disagreement the queue is there to show (a tester: a newcomer who flipped all
    15 items of R-INDEM and agreed everywhere else was "set aside as careless", and R-INDEM ranked 4th).
    """
    values = {
        str(a): b.stats.percent_agreement
        for a, b in per_annotator.items()
        if not np.isnan(b.stats.percent_agreement) and (b.n_pairable_items or 0) >= 10
    }
    if len(values) < 4:
        return []
    found = []
    for name, value in sorted(values.items(), key=lambda kv: kv[1]):
        others = [v for a, v in values.items() if a != name]
        if value > float(np.median(others)) - gap + signals.TOLERANCE:
            continue
        if spread is not None and name in spread and spread[name] < CARELESS_SPREAD - signals.TOLERANCE:
            continue
        found.append(name)
    return found[: len(values) // 3]


def _careless_evidence(careless: list[str]) -> Evidence:
    return Evidence(
        "careless_annotator",
        True,
        f"set aside before judging agreement: {', '.join(careless)} "
        f"{'agrees' if len(careless) == 1 else 'agree'} with the others far less than "
        "the rest do, on most rules (check their work rather than the rule)",
        {"annotators": list(careless)},
    )


def _report_without(
    pilot: Annotations, responses: pd.DataFrame, bootstrap: int, seed: int
) -> AgreementReport:
    return agreement_report(
        responses, pilot.task, item_rules=pilot.item_rules, bootstrap=bootstrap, seed=seed
    )


def _elsewhere(stats: Mapping[str, RuleAgreement], rule_id: str) -> tuple[float, float]:
    """Item-weighted AC1 and raw disagreement of the other rules (the pilot's baseline for this rule)."""
    others = [s for r, s in stats.items() if r != rule_id and s.n_items > 0]
    ac1 = [(s.ac1, s.n_items) for s in others if not np.isnan(s.ac1)]
    pa = [(s.percent, s.n_items) for s in others if not np.isnan(s.percent)]
    pooled = sum(v * n for v, n in ac1) / sum(n for _, n in ac1) if ac1 else float("nan")
    agree = sum(v * n for v, n in pa) / sum(n for _, n in pa) if pa else float("nan")
    return pooled, 1.0 - agree


def _nan_last(value: float) -> float:
    return float("inf") if np.isnan(value) else value


def hardest_items(
    pilot: Annotations, disagreement: pd.DataFrame, certainty: pd.Series, suspects: pd.DataFrame, n: int = 10
) -> pd.DataFrame:
    """The `n` items with most disagreement (ties: lowest certainty), plus every gold suspect.

    Returns:
        DataFrame indexed by item_id with columns rule_ids, disagreement, certainty, distribution,
        majority, gold, gold_suspect, comments; gold suspects first, then hardest first.
    """
    frame = _hardest_first(disagreement, certainty)
    chosen = list(dict.fromkeys([*suspects.index, *frame.index[:n]]))
    rows = []
    for item in chosen:
        d = float(disagreement["disagreement"].get(item, np.nan))
        c = certainty.get(item)
        row = describe_item(pilot, str(item), d, None if c is None or np.isnan(c) else float(c))
        row["gold_suspect"] = item in suspects.index
        rows.append(row)
    columns = ["item_id", "rule_ids", "disagreement", "certainty", "distribution", "majority", "gold"]
    columns += ["gold_suspect", "comments"]
    return pd.DataFrame(rows, columns=columns).set_index("item_id")
