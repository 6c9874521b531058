"""The items behind a click on the dashboard's charts: a confusion cell, an annotator pair.

Pure filters of a round's canonical responses table; the pages show the items they return
(`calibration.reports.tables.items_side_by_side`). Answers compare as text, as the charts show them.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import combinations
from typing import Any

import pandas as pd

from calibration.boxes import IOU_TOLERANCE, as_boxes, match_boxes, score_boxes
from calibration.responses import ANNOTATOR, ANSWER, ITEM


def confusion_cell_items(
    responses: pd.DataFrame, item_ids: Iterable[str], row_label: str, column_label: str
) -> pd.Index:
    """Items among `item_ids` behind a confusion cell: one answer is `row_label`, another `column_label`.

    A diagonal cell (the same label twice) needs two answers with that label on the item.

    Args:
        responses: canonical responses (item_id, annotator_id, answer).
        item_ids: the items the confusion matrix counts (a rule's items).
        row_label, column_label: the cell's labels, as text.

    Returns:
        The item ids, in item order.
    """
    part = responses[responses[ITEM].isin(list(item_ids))]
    per_item = part[ANSWER].astype(str).groupby(part[ITEM]).agg(list)
    hit = per_item.map(
        lambda answers: (
            row_label in answers
            and column_label in answers
            and (row_label != column_label or answers.count(row_label) > 1)
        )
    )
    return per_item[hit.astype(bool)].index


def box_confusion_cell_items(
    responses: pd.DataFrame, item_ids: Iterable[str], row_label: str, column_label: str, *, min_iou: float
) -> pd.Index:
    """Images among `item_ids` behind a cell of a boxes round's label confusion: two annotators' boxes
    matched at `min_iou` (`calibration.boxes.match_boxes`, as the confusion counts them), one labelled
    `row_label` and the other `column_label` (a diagonal cell: both labelled so).

    Args:
        responses: canonical responses whose answers are boxes.
        item_ids: the images the confusion counts (a rule's items).
        row_label, column_label: the cell's labels, as text.
        min_iou: the task's ``min_iou``.

    Returns:
        The item ids, in item order.
    """
    part = responses[responses[ITEM].isin(list(item_ids))]
    hits = [
        item
        for item, answers in part.groupby(ITEM, sort=True)[ANSWER]
        if _has_matched_labels([as_boxes(a or ()) for a in answers], row_label, column_label, min_iou)
    ]
    return pd.Index(hits)


def _has_matched_labels(answers: list[tuple[Any, ...]], first: str, second: str, min_iou: float) -> bool:
    """Whether two of the answers have boxes matched at `min_iou` labelled `first` and `second`."""
    wanted = sorted((first, second))
    for left, right in combinations(answers, 2):
        for match in match_boxes(left, right, min_iou=min_iou - IOU_TOLERANCE):
            if sorted((str(left[match.left].label), str(right[match.right].label))) == wanted:
                return True
    return False


def pair_disagreements(responses: pd.DataFrame, first: str, second: str) -> pd.Index | None:
    """Items both annotators answered, differently (their last answer on each item, as text).

    Returns:
        The item ids as text, in item order; None when either annotator has no answer.
    """
    both = responses[responses[ANNOTATOR].isin([first, second])]
    wide = both.pivot_table(index=ITEM, columns=ANNOTATOR, values=ANSWER, aggfunc="last")
    if first not in wide or second not in wide:
        return None
    paired = wide.dropna(subset=[first, second])
    return pd.Index(paired.index[paired[first].astype(str) != paired[second].astype(str)]).astype(str)


def box_pair_disagreements(
    responses: pd.DataFrame, first: str, second: str, *, min_iou: float
) -> pd.Index | None:
    """Images both annotators boxed differently: some box of one has no box of the other matched at
    `min_iou` with its label (`calibration.boxes.score_boxes` of one answer against the other below F1 1).
    Boxes a pixel apart agree, where their answers as text would differ.

    Returns:
        The item ids as text, in item order; None when either annotator has no answer.
    """
    both = responses[responses[ANNOTATOR].isin([first, second])].drop_duplicates(
        [ITEM, ANNOTATOR], keep="last"
    )
    answers = both.set_index([ITEM, ANNOTATOR])[ANSWER]
    people = set(both[ANNOTATOR])
    if first not in people or second not in people:
        return None
    shared = sorted(
        set(both.loc[both[ANNOTATOR] == first, ITEM]) & set(both.loc[both[ANNOTATOR] == second, ITEM])
    )
    differ = [
        item
        for item in shared
        if not score_boxes(
            as_boxes(answers[(item, first)] or ()), as_boxes(answers[(item, second)] or ()), min_iou
        ).is_correct
    ]
    return pd.Index(differ).astype(str)
