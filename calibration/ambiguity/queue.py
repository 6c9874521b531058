"""The revision queue: rules ranked by an explained ambiguity score, with flags, figures, worst items and advice.

Each rule's score is the sum of fixed points per fired flag (`POINTS`), with low agreement weighted by
how far the estimate falls below the target; the parts are kept so the score is explained. Flags that
are not verdicts (`few_items`, `skewed_prevalence`) carry no points: a rule whose kappa is low only
because one label dominates is not ranked as ambiguous on that ground (the kappa paradox,
Feinstein & Cicchetti 1990), and a rule with too few items gets no verdict.

The agreement figures come from the agreement engine (`calibration.agreement.breakdown`); this
module computes no coefficient itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from calibration.ambiguity import signals
from calibration.ambiguity.signals import Evidence, RuleAgreement
from calibration.errors import DataError
from calibration.responses import ITEM, RULE

if TYPE_CHECKING:
    from calibration.guidelines.model import Guideline

STATISTIC = "krippendorff_alpha"  # the chance-corrected coefficient judged against the target

# Points per fired flag; `low_agreement` gets LOW_AGREEMENT_SCALE more points times gap / target.
POINTS: dict[str, float] = {
    "low_agreement": 3.0,
    "good_annotators_fail": 2.0,
    "confused_labels": 1.5,
    "gold_suspect": 1.0,
    "flagged_unclear": 1.0,
    "low_confidence": 1.0,
    "overlapping_rules": 1.0,
    "contradictory_examples": 1.0,
    "long_time": 0.5,
    "vague_wording": 0.5,
    "missing_edge_cases": 0.5,
    "skewed_prevalence": 0.0,
    "few_items": 0.0,
}
LOW_AGREEMENT_SCALE = 3.0


@dataclass(frozen=True)
class Pilot:
    """One piloted guideline version: the inputs every ambiguity analysis takes.

    Attributes:
        responses: canonical responses table.
        item_rules: item-to-rule table (item_id, rule_id).
        gold: gold answers, a Series indexed by item_id (empty when there is no gold).
        guideline: the guideline version, when known (task, target, lint, rule titles).
    """

    responses: pd.DataFrame
    item_rules: pd.DataFrame
    gold: pd.Series
    guideline: Guideline | None = None

    @classmethod
    def of(
        cls,
        guideline: Guideline | None,
        responses: pd.DataFrame,
        item_rules: pd.DataFrame | None = None,
        gold: pd.Series | None = None,
    ) -> Pilot:
        """A pilot from a guideline and its responses; the item map and gold default to the guideline's.

        Raises:
            DataError: neither an item-to-rule map nor a guideline is given, or nothing maps to a rule.
        """
        from calibration.responses import gold_series, item_rules_frame

        if item_rules is None:
            if guideline is None:
                raise DataError(
                    "rules cannot be told apart without an item-to-rule map",
                    hint="pass --item-rules MAP.csv (item_id, rule_id) or --guideline FILE.yaml",
                )
            item_rules = item_rules_frame(guideline.item_rules())
        if gold is None:
            gold = gold_series(guideline.gold_answers()) if guideline is not None else pd.Series(dtype=object)
        if not responses[ITEM].isin(item_rules[ITEM]).any():
            raise DataError(
                "no answered item is mapped to a rule",
                hint="check that the item ids of the responses and of the item-to-rule map are the same",
            )
        return cls(responses, item_rules, gold, guideline)

    @property
    def target(self) -> float:
        """The pilot's target agreement (the guideline's ``pilot_target``; 0.8 without a guideline)."""
        from calibration.guidelines.model import Policy

        policy = self.guideline.calibration if self.guideline is not None else Policy()
        return float(policy.pilot_target)

    @property
    def rule_ids(self) -> list[str]:
        """The rules with at least one answered item, in guideline order when known."""
        answered = set(self.item_rules.loc[self.item_rules[ITEM].isin(self.responses[ITEM]), RULE])
        order = self.guideline.rule_ids if self.guideline is not None else []
        rest = sorted(answered - set(order))
        return [r for r in order if r in answered] + rest


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
    """

    rule_id: str
    title: str
    rank: int
    score: float
    score_parts: Mapping[str, float]
    flags: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    agreement: RuleAgreement
    worst_items: tuple[Mapping[str, Any], ...]
    suggestion: str

    def signal(self, code: str) -> Evidence | None:
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
                        "gwet_ac1": agreement.ac1,
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
        from calibration.errors import NotFoundError

        for entry in self.rules:
            if entry.rule_id == rule_id:
                return entry
        raise NotFoundError(
            f"rule {rule_id!r} is not in the revision queue",
            hint=f"rules in the queue: {', '.join(e.rule_id for e in self.rules)}",
        )

    def to_dict(self) -> dict[str, Any]:
        """``{"rules": [...], "items": [...]}``, the JSON of `calibration ambiguity --json`."""
        items = []
        for item_id, row in self.items.iterrows():
            items.append(signals._plain({"item_id": str(item_id), **row.to_dict()}))
        return {"rules": [entry.to_dict() for entry in self.rules], "items": items}


# --------------------------------------------------------------------------- engine adapters


def _number(value: Any) -> float:
    try:
        return float("nan") if value is None else float(value)
    except (TypeError, ValueError):
        return float("nan")


def rule_agreement(block: Mapping[str, Any], statistic: str = STATISTIC) -> RuleAgreement:
    """A rule's `RuleAgreement` from the engine's per-rule block (the shape of `agreement --json`)."""
    interval = (block.get("ci95") or {}).get(statistic) or (None, None)
    return RuleAgreement(
        statistic=statistic,
        estimate=_number(block.get(statistic)),
        ci_low=_number(interval[0]),
        ci_high=_number(interval[1]),
        percent=_number(block.get("percent_agreement")),
        ac1=_number(block.get("gwet_ac1")),
        n_items=int(block.get("n_items") or 0),
    )


def agreement_blocks(
    pilot: Pilot, *, report: Any = None, bootstrap: int = 1000, seed: int = 0
) -> dict[str, Any]:
    """The engine's per-rule statistic blocks by rule id (computed unless `report` is given)."""
    from calibration.reports.analysis import report_dict

    if report is None:
        from calibration.agreement.breakdown import agreement_report

        report = agreement_report(
            pilot.responses,
            guideline=pilot.guideline,
            item_rules=pilot.item_rules,
            gold=pilot.gold if len(pilot.gold) else None,
            bootstrap=bootstrap,
            seed=seed,
        )
    return dict(report_dict(report).get("per_rule") or {})
