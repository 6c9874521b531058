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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from calibration.answers import parse_answer
from calibration.errors import AnswerError, DataError, Location

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
