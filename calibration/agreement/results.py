"""The agreement engine's results as frozen dataclasses; JSON only at the edge (``to_dict``).

Inside the library every statistic is a float, NaN when undefined, and every interval an `Interval`
(NaN ends when no replicate was defined). ``to_dict()`` turns them into the JSON of
`calibration agreement --json` (NaN -> null) in one place, `_json`.

A field typed ``X | None`` is None when the block does not have it at all (left out of the JSON, e.g.
``gwet_ac2`` at the nominal level or ``brennan_prediger`` in an annotator block); NaN means the
block has it but it is undefined (null in the JSON).

- `Statistics`: the coefficients, their 95 % intervals (``ci95``) and the flags of one block.
- `GoldFigures`: accuracy and kappa against gold.
- `Block`: an overall, per-rule or per-label block of a categorical task.
- `AnnotatorBlock`: one annotator against the others.
- `BoxBlock`: a block of a boxes task (box alpha, IoU, match F1; see `calibration.agreement.boxes`).
- `AgreementReport`: all of them, the pairwise matrix and the confusions, with ``per_rule_frame()``
  and ``per_annotator_frame()`` for tables and charts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from calibration.responses import ANNOTATOR, RULE

__all__ = [
    "NAN",
    "AgreementReport",
    "AnnotatorBlock",
    "Block",
    "BoxBlock",
    "GoldFigures",
    "Interval",
    "Statistics",
    "ThresholdPoint",
    "blocks_frame",
    "jsonable",
    "number",
]

NAN = float("nan")

JSON = dict[str, Any]


def number(value: Any) -> float:
    """A statistic as a float: NaN for None and non-finite values."""
    if value is None:
        return NAN
    v = float(value)
    return v if math.isfinite(v) else NAN


def jsonable(value: Any, digits: int | None = None) -> Any:
    """The JSON edge of every result type, the one place NaN becomes null.

    Numpy scalars become Python ones, non-finite floats None (rounded to `digits` when given), tuples
    lists, mapping keys text; an `Interval` becomes ``[low, high]`` (None when undefined), a
    `ThresholdPoint` its object.
    """
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return value if digits is None else round(value, digits)
    if isinstance(value, Interval):
        return [value.low, value.high] if value.defined else None
    if isinstance(value, ThresholdPoint):
        return jsonable(value.fields(), digits)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v, digits) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v, digits) for v in value]
    return value


def _row(fields: JSON) -> JSON:
    """A table row from a block's fields: the scalars, ``<statistic>_low/_high`` per interval, flags."""
    row = {k: v for k, v in fields.items() if not isinstance(v, Mapping | list | tuple)}
    for name, interval in fields["ci95"].items():
        row[f"{name}_low"], row[f"{name}_high"] = interval.low, interval.high
    row["flags"] = list(fields["flags"])
    return row


@dataclass(frozen=True)
class Interval:
    """A 95 % bootstrap interval; NaN ends when no replicate was defined (null in the JSON)."""

    low: float = NAN
    high: float = NAN

    @classmethod
    def of(cls, bounds: Sequence[float] | None) -> Interval:
        """From ``[low, high]`` or None (`calibration.agreement.bootstrap.percentile_interval`)."""
        return cls(number(bounds[0]), number(bounds[1])) if bounds is not None else cls()

    @property
    def defined(self) -> bool:
        return math.isfinite(self.low) and math.isfinite(self.high)


NO_INTERVAL = Interval()

_STATISTICS = (
    "percent_agreement",
    "fleiss_kappa",
    "krippendorff_alpha",
    "gwet_ac1",
    "brennan_prediger",
    "gwet_ac2",
    "cohen_kappa_mean",
    "scott_pi",
)


@dataclass(frozen=True)
class Statistics:
    """The statistics of one block (NaN: undefined; None: not part of this block), intervals, flags."""

    percent_agreement: float = NAN
    fleiss_kappa: float = NAN
    krippendorff_alpha: float = NAN
    gwet_ac1: float = NAN
    brennan_prediger: float | None = None
    gwet_ac2: float | None = None
    cohen_kappa_mean: float = NAN
    scott_pi: float = NAN
    ci95: Mapping[str, Interval] = field(default_factory=dict)
    flags: tuple[str, ...] = ()

    def value(self, name: str) -> float:
        """A statistic by name; NaN when undefined or not part of this block."""
        found = getattr(self, name) if name in _STATISTICS else None
        return NAN if found is None else float(found)

    def interval(self, name: str) -> Interval:
        """The 95 % interval of a statistic (NaN ends when there is none)."""
        return self.ci95.get(name, NO_INTERVAL)

    def values(self) -> JSON:
        """The statistics this block has, in the JSON's order."""
        return {name: getattr(self, name) for name in _STATISTICS if getattr(self, name) is not None}


@dataclass(frozen=True)
class GoldFigures:
    """Accuracy and Cohen's kappa against gold (NaN when undefined); ``n_answers`` None in label blocks."""

    accuracy: float = NAN
    kappa: float = NAN
    n_answers: int | None = None

    def fields(self) -> JSON:
        out: JSON = {"gold_accuracy": self.accuracy, "gold_kappa": self.kappa}
        if self.n_answers is not None:
            out["n_gold_answers"] = self.n_answers
        return out


class _Fields:
    """``to_dict`` and ``row`` from a block's ordered ``fields()``."""

    def fields(self) -> JSON:
        raise NotImplementedError

    def to_dict(self) -> JSON:
        """The block as JSON (NaN -> null)."""
        return jsonable(self.fields())  # type: ignore[no-any-return]

    def row(self) -> JSON:
        """The block's scalar fields as a table row (NaN where undefined), intervals as _low/_high, flags."""
        return _row(self.fields())


@dataclass(frozen=True)
class _CountedBlock(_Fields):
    """What a categorical block and an annotator block share: the counts, the level and the statistics."""

    n_items: int
    n_annotators: int
    n_annotations: int
    n_pairable_items: int
    level: str
    stats: Statistics

    @property
    def flags(self) -> tuple[str, ...]:
        return self.stats.flags

    def _fields(
        self, figures: JSON, gold: GoldFigures | None, extras: Mapping[str, float] | None = None
    ) -> JSON:
        """The counts, level and statistics, then the block's own `figures`, the intervals and flags,
        `extras`, and the gold figures."""
        out: JSON = {
            "n_items": self.n_items,
            "n_annotators": self.n_annotators,
            "n_annotations": self.n_annotations,
            "n_pairable_items": self.n_pairable_items,
            "level": self.level,
            **self.stats.values(),
            **figures,
            "ci95": self.stats.ci95,
            "flags": self.stats.flags,
            **(extras or {}),
        }
        if gold is not None:
            out.update(gold.fields())
        return out


@dataclass(frozen=True)
class Block(_CountedBlock):
    """An overall, per-rule or per-label block of a categorical task (fields: `calibration.agreement.breakdown`).

    ``extras`` holds the task type's own figures (``masi_alpha``, ``span_f1_exact``/``span_f1_overlap``,
    ``kendall_w``), NaN when undefined.
    """

    prevalence: Mapping[str, float] = field(default_factory=dict)
    dominant_category: Any = None
    dominant_share: float = NAN
    prevalence_index: float = NAN
    bias_index: float = NAN
    extras: Mapping[str, float] = field(default_factory=dict)
    gold: GoldFigures | None = None

    def value(self, name: str) -> float:
        """A statistic or task-specific figure (``extras``) by name; NaN when undefined or absent."""
        return self.extras[name] if name in self.extras else self.stats.value(name)

    def fields(self) -> JSON:
        figures = {
            "prevalence": self.prevalence,
            "dominant_category": self.dominant_category,
            "dominant_share": self.dominant_share,
            "prevalence_index": self.prevalence_index,
            "bias_index": self.bias_index,
        }
        return self._fields(figures, self.gold, self.extras)


@dataclass(frozen=True)
class AnnotatorBlock(_CountedBlock):
    """One annotator's agreement with the others (fields: `calibration.agreement.breakdown`)."""

    krippendorff_alpha_without: float = NAN
    alpha_gain_without: float = NAN
    gold: GoldFigures | None = None

    def value(self, name: str) -> float:
        """A statistic by name; NaN when undefined or absent."""
        return self.stats.value(name)

    def fields(self) -> JSON:
        figures = {
            "krippendorff_alpha_without": self.krippendorff_alpha_without,
            "alpha_gain_without": self.alpha_gain_without,
        }
        return self._fields(figures, self.gold)


@dataclass(frozen=True)
class ThresholdPoint:
    """Box alpha at one IoU threshold, with its interval (NaN where undefined)."""

    threshold: float
    alpha: float = NAN
    low: float = NAN
    high: float = NAN

    def fields(self) -> JSON:
        return {"threshold": self.threshold, "alpha": self.alpha, "low": self.low, "high": self.high}


@dataclass(frozen=True)
class BoxBlock(_Fields):
    """A block of a boxes task (fields: `calibration.agreement.boxes.box_agreement`).

    ``stats`` holds ``krippendorff_alpha`` (the box alpha), the intervals (of box alpha, label alpha,
    mean IoU, match F1) and the flags. Fields None are not part of this block (an annotator block has
    no expected disagreement, label alpha or curve of its own).
    """

    n_items: int
    n_annotations: int
    n_boxes: int
    stats: Statistics
    observed_disagreement: float = NAN
    n_annotators: int | None = None
    n_pairable_items: int | None = None
    min_iou: float | None = None
    expected_disagreement: float | None = None
    mean_iou: float | None = None
    match_f1: float | None = None
    label_alpha: float | None = None
    alpha_by_threshold: tuple[ThresholdPoint, ...] | None = None
    gold: GoldFigures | None = None

    level = "iou"

    @property
    def flags(self) -> tuple[str, ...]:
        return self.stats.flags

    def value(self, name: str) -> float:
        """A figure by name (box alpha, mean IoU, match F1, label alpha...); NaN when undefined or absent."""
        if name in _STATISTICS:
            return self.stats.value(name)
        found = getattr(self, name, None)
        return NAN if found is None else float(found)

    def fields(self) -> JSON:
        out: JSON = {"n_items": self.n_items}
        if self.n_annotators is not None:
            out["n_annotators"] = self.n_annotators
        out["n_annotations"] = self.n_annotations
        if self.n_pairable_items is not None:
            out["n_pairable_items"] = self.n_pairable_items
        out["n_boxes"] = self.n_boxes
        if self.min_iou is not None:
            out["level"] = self.level
            out["min_iou"] = self.min_iou
        out["krippendorff_alpha"] = self.stats.krippendorff_alpha
        out["observed_disagreement"] = self.observed_disagreement
        for name in ("expected_disagreement", "mean_iou", "match_f1", "label_alpha", "alpha_by_threshold"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        out["ci95"] = self.stats.ci95
        out["flags"] = self.stats.flags
        if self.gold is not None:
            out.update(self.gold.fields())
        return out


AnyBlock = Block | BoxBlock
AnyAnnotatorBlock = AnnotatorBlock | BoxBlock


def blocks_frame(blocks: Mapping[str, Block | AnnotatorBlock | BoxBlock], name: str) -> pd.DataFrame:
    """One row per block (index ``name``): the scalar fields in the JSON's order (NaN where undefined),
    ``<statistic>_low``/``<statistic>_high`` per interval, then ``flags`` (a list of codes)."""
    frame = pd.DataFrame.from_dict({key: block.row() for key, block in blocks.items()}, orient="index")
    frame.index.name = name
    return frame


@dataclass(frozen=True)
class AgreementReport:
    """Agreement overall and broken down (see `calibration.agreement.breakdown` for the block fields).

    ``pairwise_kappa`` is annotator x annotator Cohen's kappa (box alpha for a boxes task), NaN on the
    diagonal and where two annotators share no item; ``confusion`` maps a rule id (``"*"``: all items)
    to a label x label DataFrame of ordered answer-pair counts within items.
    """

    task_type: str
    level: str
    categories: list[Any]
    overall: AnyBlock
    per_rule: Mapping[str, AnyBlock]
    per_label: Mapping[str, AnyBlock]
    per_annotator: Mapping[str, AnyAnnotatorBlock]
    pairwise_kappa: pd.DataFrame
    confusion: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    n_bootstrap: int = 0
    seed: int = 0

    def to_dict(self) -> JSON:
        """``{"overall", "per_rule", "per_label", "per_annotator"}``: the JSON of `calibration agreement`."""
        return {
            "overall": self.overall.to_dict(),
            "per_rule": {k: v.to_dict() for k, v in self.per_rule.items()},
            "per_label": {k: v.to_dict() for k, v in self.per_label.items()},
            "per_annotator": {k: v.to_dict() for k, v in self.per_annotator.items()},
        }

    def per_rule_frame(self) -> pd.DataFrame:
        """One row per rule (index rule_id): the scalar block fields (NaN where undefined), then
        ``<statistic>_low``/``<statistic>_high`` for each interval, then ``flags`` (a list of codes)."""
        return blocks_frame(self.per_rule, RULE)

    def per_annotator_frame(self) -> pd.DataFrame:
        """One row per annotator (index annotator_id), like `per_rule_frame`."""
        return blocks_frame(self.per_annotator, ANNOTATOR)
