"""Which items of a pilot round need a lead's decision, and the answers given to one item."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from calibration.boxes import as_boxes, score_boxes
from calibration.reports.tables import answer_text, input_text
from calibration.responses import ANSWER, ITEM, RULE, Annotations

QUEUE_COLUMNS = ["rules", "text", "answers", "distinct", "majority_share", "reason", "gold", "adjudicated"]


def adjudication_queue(data: Annotations, adjudications: Sequence[Any] = ()) -> pd.DataFrame:
    """Answered items without gold or with disagreement, the most disputed first.

    Args:
        data: the round's annotations (its guideline gives the item texts; its gold is the round's:
            bank gold, then adjudications).
        adjudications: the round's adjudications (objects with ``item_id``).

    Returns:
        DataFrame indexed by item_id with columns ``rules, text, answers, distinct, majority_share,
        reason`` ("no gold", "disagreement" or both), ``gold`` (the item's current gold answer as
        plain text, '' when it has none: an item disputed by annotators may already have gold) and
        ``adjudicated`` (bool). On a boxes task two answers count as one (``distinct``, ``majority_share``,
        "disagreement") when their boxes pair up at the task's ``min_iou`` with the same labels.
    """
    guideline, responses, gold = data.require_guideline("an adjudication queue"), data.responses, data.gold
    if responses.empty:
        return pd.DataFrame(columns=QUEUE_COLUMNS)
    if guideline.task.type == "boxes":  # coordinates never repeat to the pixel: compare as the quiz scores
        keyed = _same_boxes_keys(responses, guideline.task.min_iou)
    else:
        keyed = responses[ANSWER].map(repr)
    grouped = keyed.groupby(responses[ITEM])
    distinct = grouped.nunique()
    answers = grouped.size()
    majority = grouped.agg(lambda a: a.value_counts().iloc[0]) / answers
    done = {str(a.item_id) for a in adjudications}
    bank_gold = {item.id for item in getattr(guideline, "items", []) if item.answer is not None}
    rules = data.item_rules.groupby(ITEM)[RULE].agg(lambda r: ", ".join(map(str, r)))
    rows = []
    for item_id in distinct.index:
        no_gold = item_id not in bank_gold and (item_id not in gold.index or item_id in done)
        disputed = distinct[item_id] > 1
        if not (no_gold or disputed):
            continue
        try:
            item_input = guideline.item(item_id).input
        except KeyError:
            item_input = None
        text = input_text(item_input)
        reason = " and ".join(r for r, on in (("no gold", no_gold), ("disagreement", disputed)) if on)
        rows.append(
            {
                ITEM: item_id,
                "rules": rules.get(item_id, ""),
                "text": text,
                "answers": int(answers[item_id]),
                "distinct": int(distinct[item_id]),
                "majority_share": round(float(majority[item_id]), 2),
                "reason": reason,
                "gold": gold_text(guideline, gold, item_id, getattr(item_input, "text", None)),
                "adjudicated": item_id in done,
            }
        )
    table = pd.DataFrame(rows)
    if table.empty:
        return pd.DataFrame(columns=QUEUE_COLUMNS)
    return table.set_index(ITEM).sort_values(
        ["majority_share", "distinct"], ascending=[True, False], kind="stable"
    )


def _same_boxes_keys(responses: pd.DataFrame, min_iou: float) -> pd.Series:
    """A key per box answer, shared by the answers to an item that are the same boxes.

    Two answers are the same when every box of one pairs with a box of the other at IoU >= `min_iou`
    with the same label (`calibration.boxes.score_boxes` scores one against the other as right, the
    test the quiz applies against gold); each answer takes the key of the first earlier answer it equals.
    """
    keys = pd.Series("", index=responses.index, dtype=object)
    for item_id, rows in responses.groupby(ITEM, sort=False):
        kinds: list[tuple[Any, ...]] = []
        for index, answer in rows[ANSWER].items():
            boxes = as_boxes(answer or ())
            same = next(
                (k for k, kind in enumerate(kinds) if score_boxes(boxes, kind, min_iou).is_correct), None
            )
            if same is None:
                kinds.append(boxes)
                same = len(kinds) - 1
            keys[index] = f"{item_id}#{same}"
    return keys


def gold_text(guideline: Any, gold: pd.Series, item_id: str, raw: str | None = None) -> str:
    """The gold answer of `item_id` as plain text ('' when it has none); `raw` is the item text (spans)."""
    if item_id not in gold.index:
        return ""
    return answer_text(guideline.task.type, gold[item_id], raw)


def answer_counts(guideline: Any, responses: pd.DataFrame, item_id: str) -> pd.DataFrame:
    """How many annotators gave each answer to `item_id` (answers as text), most frequent first.

    Returns:
        DataFrame with columns ``answer, annotators, count``.
    """
    part = responses[responses[ITEM] == item_id]
    try:
        raw = getattr(guideline.item(item_id).input, "text", None)
    except KeyError:
        raw = None
    shown = [answer_text(guideline.task.type, a, raw) for a in part[ANSWER]]
    frame = pd.DataFrame({"answer": shown, "annotator": part["annotator_id"].astype(str).to_numpy()})
    table = frame.groupby("answer")["annotator"].agg(annotators=lambda a: ", ".join(a), count="size")
    return table.reset_index().sort_values("count", ascending=False, kind="stable").reset_index(drop=True)


def empty_queue_message(data: Annotations) -> str:
    """What an empty `adjudication_queue` means for this round, in one sentence.

    Items answered by one annotator each cannot disagree: saying their answers are unanimous would
    call one answer agreement, so the message says that instead.
    """
    responses = data.responses
    if responses.empty:
        return "Nothing to adjudicate yet: no answers in this round."
    per_item = responses.groupby(ITEM).size()
    single = int((per_item < 2).sum())
    if single == len(per_item):
        return (
            "Nothing to adjudicate: every answered item has gold. Each item has a single answer, and "
            "one answer per item is not agreement: give items to two or more annotators to find "
            "disagreements."
        )
    if single:
        return (
            "Nothing to adjudicate: every answered item has gold, and the items with several answers "
            f"are unanimous; {single} item(s) have a single answer, which is not agreement."
        )
    return "Nothing to adjudicate: every answered item has gold and unanimous answers."
