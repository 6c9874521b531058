"""Per-item disagreement and confused label pairs: the evidence behind a low agreement figure.

Public API (also importable from `calibration.agreement.breakdown`)::

    item_agreement(responses, task=None) -> DataFrame   # index item_id
    confused_pairs(responses, task, item_rules=None) -> DataFrame
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from calibration.agreement.structured import unitize
from calibration.responses import ANNOTATOR, ANSWER, ITEM, RULE

if TYPE_CHECKING:
    from calibration.guidelines.model import Task


def coincidence_frame(counts: np.ndarray, categories: list[Any]) -> pd.DataFrame:
    """Ordered answer-pair counts within units: ``R'R - diag(sum R)`` as a label x label frame."""
    matrix = counts.T @ counts - np.diag(counts.sum(axis=0))
    names = [str(c) for c in categories]
    return pd.DataFrame(
        matrix.astype(int), index=pd.Index(names, name="label_a"), columns=pd.Index(names, name="label_b")
    )


def item_agreement(responses: pd.DataFrame, task: Task | None = None) -> pd.DataFrame:
    """Per-item disagreement: how many answers, the majority answer and its share, the entropy.

    Works for every task type (answers are compared as canonical, hashable values).

    Returns:
        DataFrame indexed by item_id with n_annotations, majority_answer, majority_share, n_distinct,
        entropy (bits, of the answer distribution), pairwise_agreement (share of agreeing answer pairs;
        NaN with one answer).
    """
    frame = responses.drop_duplicates([ITEM, ANNOTATOR], keep="last")
    item_codes, items = pd.factorize(frame[ITEM].astype(str), sort=True)
    ans_codes, uniques = pd.factorize(pd.Series(list(frame[ANSWER]), dtype=object))
    n_a = max(len(uniques), 1)
    flat = item_codes.astype(np.int64) * n_a + ans_codes
    pair_codes, pair_counts = np.unique(flat, return_counts=True)
    table = pd.DataFrame({"item": pair_codes // n_a, "answer": pair_codes % n_a, "count": pair_counts})
    n = np.bincount(item_codes, minlength=len(items)).astype(float)
    table["n"] = n[table["item"]]
    table["p"] = table["count"] / table["n"]
    table = table.sort_values(["item", "count", "answer"], ascending=[True, False, True])
    top = table.drop_duplicates("item")
    entropy = (-table["p"] * np.log2(table["p"])).groupby(table["item"]).sum()
    agree = (table["count"] * (table["count"] - 1)).groupby(table["item"]).sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        pairwise = agree.to_numpy() / (n * (n - 1))
    out = pd.DataFrame(
        {
            "n_annotations": n.astype(int),
            "majority_answer": [uniques[c] for c in top["answer"].to_numpy()],
            "majority_share": top["p"].to_numpy(),
            "n_distinct": table.groupby("item").size().to_numpy(),
            "entropy": entropy.to_numpy() + 0.0,
            "pairwise_agreement": np.where(n >= 2, pairwise, np.nan),
        },
        index=pd.Index(items, name=ITEM),
    )
    return out


def confused_pairs(
    responses: pd.DataFrame, task: Task, item_rules: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Which pairs of categories annotators split on, per rule (``"*"`` = all items without a map).

    For each rule and unordered pair of categories (a, b), ``count`` = number of annotator pairs on
    the same item (unit) that answered a and b, ``share`` = count / all disagreeing pairs of the rule.

    Returns:
        DataFrame with columns rule_id, label_a, label_b, count, share; sorted by rule, then count
        (descending). Pairs that never occur are left out.
    """
    enc = unitize(responses, task)
    counts = enc.counts()
    groups: list[tuple[str, np.ndarray]] = []
    if item_rules is not None and len(item_rules):
        frame = item_rules[[ITEM, RULE]].astype(str).drop_duplicates()
        codes = enc.items.get_indexer(frame[ITEM])
        frame = frame.assign(_code=codes)[codes >= 0]
        for rule, part in frame.groupby(RULE, sort=True):
            mask = np.zeros(enc.n_items, dtype=bool)
            mask[part["_code"].to_numpy()] = True
            groups.append((str(rule), np.flatnonzero(mask[enc.unit_items])))
    else:
        groups.append(("*", np.arange(enc.n_units)))
    rows = []
    upper = np.triu_indices(enc.q, 1)
    for rule, units in groups:
        c = counts[units]
        pair_counts = (c.T @ c)[upper]
        total = pair_counts.sum()
        for a, b, count in zip(upper[0], upper[1], pair_counts, strict=True):
            if count > 0:
                rows.append((rule, enc.categories[a], enc.categories[b], int(count), float(count / total)))
    out = pd.DataFrame(rows, columns=[RULE, "label_a", "label_b", "count", "share"])
    return out.sort_values([RULE, "count"], ascending=[True, False], kind="stable").reset_index(drop=True)
