"""Integer codes for a responses table: items, annotators and declared categories (vectorized).

`encode` turns the canonical long table into three aligned code arrays, from which every statistic
builds its count matrices with ``np.bincount``. Categories are the task's declared categories in the
declared order (their positions are the ones weighted statistics use); answers outside them are an
error naming the row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from calibration.errors import DataError, Location
from calibration.responses import ANNOTATOR, ANSWER, ITEM


@dataclass(frozen=True)
class Encoded:
    """Answers as codes: ``unit_codes[j]``, ``annotator_codes[j]``, ``category_codes[j]`` for answer j.

    A *unit* is what one categorical judgement is about: the item itself for single_label, rating
    and pairwise tasks; an (item, label) pair for multi_label, an (item, character) pair for spans,
    an (item, candidate) pair for rankings (see `calibration.agreement.structured`). ``unit_items``
    maps each unit to its item code (items are the resampling clusters of the bootstrap) and
    ``unit_keys`` to its label/candidate (None when units are items).

    ``items``/``annotators`` map codes back to ids; ``categories`` are the declared categories.
    Duplicate (item, annotator) answers are removed (the last one counts).
    """

    items: pd.Index
    annotators: pd.Index
    categories: list[Any]
    unit_codes: np.ndarray
    annotator_codes: np.ndarray
    category_codes: np.ndarray
    unit_items: np.ndarray
    unit_keys: np.ndarray | None = None
    unit_kind: str = "item"  # item, item_label, item_char, item_candidate

    @property
    def units_are_items(self) -> bool:
        return self.unit_kind == "item"

    @property
    def q(self) -> int:
        return len(self.categories)

    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def n_units(self) -> int:
        return len(self.unit_items)

    @property
    def item_codes(self) -> np.ndarray:
        """Item code of each answer."""
        return self.unit_items[self.unit_codes]

    def counts(self) -> np.ndarray:
        """Units x categories count matrix (float)."""
        flat = self.unit_codes * self.q + self.category_codes
        return np.bincount(flat, minlength=self.n_units * self.q).reshape(self.n_units, self.q).astype(float)

    def wide(self) -> np.ndarray:
        """Annotators x units matrix of category codes, -1 where an annotator gave no answer."""
        out = np.full((len(self.annotators), self.n_units), -1, dtype=np.int64)
        out[self.annotator_codes, self.unit_codes] = self.category_codes
        return out


def category_codes(values: np.ndarray, categories: list[Any]) -> np.ndarray:
    """Position of each value in `categories` (int64), -1 where it is not one of them (None and NaN too).

    Categories must be unique strings or unique integers. ``Index.get_indexer`` instead of
    ``pd.Categorical``, which pandas 3 deprecates for values outside the categories.
    """
    return pd.Index(categories, dtype=object).get_indexer(pd.Index(values, dtype=object)).astype(np.int64)


def encode(
    responses: pd.DataFrame, categories: Sequence[Any] | None = None, *, answers: pd.Series | None = None
) -> Encoded:
    """Encode a canonical responses table.

    Args:
        responses: columns item_id, annotator_id, answer (canonical, hashable answers).
        categories: the declared categories; None uses the sorted observed answers.
        answers: optional replacement for the answer column (same index), e.g. one-vs-rest values.

    Raises:
        DataError: an answer outside the declared categories (naming the CSV-style row, 2 = first answer).
    """
    for column in (ITEM, ANNOTATOR, ANSWER):
        if column not in responses.columns:
            raise DataError(f"responses need the column {column}", hint="pass the canonical responses table")
    values = responses[ANSWER] if answers is None else answers
    if categories is None:
        observed = pd.unique(values.to_numpy())
        try:
            categories = sorted(observed)
        except TypeError:
            categories = sorted(observed, key=repr)
    categories = list(categories)
    simple = all(isinstance(c, str) for c in categories) or all(
        isinstance(c, int) and not isinstance(c, bool) for c in categories
    )
    if simple and len(set(categories)) == len(categories):
        codes = category_codes(values.to_numpy(), categories)
    else:
        lookup = {c: i for i, c in enumerate(categories)}
        codes = np.fromiter((lookup.get(v, -1) for v in values), dtype=np.int64, count=len(values))
    bad = np.flatnonzero(codes < 0)
    if len(bad):
        row = int(bad[0])
        raise DataError(
            f"answer {values.iloc[row]!r} of item {responses[ITEM].iloc[row]!r} is not one of the declared "
            f"categories ({', '.join(map(str, categories[:12]))}{', ...' if len(categories) > 12 else ''})",
            location=Location(row=row + 2, field=ANSWER),
            hint="fix the answer or declare the category in the guideline",
        )
    item_codes, items = pd.factorize(responses[ITEM], sort=True)
    annotator_codes, annotators = pd.factorize(responses[ANNOTATOR], sort=True)
    item_codes = item_codes.astype(np.int64)
    annotator_codes = annotator_codes.astype(np.int64)
    key = item_codes * max(len(annotators), 1) + annotator_codes
    if len(key) and np.bincount(key).max() > 1:
        keep = ~pd.Series(key).duplicated(keep="last").to_numpy()
        item_codes, annotator_codes, codes = item_codes[keep], annotator_codes[keep], codes[keep]
    return Encoded(
        items=pd.Index(items, name=ITEM),
        annotators=pd.Index(annotators, name=ANNOTATOR),
        categories=categories,
        unit_codes=item_codes,
        annotator_codes=annotator_codes,
        category_codes=codes,
        unit_items=np.arange(len(items), dtype=np.int64),
    )
