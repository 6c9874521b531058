"""Analysis results as tables for pages and reports: per-rule rows, answers as text, flag words.

The agreement engine returns typed blocks (`calibration.agreement.results`: statistics as floats,
NaN when undefined, intervals and flags); these helpers lay them out as pandas tables without
recomputing anything.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from calibration.agreement.breakdown import FEW_ITEMS
from calibration.agreement.items import item_agreement
from calibration.agreement.results import NAN, AnyBlock, blocks_frame
from calibration.answers import answer_to_json
from calibration.responses import ANNOTATOR, ANSWER, COMMENT, ITEM, RULE

FLAG_WORDS: dict[str, str] = {
    "few_items": "too few items to judge this rule; the interval is wide",
    "skewed_prevalence": (
        "one label dominates: raw agreement is high but kappa/alpha are low (the kappa paradox); "
        "read Gwet's AC1 rather than calling the rule ambiguous"
    ),
    "undefined_single_category": "every answer is the same label, so chance-corrected agreement is undefined",
    "single_annotator": "some items have one answer only and cannot be compared",
    "no_gold": "no gold answers to score against",
    "low_agreement": "agreement is confidently below the target",
    "good_annotators_fail": "annotators who do well elsewhere make mistakes here",
    "gold_suspect": "most annotators agree with each other and not with gold: review the gold answer",
    "confused_labels": "one pair of labels accounts for most of the disagreement",
    "low_confidence": "annotators report low confidence",
    "flagged_unclear": "annotators flagged the guideline as unclear",
    "overlapping_rules": "annotators disagree about which rule applies",
    "contradictory_examples": "near-duplicate examples have different gold answers",
    "vague_wording": "the rule text uses vague wording",
    "suspect_items": "strong annotators miss some quiz items as often as weak ones: review their gold",
    "estimate_outside_ci": (
        "an estimate lies outside its 95% percentile interval: the bootstrap distribution is skewed "
        "(few items or a biased statistic), so read the interval as rough"
    ),
}

FLAG_NAMES: dict[str, str] = {
    "few_items": f"few items (under {FEW_ITEMS})",
    "skewed_prevalence": "skewed labels: kappa paradox",
    "undefined_single_category": "one label only",
    "single_annotator": "items with one answer",
    "no_pairable_items": "no item with two answers",
    "no_gold": "no gold",
    "low_agreement": "low agreement",
    "good_annotators_fail": "good annotators fail here",
    "gold_suspect": "gold answer suspect",
    "confused_labels": "two labels confused",
    "low_confidence": "low confidence",
    "flagged_unclear": "flagged as unclear",
    "overlapping_rules": "overlapping rules",
    "contradictory_examples": "contradictory examples",
    "vague_wording": "vague wording",
    "missing_edge_cases": "no edge cases",
    "long_time": "slow to answer",
    "suspect_items": "suspect quiz items",
    "cohen_ci_omitted": "no interval for Cohen's kappa",
    "estimate_outside_ci": "estimate outside its interval",
}
"""Short names of flag codes, for labels and badges (`FLAG_WORDS` has the sentence)."""

STATISTIC_NAMES: dict[str, str] = {
    "krippendorff_alpha": "Krippendorff's alpha",
    "fleiss_kappa": "Fleiss' kappa",
    "cohen_kappa_mean": "Cohen's kappa (mean over pairs)",
    "cohen_kappa": "Cohen's kappa",
    "gwet_ac1": "Gwet's AC1",
    "gwet_ac2": "Gwet's AC2",
    "scott_pi": "Scott's pi",
    "percent_agreement": "percent agreement",
    "gold_accuracy": "accuracy vs gold",
    "gold_kappa": "kappa vs gold",
}
"""Names of statistic codes as the literature writes them."""

TABLE_STATISTICS = ("krippendorff_alpha", "cohen_kappa_mean", "gwet_ac1", "fleiss_kappa", "percent_agreement")
CI_STATISTICS = ("krippendorff_alpha", "cohen_kappa_mean", "gwet_ac1")


def describe_flag(code: str) -> str:
    """Plain words for a machine-readable flag code (the code itself when unknown)."""
    return FLAG_WORDS.get(code, code.replace("_", " "))


def flag_name(code: str) -> str:
    """A short name for a flag code, e.g. ``"few_items"`` -> ``"few items (under 10)"``."""
    return FLAG_NAMES.get(code, code.replace("_", " "))


def statistic_name(code: str) -> str:
    """The name of a statistic code, e.g. ``"krippendorff_alpha"`` -> ``"Krippendorff's alpha"``."""
    return STATISTIC_NAMES.get(code, code.replace("_", " "))


def kappa_paradox_note(block: Mapping[str, float]) -> str:
    """Why a rule flagged ``skewed_prevalence`` is not necessarily ambiguous, with its own figures.

    Args:
        block: statistics by name (``Statistics.values()``) or a `rule_table` row (``percent_agreement``,
            ``krippendorff_alpha``, ``gwet_ac1``; missing or NaN ones are left out).

    Kappa-type statistics (Cohen, Fleiss, Krippendorff) subtract the agreement expected by chance,
    estimated from how often each label is used. When one label dominates, chance agreement is
    close to 1, so a few disagreements pull them far down although annotators agree on most items
    (Feinstein & Cicchetti 1990). Gwet's AC1 estimates chance agreement in a way that a dominant
    label does not inflate (Gwet 2008).
    """
    figures = []
    for code in ("percent_agreement", "krippendorff_alpha", "fleiss_kappa", "cohen_kappa_mean", "gwet_ac1"):
        value = float(block.get(code, NAN))
        if not np.isnan(value):
            figures.append(f"{statistic_name(code)} {value:.2f}")
    shown = f" ({', '.join(figures)})" if figures else ""
    return (
        f"Kappa paradox{shown}: annotators agree on most items, but one label makes up most answers, "
        "so the agreement expected by chance is high and kappa-type statistics (alpha, kappa) come out "
        "low even though annotators rarely disagree. Read Gwet's AC1, which a dominant label does not "
        "fool, before calling the rule ambiguous; if AC1 is high, add items of the rarer labels rather "
        "than rewriting the rule."
    )


def describe_flags(codes: Iterable[str]) -> str:
    """All flags of a block in words, separated by semicolons ('' when none)."""
    return "; ".join(describe_flag(c) for c in codes)


RULE_TABLE_COLUMNS = (
    "n_items",
    "n_annotators",
    "n_annotations",
    *TABLE_STATISTICS,
    *(f"{s}_{end}" for s in CI_STATISTICS for end in ("low", "high")),
    "gold_accuracy",
    "gold_kappa",
)


def rule_table(per_rule: Mapping[str, AnyBlock], titles: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per rule: counts, statistics, 95% intervals, gold scores and flags (codes and words).

    The rows of `calibration.agreement.results.blocks_frame` (`AgreementReport.per_rule_frame`), with
    the rule's title and the flags in words.

    Args:
        per_rule: the report's blocks by rule id (``report.per_rule``).
        titles: rule titles by rule id, shown next to the id.

    Returns:
        DataFrame indexed by ``rule_id`` with columns ``title, n_items, n_annotators, n_annotations``,
        each statistic of `TABLE_STATISTICS`, ``<statistic>_low``/``<statistic>_high`` for the
        statistics with intervals, ``gold_accuracy``, ``gold_kappa``, ``flags`` (list of codes) and
        ``flags_text`` (words). Statistics that are undefined (or that the task type has not) are NaN.
    """
    frame = blocks_frame(per_rule, RULE)
    table = frame.reindex(columns=list(RULE_TABLE_COLUMNS)).astype(float)
    for count in ("n_items", "n_annotators", "n_annotations"):
        table[count] = table[count].fillna(0).astype(int)
    flags = [list(map(str, f)) for f in frame["flags"]] if "flags" in frame else []
    table.insert(0, "title", [(titles or {}).get(str(r), "") for r in table.index])
    table["flags"] = pd.Series(flags, index=table.index, dtype=object)
    table["flags_text"] = [describe_flags(f) for f in flags]
    table.index = table.index.astype(str)
    table.index.name = RULE
    return table


def answer_text(task_type: str, answer: Any, text: str | None = None) -> str:
    """A canonical answer in full for a reader, plain text: spans as ``"text" LABEL``, boxes with their
    coordinates, rankings as ``a > b``; '' for none.

    Tables, the adjudication queue and reports show it; `calibration.ambiguity.signals.answer_key` is
    the compact key that counts answers and names them in the ambiguity evidence.
    """
    if answer is None or (isinstance(answer, float) and np.isnan(answer)):
        return ""
    if task_type == "span":
        parts = []
        for span in answer:
            start, end, label = span[0], span[1], span[2]
            shown = json.dumps(text[start:end], ensure_ascii=False) if text is not None else f"{start}-{end}"
            parts.append(f"{shown} {label}")
        return "; ".join(parts) if parts else "(no span)"
    if task_type == "boxes":
        boxes = [  # whole pixels: a drawn box's corners are fractions of a pixel
            f"{b['label']} {_pixels(b['width'])}×{_pixels(b['height'])} at ({_pixels(b['x'])}, {_pixels(b['y'])})"
            for b in answer_to_json(task_type, answer)
        ]
        return "; ".join(boxes) if boxes else "(no boxes)"
    value = answer_to_json(task_type, answer)
    if isinstance(value, list):
        return " > ".join(map(str, value)) if task_type == "ranking" else ", ".join(map(str, value))
    return str(value)


def _pixels(value: Any) -> str:
    return str(round(float(value)))


def input_text(item_input: Any) -> str:
    """The text an annotator saw for an item input (text, or prompt with replies/candidates).

    An image shows as ``[image: path] alt`` on its own line before the text.
    """
    if item_input is None:
        return ""
    image = getattr(item_input, "image", None)
    if image is not None:
        shown = f"[image: {image}] {item_input.alt}"
        rest = input_text(item_input.model_copy(update={"image": None, "alt": None}))
        return f"{shown}\n{rest}" if rest else shown
    if hasattr(item_input, "text"):
        return str(item_input.text)
    if hasattr(item_input, "a"):
        return f"{item_input.prompt}\n[A] {item_input.a}\n[B] {item_input.b}"
    if hasattr(item_input, "candidates"):
        listed = "\n".join(f"[{cid}] {text}" for cid, text in item_input.candidates.items())
        return f"{item_input.prompt}\n{listed}"
    return str(item_input)


def items_side_by_side(
    guideline: Any,
    responses: pd.DataFrame,
    gold: pd.Series,
    item_ids: Iterable[str],
    *,
    max_items: int = 200,
) -> pd.DataFrame:
    """Answers to `item_ids` side by side: one row per item, one column per annotator, plus gold.

    Args:
        guideline: the round's `Guideline` (for the task type and item texts; unknown items get '').
        responses: the responses table.
        gold: gold answers indexed by item_id.
        item_ids: the items to show (e.g. the items of one rule), in this order.
        max_items: show at most this many items, the most disagreed first.

    Returns:
        DataFrame indexed by item_id, the most disagreed items first (lowest share of the majority
        answer, then highest entropy of the answers, then item id; items nobody answered last), with
        columns ``text``, ``gold`` (text, '' without gold), ``majority share`` (NaN when unanswered),
        ``distinct answers``, one column per annotator (answers as text, '' when not answered) and
        ``comments`` when the responses have comments.

        Boxes tasks have no majority answer (two people's boxes are never equal to the pixel): their
        items come highest ``box disagreement`` first (the image's observed disagreement, distance
        1 − IoU over matched boxes, 1 for a box no one else drew:
        `calibration.agreement.boxes.box_item_disagreement`), with ``box disagreement`` and
        ``mean IoU`` (of the boxes matched at any overlap) in place of ``majority share`` and
        ``distinct answers``; answers read "VEHICLE 83×71 at (137, 59)" in whole pixels.
    """
    task_type = guideline.task.type
    wanted = list(dict.fromkeys(str(i) for i in item_ids))
    part = responses[responses[ITEM].isin(set(wanted))]
    if task_type == "boxes":
        return _box_items_side_by_side(guideline, part, gold, wanted, max_items)
    # choose the items first (most disagreed first, by the engine's per-item agreement) so text is built
    # for those only
    per_item = (
        item_agreement(part, guideline.task).reindex(wanted)
        if not part.empty
        else pd.DataFrame(index=wanted, columns=["majority_share", "entropy", "n_distinct"], dtype=float)
    )
    share = per_item["majority_share"].astype(float)
    entropy = per_item["entropy"].astype(float).fillna(0.0)
    distinct = per_item["n_distinct"].astype(float).fillna(0).astype(int)
    # one vectorised sort (a Python key per item took ~0.2 s for a rule of 5,000 items): unanswered
    # last, then lowest majority share, highest entropy, item id
    keys = pd.DataFrame(
        {
            "unanswered": share.isna().to_numpy(),
            "share": share.fillna(0.0).to_numpy(),
            "entropy": -entropy.to_numpy(),
            "item": wanted,
        }
    )
    order = keys.sort_values(["unanswered", "share", "entropy", "item"], kind="mergesort").index
    ranked = [wanted[i] for i in order[:max_items]]
    part = part[part[ITEM].isin(set(ranked))]
    bank = {item.id: item for item in guideline.items}
    texts = {i: input_text(bank[i].input) if i in bank else "" for i in ranked}
    span_text = texts if task_type == "span" else {}
    shown = [
        answer_text(task_type, answer, span_text.get(item))
        for item, answer in zip(part[ITEM], part[ANSWER], strict=True)
    ]
    out = pd.DataFrame(index=pd.Index(ranked, name=ITEM))
    out["text"] = [texts[i] for i in ranked]
    out["gold"] = [
        answer_text(task_type, gold[i], span_text.get(i)) if i in gold.index else "" for i in ranked
    ]
    out["majority share"] = share.reindex(ranked).to_numpy()
    out["distinct answers"] = distinct.reindex(ranked).to_numpy()
    return _with_answers(out, part, shown, responses)


def _with_answers(
    out: pd.DataFrame, part: pd.DataFrame, shown: list[str], responses: pd.DataFrame
) -> pd.DataFrame:
    """`out` (indexed by the ranked item ids) joined with one column of answer texts per annotator, and
    the comments when the responses have some."""
    ranked = list(out.index)
    wide = (
        pd.DataFrame({ITEM: part[ITEM].to_numpy(), ANNOTATOR: part[ANNOTATOR].to_numpy(), ANSWER: shown})
        .pivot_table(index=ITEM, columns=ANNOTATOR, values=ANSWER, aggfunc="last")
        .reindex(ranked)
        .fillna("")
    )
    wide.columns = [str(c) for c in wide.columns]
    out = out.join(wide)
    if COMMENT in responses:
        comments = part.dropna(subset=[COMMENT]).groupby(ITEM)[COMMENT].agg(lambda c: " | ".join(map(str, c)))
        out["comments"] = comments.reindex(ranked).fillna("").to_numpy()
    return out


def _box_items_side_by_side(
    guideline: Any, part: pd.DataFrame, gold: pd.Series, wanted: list[str], max_items: int
) -> pd.DataFrame:
    """`items_side_by_side` of a boxes task: the images with the highest box disagreement first."""
    from calibration.agreement.boxes import box_item_disagreement  # lazy: the boxes engine is large

    per_item = (
        box_item_disagreement(part, guideline.task).reindex(wanted)
        if not part.empty
        else pd.DataFrame(index=wanted, columns=["disagreement", "mean_iou"], dtype=float)
    )
    disagreement = per_item["disagreement"].astype(float)
    keys = pd.DataFrame(
        {
            "unanswered": disagreement.isna().to_numpy(),
            "disagreement": -disagreement.fillna(0.0).to_numpy(),
            "item": wanted,
        }
    )
    order = keys.sort_values(["unanswered", "disagreement", "item"], kind="mergesort").index
    ranked = [wanted[i] for i in order[:max_items]]
    part = part[part[ITEM].isin(set(ranked))]
    bank = {item.id: item for item in guideline.items}
    out = pd.DataFrame(index=pd.Index(ranked, name=ITEM))
    out["text"] = [input_text(bank[i].input) if i in bank else "" for i in ranked]
    # an empty gold cell would not tell "gold: no boxes" from "no gold answer"
    out["gold"] = [answer_text("boxes", gold[i]) if i in gold.index else "(no gold)" for i in ranked]
    out["box disagreement"] = disagreement.reindex(ranked).to_numpy()
    out["mean IoU"] = per_item["mean_iou"].astype(float).reindex(ranked).to_numpy()
    shown = [answer_text("boxes", answer) for answer in part[ANSWER]]
    return _with_answers(out, part, shown, part)
