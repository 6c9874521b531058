"""The canonical responses table: one row per (item, annotator) answer, defined once for the whole product.

A responses table is a ``pandas.DataFrame`` with a default RangeIndex and these columns:

==============  =========  ==================================================================
column          dtype      meaning
==============  =========  ==================================================================
item_id         str        the item answered
annotator_id    str        who answered
answer          object     the canonical answer (`calibration.answers`), hashable
confidence      Int64      optional, 1-5 self-reported confidence (NA when not asked)
cited_rule      object     optional, the rule the annotator says they applied (None if not asked)
unclear         bool       optional, the annotator flagged the guideline as unclear here
comment         object     optional free-text comment (None when empty)
seconds         float      optional, time spent on the item
annotator_kind  object     optional, ``human`` or ``model`` (a model's answers, imported from a file)
score           float      optional, a model's own score for its answer (NaN for people)
==============  =========  ==================================================================

Only the first three are required; analyses that use the others check for them. Item-to-rule maps
are a separate long table with columns ``item_id, rule_id`` (an item with several rules has
several rows); gold answers are a ``pandas.Series`` of canonical answers indexed by ``item_id``.

`Annotations` bundles the four every analysis takes: the guideline, the responses table, the
item-to-rule table and the gold; a round's stored answers (`calibration.rounds.status.RoundResponses`)
and an import (`calibration.interop.common.ImportResult`) are `Annotations` with more fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from calibration.answers import parse_answer
from calibration.errors import AnswerError, DataError, Location
from calibration.guidelines.model import Guideline, Label, Policy, Task

ITEM = "item_id"
ANNOTATOR = "annotator_id"
ANSWER = "answer"
RULE = "rule_id"
CONFIDENCE = "confidence"
CITED_RULE = "cited_rule"
UNCLEAR = "unclear"
COMMENT = "comment"
SECONDS = "seconds"
ANNOTATOR_KIND = "annotator_kind"
SCORE = "score"

REQUIRED_COLUMNS = (ITEM, ANNOTATOR, ANSWER)
ANSWER_EXTRAS = (CONFIDENCE, CITED_RULE, UNCLEAR, COMMENT, SECONDS)
"""What an annotator may add to an answer (the quiz asks for them; imports and CSV files may carry them)."""
OPTIONAL_COLUMNS = (*ANSWER_EXTRAS, ANNOTATOR_KIND, SCORE)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS


def responses_frame(records: Iterable[Mapping[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    """Build a responses table from records (dicts with at least item_id, annotator_id, answer).

    Ids become strings; optional columns present in any record are kept, others are left out.

    Raises:
        DataError: a required column is missing, naming it.
    """
    frame = records.copy() if isinstance(records, pd.DataFrame) else pd.DataFrame.from_records(list(records))
    if frame.empty and not len(frame.columns):
        frame = pd.DataFrame(columns=list(REQUIRED_COLUMNS))
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(
            f"responses need the column(s) {', '.join(missing)}; found {', '.join(map(str, frame.columns))}",
            hint="a responses table has item_id, annotator_id and answer",
        )
    frame[ITEM] = frame[ITEM].astype(str)
    frame[ANNOTATOR] = frame[ANNOTATOR].astype(str)
    keep = [c for c in COLUMNS if c in frame.columns]
    frame = frame[keep].reset_index(drop=True)
    if CONFIDENCE in frame:
        frame[CONFIDENCE] = pd.array(frame[CONFIDENCE], dtype="Int64")
    if UNCLEAR in frame:
        frame[UNCLEAR] = frame[UNCLEAR].fillna(False).astype(bool)
    if SECONDS in frame:
        frame[SECONDS] = pd.to_numeric(frame[SECONDS], errors="coerce").astype(float)
    if ANNOTATOR_KIND in frame:
        frame[ANNOTATOR_KIND] = frame[ANNOTATOR_KIND].fillna("human").astype(str)
    if SCORE in frame:
        frame[SCORE] = pd.to_numeric(frame[SCORE], errors="coerce").astype(float)
    return frame


def split_models(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a responses table into (people's answers, models' answers) by ``annotator_kind``.

    A table without the column holds people's answers only. Both parts keep a RangeIndex; the
    people's part drops the kind and score columns, so human analyses see the table they always saw.
    """
    if ANNOTATOR_KIND not in frame:
        return frame, frame.iloc[0:0]
    is_model = frame[ANNOTATOR_KIND].eq("model")
    people = frame[~is_model].drop(columns=[c for c in (ANNOTATOR_KIND, SCORE) if c in frame])
    return people.reset_index(drop=True), frame[is_model].reset_index(drop=True)


def item_rules_frame(mapping: Mapping[str, Iterable[str]] | pd.DataFrame) -> pd.DataFrame:
    """An item-to-rule table (columns item_id, rule_id) from a dict of rule ids per item, or a frame."""
    if isinstance(mapping, pd.DataFrame):
        missing = [c for c in (ITEM, RULE) if c not in mapping.columns]
        if missing:
            raise DataError(
                f"the item-to-rule map needs the column(s) {', '.join(missing)}",
                hint="write one row per (item_id, rule_id) pair",
            )
        frame = mapping[[ITEM, RULE]].astype(str)
    else:
        frame = pd.DataFrame(
            [(str(item), str(rule)) for item, rules in mapping.items() for rule in rules],
            columns=[ITEM, RULE],
        )
    return frame.drop_duplicates().reset_index(drop=True)


def items_of_rule(item_rules: pd.DataFrame, rule_id: str) -> list[str]:
    """The item ids mapped to `rule_id` in an item-to-rule table (`item_rules_frame`), in the table's order."""
    found = item_rules.loc[item_rules[RULE].astype(str) == str(rule_id), ITEM]
    return found.astype(str).drop_duplicates().tolist()


def gold_series(gold: Mapping[str, Any]) -> pd.Series:
    """Gold answers as a Series indexed by item_id (values are canonical answers)."""
    series = pd.Series(list(gold.values()), index=pd.Index([str(k) for k in gold], name=ITEM), dtype=object)
    series.name = ANSWER
    return series


def canonical_answers(
    frame: pd.DataFrame, task: Any, inputs: Mapping[str, Any] | None = None, *, path: str | None = None
) -> pd.DataFrame:
    """Parse every raw answer of `frame` for `task`, so the answer column holds canonical answers.

    Args:
        frame: a responses table whose answers are raw (strings, lists, dicts ...).
        task: the guideline's `Task`.
        inputs: the input per item_id, needed for span answers given by text and ranking ids.
        path: the source file, used in error messages.

    Raises:
        AnswerError: naming the row (1-based, as in a CSV file with a header: row 2 is the first
            answer) and the column, with what was expected.
    """
    parsed = []
    for position, (item, raw) in enumerate(zip(frame[ITEM], frame[ANSWER], strict=True)):
        try:
            parsed.append(parse_answer(task, raw, (inputs or {}).get(item)))
        except AnswerError as error:
            raise AnswerError(
                f"item {item!r}: {error.message}",
                location=Location(path=path, row=position + 2, field=ANSWER),
                hint=error.hint,
            ) from None
    out = frame.copy()
    out[ANSWER] = pd.Series(parsed, index=frame.index, dtype=object)
    return out


def empty_gold() -> pd.Series:
    """A gold Series with no answers (what an analysis without gold gets)."""
    return pd.Series(dtype=object)


@dataclass(frozen=True, kw_only=True, eq=False)
class Annotations:
    """One annotated set of items: the input of every analysis (agreement, gold scores, ambiguity, exports).

    Built by keyword (``Annotations(responses=..., item_rules=..., gold=..., guideline=...)``) or with
    `of`, which fills the item map and gold from the guideline.

    Attributes:
        responses: canonical responses table.
        item_rules: item-to-rule table (item_id, rule_id).
        gold: gold answers, a Series indexed by item_id (empty when there is no gold).
        guideline: the guideline version, when known (task, target, lint, rule titles, item texts).
        declared_task: the task when there is no guideline (e.g. inferred from a CSV file).
    """

    responses: pd.DataFrame
    item_rules: pd.DataFrame
    gold: pd.Series = field(default_factory=empty_gold)
    guideline: Guideline | None = None
    declared_task: Task | None = None

    @classmethod
    def of(
        cls,
        responses: pd.DataFrame,
        *,
        guideline: Guideline | None = None,
        item_rules: pd.DataFrame | None = None,
        gold: pd.Series | None = None,
        task: Task | None = None,
    ) -> Annotations:
        """Annotations of a guideline's responses; the item map and gold default to the guideline's.

        Raises:
            DataError: neither an item-to-rule map nor a guideline is given, or nothing maps to a rule.
        """
        if item_rules is None:
            if guideline is None:
                raise DataError(
                    "rules cannot be told apart without an item-to-rule map",
                    hint="pass --item-rules MAP.csv (item_id, rule_id) or --guideline FILE.yaml",
                )
            item_rules = item_rules_frame(guideline.item_rules())
        if gold is None:
            gold = gold_series(guideline.gold_answers()) if guideline is not None else empty_gold()
        if not responses[ITEM].isin(item_rules[ITEM]).any():
            raise DataError(
                "no answered item is mapped to a rule",
                hint="check that the item ids of the responses and of the item-to-rule map are the same",
            )
        return cls(
            responses=responses, item_rules=item_rules, gold=gold, guideline=guideline, declared_task=task
        )

    def with_responses(self, responses: pd.DataFrame) -> Annotations:
        """The same annotations with another responses table (a subset: some annotators, some items)."""
        return replace(self, responses=responses)

    def require_guideline(self, what: str) -> Guideline:
        """The guideline version, for `what` (an analysis) that cannot do without it.

        Raises:
            DataError: the annotations have no guideline (a CSV file read without ``--guideline``).
        """
        if self.guideline is None:
            raise DataError(
                f"{what} needs the guideline version", hint="give the guideline (--guideline FILE.yaml)"
            )
        return self.guideline

    @property
    def task(self) -> Task:
        """The guideline's task, else the declared task, else a single-label task over the observed answers."""
        if self.guideline is not None:
            return self.guideline.task
        if self.declared_task is not None:
            return self.declared_task
        observed = sorted({str(a) for a in self.responses[ANSWER]})
        return Task(type="single_label", labels=[Label(id=a, name=a) for a in observed])

    @property
    def target(self) -> float:
        """The pilot's target agreement (the guideline's ``pilot_target``; 0.8 without a guideline)."""
        policy = self.guideline.calibration if self.guideline is not None else Policy()
        return float(policy.pilot_target)

    @property
    def rule_ids(self) -> list[str]:
        """The rules with at least one answered item, in guideline order when known."""
        answered = set(self.item_rules.loc[self.item_rules[ITEM].isin(self.responses[ITEM]), RULE])
        order = self.guideline.rule_ids if self.guideline is not None else []
        rest = sorted(answered - set(order))
        return [r for r in order if r in answered] + rest
