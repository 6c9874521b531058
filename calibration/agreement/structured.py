"""Structured answers (multi-label sets, spans, rankings) reduced to the categorical machinery.

`unitize` turns any canonical responses table into categorical judgements on *units*
(`calibration.agreement.encoding.Encoded`), so every coefficient, breakdown and bootstrap applies
unchanged; items stay the resampling clusters of the bootstrap.

- single_label, rating, pairwise: the unit is the item; categories are the declared labels, scale
  points, or ``a``/``b``/``tie`` (so pairwise preference alpha is nominal alpha over {a, b, tie}).
- multi_label: one binary unit per (item, declared label): 1 when the annotator chose the label. The
  per-label coefficients are binary alpha/kappa of that label; overall ones pool the binary units.
  `set_alpha` adds Krippendorff's alpha with a set distance (MASI, Passonneau 2006, or Jaccard).
- span: one unit per (item, token) that at least one annotator put in a span; its category is the
  span label or ``"O"`` (token-level alpha; tokens nobody marked are left out, so the value does not
  depend on text length). Tokens come from the item's input text when `inputs` are given (runs of
  word characters and single punctuation marks); without the text, each character is a token. `span_pair_f1` gives the pairwise exact and overlap F1
  (Hripcsak & Rothschild 2005), symmetric in the two annotators.
- ranking: one unit per (item, candidate) whose category is the rank position (0 = best); alpha on
  ranks uses the ordinal level by default. `kendall_w` gives Kendall's coefficient of concordance per
  item (Kendall & Babington Smith 1939), averaged over items.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from calibration.agreement.encoding import Encoded, encode
from calibration.errors import DataError, Location
from calibration.responses import ANNOTATOR, ANSWER, ITEM

if TYPE_CHECKING:
    from calibration.guidelines.model import Task

OUTSIDE = "O"


def _dedup(responses: pd.DataFrame) -> pd.DataFrame:
    return responses.drop_duplicates([ITEM, ANNOTATOR], keep="last").reset_index(drop=True)


def _check_iterable(frame: pd.DataFrame, kind: str) -> None:
    for row, value in enumerate(frame[ANSWER]):
        if not isinstance(value, tuple | list):
            raise DataError(
                f"a {kind} answer must be a list, got {value!r} for item {frame[ITEM].iloc[row]!r}",
                location=Location(row=row + 2, field=ANSWER),
                hint="structured answers are JSON lists in the answer column",
            )


TOKEN = re.compile(r"\w+|[^\w\s]")


def token_bounds(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Start and end offsets of the tokens of `text` (runs of word characters, single punctuation)."""
    found = [(m.start(), m.end()) for m in TOKEN.finditer(text)]
    if not found:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    starts, ends = zip(*found, strict=True)
    return np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)


def unitize(responses: pd.DataFrame, task: Task, inputs: Mapping[str, Any] | None = None) -> Encoded:
    """Encode a canonical responses table as categorical judgements on units (see module docstring).

    Args:
        responses: canonical responses.
        task: the guideline task.
        inputs: item inputs by item_id; for span tasks, items whose input has a text are judged per
            token (a token takes the label of a span that overlaps it) instead of per character.

    Raises:
        DataError: an answer that does not fit the task (naming the row).
    """
    kind = task.type
    if kind in ("single_label", "rating", "pairwise"):
        return encode(responses, task.categories)
    frame = _dedup(responses)
    _check_iterable(frame, kind)
    item_codes, items = pd.factorize(frame[ITEM], sort=True)
    ann_codes, annotators = pd.factorize(frame[ANNOTATOR], sort=True)
    n_items = len(items)
    answers = list(frame[ANSWER])
    if kind == "multi_label":
        labels = list(task.label_ids)
        index = {lab: i for i, lab in enumerate(labels)}
        n_l = len(labels)
        member = np.zeros((len(frame), n_l), dtype=np.int64)
        for row, answer in enumerate(answers):
            for lab in answer:
                position = index.get(lab)
                if position is None:
                    raise DataError(
                        f"unknown label {lab!r} in the answer of item {frame[ITEM].iloc[row]!r}",
                        location=Location(row=row + 2, field=ANSWER),
                        hint=f"declared labels: {', '.join(labels)}",
                    )
                member[row, position] = 1
        units = (item_codes[:, None] * n_l + np.arange(n_l)[None, :]).ravel()
        return Encoded(
            items=pd.Index(items, name=ITEM),
            annotators=pd.Index(annotators, name=ANNOTATOR),
            categories=[0, 1],
            unit_codes=units.astype(np.int64),
            annotator_codes=np.repeat(ann_codes, n_l).astype(np.int64),
            category_codes=member.ravel(),
            unit_items=np.repeat(np.arange(n_items), n_l).astype(np.int64),
            unit_keys=np.tile(np.array(labels, dtype=object), n_items),
            unit_kind="item_label",
        )
    if kind == "span":
        categories = [OUTSIDE, *task.label_ids]
        lab_index = {lab: i + 1 for i, lab in enumerate(task.label_ids)}
        rows, positions, cats = [], [], []
        bounds: dict[Any, tuple[np.ndarray, np.ndarray] | None] = {}
        for row, answer in enumerate(answers):
            item_id = frame[ITEM].iloc[row]
            if item_id not in bounds:
                text = getattr((inputs or {}).get(item_id), "text", None)
                bounds[item_id] = token_bounds(text) if isinstance(text, str) else None
            tokens = bounds[item_id]
            for span in answer:
                start, end, label = span[0], span[1], span[2]
                if label not in lab_index:
                    raise DataError(
                        f"unknown span label {label!r} in the answer of item {frame[ITEM].iloc[row]!r}",
                        location=Location(row=row + 2, field=ANSWER),
                    )
                if tokens is None:
                    covered = np.arange(start, end)
                else:  # tokens overlapping the span
                    covered = np.flatnonzero((tokens[0] < end) & (tokens[1] > start))
                rows.append(np.full(len(covered), row))
                positions.append(covered)
                cats.append(np.full(len(covered), lab_index[label]))
        if rows:
            r_arr, p_arr, c_arr = np.concatenate(rows), np.concatenate(positions), np.concatenate(cats)
        else:
            r_arr = p_arr = c_arr = np.zeros(0, dtype=np.int64)
        # units: (item, position) marked by anyone
        unit_frame = pd.DataFrame({"item": item_codes[r_arr], "pos": p_arr}).drop_duplicates()
        # an item where nobody marked a span is one unit (position -1) on which every answer says
        # "no span": its annotators agree, and it counts (as an item with no label does in multi-label)
        empty = np.setdiff1d(np.arange(n_items), unit_frame["item"].to_numpy())
        if len(empty):
            unit_frame = pd.concat(
                [unit_frame, pd.DataFrame({"item": empty, "pos": np.full(len(empty), -1)})], ignore_index=True
            )
        unit_frame = unit_frame.sort_values(["item", "pos"]).reset_index(drop=True)
        unit_index = pd.MultiIndex.from_frame(unit_frame)
        # every answer row of an item judges every unit of that item (O where not marked)
        per_item = unit_frame.groupby("item").indices
        all_rows, all_units = [], []
        for row in range(len(frame)):
            units = per_item.get(item_codes[row])
            if units is not None:
                all_rows.append(np.full(len(units), row))
                all_units.append(units)
        if all_rows:
            a_rows, a_units = np.concatenate(all_rows), np.concatenate(all_units)
        else:
            a_rows = a_units = np.zeros(0, dtype=np.int64)
        category = np.zeros(len(a_rows), dtype=np.int64)
        marked = pd.Series(
            c_arr,
            index=pd.MultiIndex.from_arrays(
                [r_arr, unit_index.get_indexer(pd.MultiIndex.from_arrays([item_codes[r_arr], p_arr]))]
            ),
        )
        marked = marked[~marked.index.duplicated(keep="last")]
        lookup = pd.Series(np.arange(len(a_rows)), index=pd.MultiIndex.from_arrays([a_rows, a_units]))
        where = lookup.reindex(marked.index).to_numpy()
        category[where] = marked.to_numpy()
        return Encoded(
            items=pd.Index(items, name=ITEM),
            annotators=pd.Index(annotators, name=ANNOTATOR),
            categories=categories,
            unit_codes=a_units.astype(np.int64),
            annotator_codes=ann_codes[a_rows].astype(np.int64),
            category_codes=category,
            unit_items=unit_frame["item"].to_numpy().astype(np.int64),
            unit_keys=unit_frame["pos"].to_numpy(),
            unit_kind="item_token" if inputs else "item_char",
        )
    if kind == "ranking":
        size = task.candidates or max((len(a) for a in answers), default=0)
        cand_frame = pd.DataFrame(
            [(item_codes[row], c, rank, row) for row, a in enumerate(answers) for rank, c in enumerate(a)],
            columns=["item", "cand", "rank", "row"],
        )
        if cand_frame.empty:
            raise DataError("no ranking answers to analyse")
        unit_codes, unit_index = pd.factorize(
            pd.MultiIndex.from_frame(cand_frame[["item", "cand"]]), sort=True
        )
        unit_items = np.asarray(unit_index.get_level_values(0), dtype=np.int64)
        return Encoded(
            items=pd.Index(items, name=ITEM),
            annotators=pd.Index(annotators, name=ANNOTATOR),
            categories=list(range(size)),
            unit_codes=unit_codes.astype(np.int64),
            annotator_codes=ann_codes[cand_frame["row"].to_numpy()].astype(np.int64),
            category_codes=cand_frame["rank"].to_numpy().astype(np.int64),
            unit_items=unit_items,
            unit_keys=np.asarray(unit_index.get_level_values(1), dtype=object),
            unit_kind="item_candidate",
        )
    raise DataError(f"unknown task type {kind!r}")


# --------------------------------------------------------------------------- set-distance alpha


def masi_distance(a: Iterable[Any], b: Iterable[Any]) -> float:
    """MASI distance (Passonneau 2006): ``1 - J * M`` with Jaccard J and monotonicity M
    (1 equal, 2/3 subset, 1/3 overlap, 0 disjoint)."""
    sa, sb = set(a), set(b)
    if not sa and not sb:
        return 0.0
    union = len(sa | sb)
    inter = len(sa & sb)
    if sa == sb:
        m = 1.0
    elif sa <= sb or sb <= sa:
        m = 2 / 3
    elif inter:
        m = 1 / 3
    else:
        m = 0.0
    return 1 - (inter / union) * m


def jaccard_distance(a: Iterable[Any], b: Iterable[Any]) -> float:
    """``1 - |A & B| / |A | B|`` (0 for two empty sets)."""
    sa, sb = set(a), set(b)
    union = len(sa | sb)
    return 0.0 if union == 0 else 1 - len(sa & sb) / union


def set_alpha(responses: pd.DataFrame, distance: str = "masi") -> float | None:
    """Krippendorff's alpha of multi-label answers with a set distance (each distinct set is a value).

    Returns:
        alpha, or None when undefined (one distinct set, or no unit with two answers).
    """
    frame = _dedup(responses)
    if frame.empty:
        return None
    sets = [frozenset(a) for a in frame[ANSWER]]
    codes, uniques = pd.factorize(pd.Series(sets, dtype=object))
    item_codes, items = pd.factorize(frame[ITEM])
    q = len(uniques)
    if q <= 1:
        return None
    dist = masi_distance if distance == "masi" else jaccard_distance
    delta = np.array([[dist(a, b) for b in uniques] for a in uniques])
    counts = (
        np.bincount(item_codes * q + codes, minlength=len(items) * q).reshape(len(items), q).astype(float)
    )
    return alpha_with_distance(counts, delta)


def alpha_with_distance(counts: np.ndarray, delta: np.ndarray) -> float | None:
    """Krippendorff's alpha from a units x values count matrix and any distance matrix."""
    m = counts.sum(axis=1)
    keep = m >= 2
    c = counts[keep]
    if len(c) == 0:
        return None
    d_o = float(np.einsum("ik,kl,il->i", c, delta, c) @ (1 / (m[keep] - 1)))
    n_c = c.sum(axis=0)
    n = n_c.sum()
    d_e = float(n_c @ delta @ n_c)
    if d_e == 0:
        return None
    return 1 - (n - 1) * d_o / d_e


# --------------------------------------------------------------------------- spans and rankings


def _overlap_matches(spans_a: list[tuple], spans_b: list[tuple]) -> int:
    """Size of a maximum one-to-one matching of same-label overlapping spans (augmenting paths)."""
    edges = [
        [j for j, y in enumerate(spans_b) if x[2] == y[2] and x[0] < y[1] and y[0] < x[1]] for x in spans_a
    ]
    owner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j in edges[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    return sum(augment(i, set()) for i in range(len(spans_a)))


def span_pair_f1(responses: pd.DataFrame) -> dict[str, float | None]:
    """Mean pairwise span F1 over annotator pairs, on the items both answered.

    Exact: ``2|A & B| / (|A| + |B|)`` over (item, start, end, label). Overlap: spans are matched one to
    one (a maximum matching between the two annotators' spans of an item, an edge joining two spans
    with the same label that overlap), ``F1 = 2 matches / (|A| + |B|)``, as nervaluate's ``ent_type``
    scores: one span against its two halves matches once (F1 2/3), not twice. Both are symmetric in
    the two annotators.

    Returns:
        {"span_f1_exact", "span_f1_overlap"} (None without a pair sharing an item with spans).
    """
    frame = _dedup(responses)
    by_ann = {a: dict(zip(p[ITEM], p[ANSWER], strict=True)) for a, p in frame.groupby(ANNOTATOR, sort=True)}
    names = sorted(by_ann)
    exact, overlap = [], []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            shared = by_ann[a].keys() & by_ann[b].keys()
            tp = size = matched = 0
            for item in shared:
                sa = {tuple(s) for s in by_ann[a][item]}
                sb = {tuple(s) for s in by_ann[b][item]}
                tp += len(sa & sb)
                size += len(sa) + len(sb)
                matched += 2 * _overlap_matches(sorted(sa), sorted(sb))
            if size:
                exact.append(2 * tp / size)
                overlap.append(matched / size)
    return {
        "span_f1_exact": float(np.mean(exact)) if exact else None,
        "span_f1_overlap": float(np.mean(overlap)) if overlap else None,
    }


def kendall_w(ranks: np.ndarray) -> float | None:
    """Kendall's W for a raters x objects matrix of ranks (no ties): ``12 S / (m^2 (n^3 - n))``."""
    ranks = np.asarray(ranks, dtype=float)
    m, n = ranks.shape
    if m < 2 or n < 2:
        return None
    totals = ranks.sum(axis=0)
    s = float(((totals - totals.mean()) ** 2).sum())
    return 12 * s / (m**2 * (n**3 - n))


def mean_kendall_w(responses: pd.DataFrame) -> float | None:
    """Kendall's W per item (annotators x candidates), averaged over items with two or more rankings."""
    frame = _dedup(responses)
    values = []
    for _item, part in frame.groupby(ITEM, sort=False):
        orders = [tuple(a) for a in part[ANSWER]]
        if len(orders) < 2:
            continue
        cands = sorted(set(orders[0]))
        if any(sorted(o) != cands for o in orders):
            continue
        pos = [{c: r for r, c in enumerate(o)} for o in orders]
        w = kendall_w(np.array([[p[c] for c in cands] for p in pos]))
        if w is not None:
            values.append(w)
    return float(np.mean(values)) if values else None


def structured_extras(responses: pd.DataFrame, task: Task) -> dict[str, float | None]:
    """Task-specific block fields: masi_alpha (multi_label), span F1 (span), kendall_w (ranking)."""
    if task.type == "multi_label":
        return {"masi_alpha": set_alpha(responses, "masi")}
    if task.type == "span":
        return span_pair_f1(responses)
    if task.type == "ranking":
        return {"kendall_w": mean_kendall_w(responses)}
    return {}
