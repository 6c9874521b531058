"""The items behind a click on the dashboard's charts: a confusion cell, an annotator pair.

Pure filters of a round's canonical responses table; the pages show the items they return
(`calibration.reports.tables.items_side_by_side`). Answers compare as text, as the charts show them.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

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
