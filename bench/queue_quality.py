"""Quality of the revision queue and of `compare`, on simulated pilots whose truth is known.

Design (see docs/ambiguity.md, "How good is the queue"):

- A pilot has 8-12 rules, 3-8 annotators and a single-label task over 8 labels; each rule uses 2 or 3
  of them. Annotators have a skill (0.88-0.97): on a clear rule they give the true label with that
  probability, else another label of the rule at random.
- Planted ambiguity (the positives), of two kinds:
  ``two_readings``: the annotators hold one of two readings of the rule; on the contested items
  (20-50 %) the second reading gives another label; each annotator then applies their reading with
  their skill. ``vague_boundary``: items sit on a line between two labels; each annotator has their own
  threshold and some jitter, so the items near the boundary split.
  ``few_ambiguous``: an ambiguous rule with only 4-9 items (reported separately: it must come out as
  "likely ambiguous, pilot more items").
- Traps (negatives that a naive ranking puts on top): ``skewed_clear`` (one label holds ~92 % of the
  items, annotators as accurate as elsewhere, so kappa/alpha are low while raw agreement is high),
  ``few_clear`` (a clear rule with 4-9 items), ``noise_pair`` (a clear 3-label rule whose ordinary mistakes
  all fall on one label pair), ``hard_clear`` (a clear rule whose items are long: every annotator
  slips twice as often, at random, and is 15 % slower and 0.1 less confident), a ``careless``
  annotator answering at random on 20 % of items,
  and ``wrong_gold`` (3 gold answers of clear rules are wrong).
- Annotator signals (confidence 1-5, "unclear", seconds) are drawn for every answer; on ambiguous
  rules the confidence is 0.2 lower on average (sd 1, plus a per-annotator offset of sd 0.5),
  "unclear" 5 % instead of 4 %, and answers 8 % slower (log-normal, with per-annotator and per-item
  pace): weak signals, as in real pilots. The ``silent`` scenario collects none of them.
- Scenarios: ``base`` (ambiguity and the skewed/few/noise-pair traps), ``careless`` (+ one careless
  annotator), ``wrong_gold`` (+ wrong gold), ``small`` (3-4 annotators, 12-25 items per rule),
  ``hard`` (+ hard-but-clear rules), ``silent`` (as ``base`` without annotator signals), ``all``
  (every trap at once).
- Methods, in the same run on the same pilots: the queue (`revision_queue`) and sorting the rules by
  raw percent agreement, Gwet's AC1, Krippendorff's alpha and Fleiss' kappa (lowest first; rules
  whose statistic is undefined last), all taken from the same agreement report.
- The ranking output ends with a summary row per scenario: precision at k of every method, the queue
  minus the best baseline (paired over the same pilots), the skewed-but-clear trap rate (queue / percent
  agreement) and the few-item ambiguous rules reported ``likely_ambiguous``.
- Rules with fewer items with two or more answers than the queue's few-item threshold
  (`calibration.ambiguity.signals.MIN_ITEMS`) leave every method's ranking, by that observable count,
  ambiguous or clear alike; the queue's verdict on them is reported apart (few-item ambiguous rules
  reported ``likely_ambiguous``, few-item clear ones falsely so).
- Metrics: k = number of planted ambiguous rules with enough items; precision at k (= recall at k),
  recall at 3, mean reciprocal rank of the first ambiguous rule, the rate at which each trap rule
  lands in the top k, and the share of few-item ambiguous rules reported as such; 95 % intervals from
  a bootstrap over pilots.
- `compare`: each pilot is re-piloted (same items, fresh answers); half of its ambiguous rules are
  fixed (they become clear), the others stay ambiguous; in ``careless`` the careless annotator leaves
  between the versions (an annotator-pool change). The two pilots carry guideline versions 1.0.0 and
  1.1.0 in which exactly the planted ambiguous rules (the ones the lead rewrote, fixed or not) changed
  text (`_version_pilot`), as on the Compare page, so a rule the lead did not touch is never called
  "improved" (``rose_text_unchanged`` instead); the test's own verdicts (``figures["test_verdict"]``)
  are reported beside (``test_`` keys: false "improved" and "improved" after a pool change by the test
  alone). Reported: share of real fixes called "improved",
  false "improved" (rules not fixed), false "worse", "improved" among unchanged rules when the pool
  changed, "improved" when the careless annotator instead stays but quits early in version 2 (answers
  only the first 3 items of each rule, nothing rewritten: `quits_early`, first look), and "not
  enough items to tell", at the first look and after the follow-up: the lead
  pilots the items compare asks for (``more_items``, at most ``--follow-up-cap`` per rule, 400 by
  default, with the number of follow-ups the cap cut; none where compare says the change is too small
  to tell apart) as NEW items of the rule under both versions, on the rules it rewrote (the planted
  ambiguous ones, fixed or not; ``--follow-up all``: on every rule compare asks for), and compares
  them with ``first_look=``; the extra items this costs are reported beside the first look's. Each
  real fix's true effect (the change of mean majority share on 1000 new items, `true_effect`) splits
  the fixes into those of at least ``DETECTABLE`` and the rest. ``--compare-only`` prints shares with
  95% Wilson intervals.

Run: ``python bench/queue_quality.py [--pilots N] [--seed S] [--scenarios a,b] [--no-compare]
[--compare-only] [--follow-up rewritten|all] [--follow-up-cap N]``.
The default (12 pilots per scenario, with compare) takes about five minutes on 2 busy cores. Seeds are ``seed .. seed+N-1``
per scenario; report a fresh range (``--seed``) rather than one tuned against.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LABELS = [f"L{i}" for i in range(8)]
AMBIGUOUS = ("two_readings", "vague_boundary", "few_ambiguous")
TRAPS = ("skewed_clear", "few_clear", "noise_pair", "hard_clear", "wrong_gold")
SCENARIOS = ("base", "careless", "wrong_gold", "small", "hard", "silent", "all")
BASELINES = ("percent_agreement", "gwet_ac1", "krippendorff_alpha", "fleiss_kappa")
MIN_ITEMS = 10


@dataclass
class Rule:
    rule_id: str
    kind: str
    labels: list[str]
    items: list[str] = field(default_factory=list)
    truth: dict[str, str] = field(default_factory=dict)
    fixed: bool = False  # in the re-pilot: the rule was rewritten and is now clear

    @property
    def ambiguous(self) -> bool:
        return self.kind in AMBIGUOUS and not self.fixed


@dataclass
class SimPilot:
    rules: list[Rule]
    annotators: list[str]
    skill: dict[str, float]
    careless: str | None
    responses: pd.DataFrame
    gold: pd.Series
    item_rules: pd.DataFrame
    # per-rule hidden parameters, kept to re-pilot the same rules
    params: dict[str, dict] = field(default_factory=dict)


def _kinds(scenario: str, rng: np.random.Generator, n_rules: int) -> list[str]:
    kinds = ["two_readings", "vague_boundary"]
    if rng.random() < 0.5:
        kinds.append(str(rng.choice(["two_readings", "vague_boundary"])))
    kinds += ["few_ambiguous", "skewed_clear", "few_clear", "noise_pair"]
    if scenario in ("hard", "all"):
        kinds += ["hard_clear", "hard_clear"]
    kinds += ["clear"] * max(0, n_rules - len(kinds))
    return kinds


def _rule_items(kind: str, scenario: str, rng: np.random.Generator) -> int:
    if kind.startswith("few_"):
        return int(rng.integers(4, 10))
    if scenario == "small":
        return int(rng.integers(12, 26))
    return int(rng.integers(15, 41))


def _answer_one(
    rule: Rule, params: dict, item: str, annotator: str, skill: float, rng: np.random.Generator
) -> str:
    truth = rule.truth[item]
    labels = rule.labels
    kind = "clear" if rule.fixed else rule.kind
    if kind == "two_readings":
        if annotator in params["second_reading"] and item in params["contested"]:
            truth = params["contested"][item]
    elif kind in ("vague_boundary", "few_ambiguous"):
        x = params["position"][item] + rng.normal(0, 0.08) - params["threshold"][annotator]
        truth = labels[1] if x > 0 else labels[0]
    if kind == "hard_clear":
        skill = 1 - 2 * (1 - skill)
    if rng.random() < skill:
        return truth
    others = [label for label in labels if label != truth]
    if kind == "noise_pair":
        pair = {labels[0]: labels[1], labels[1]: labels[0]}
        return pair.get(truth, labels[0])
    return str(rng.choice(others))


def _new_rule(rule_id: str, kind: str, n_items: int, rng: np.random.Generator, annotators: list[str]):
    n_labels = 3 if kind == "noise_pair" or (kind == "clear" and rng.random() < 0.4) else 2
    labels = [str(x) for x in rng.choice(LABELS, size=n_labels, replace=False)]
    rule = Rule(rule_id, kind, labels)
    params: dict = {}
    for i in range(n_items):
        item = f"{rule_id}-{i:02d}"
        rule.items.append(item)
        if kind == "skewed_clear":
            rule.truth[item] = labels[1] if rng.random() < 0.08 else labels[0]
        else:
            rule.truth[item] = str(rng.choice(labels))
    if kind == "two_readings":
        share = rng.uniform(0.2, 0.5)
        contested = [it for it in rule.items if rng.random() < share]
        params["contested"] = {
            it: str(rng.choice([lab for lab in labels if lab != rule.truth[it]])) for it in contested
        }
        n_second = max(1, round(len(annotators) * rng.uniform(0.2, 0.5)))
        params["second_reading"] = set(rng.choice(annotators, size=n_second, replace=False).tolist())
    if kind in ("vague_boundary", "few_ambiguous"):
        params["position"] = {it: float(rng.uniform(-1, 1)) for it in rule.items}
        spread = rng.uniform(0.1, 0.3)
        params["threshold"] = {a: float(rng.normal(0, spread)) for a in annotators}
        for it in rule.items:  # the truth is the reading at threshold 0
            rule.truth[it] = labels[1] if params["position"][it] > 0 else labels[0]
    return rule, params


def _respond(sim_rules, params, annotators, skill, careless, rng, signals=True) -> pd.DataFrame:
    from calibration.responses import responses_frame

    records = []
    # annotators differ in how confident and how fast they are, whatever the rule
    offset = {a: rng.normal(0, 0.5) for a in annotators}
    pace = {a: rng.lognormal(0, 0.3) for a in annotators}
    for rule in sim_rules:
        hard = rule.ambiguous
        # hard-but-clear rules have long items: slower and a little less sure, without any ambiguity
        long_items = rule.kind == "hard_clear" and not rule.fixed
        base_level = 3.8 if hard else 3.9 if long_items else 4.0
        slow = 1.08 if hard else 1.15 if long_items else 1.0
        item_pace = {item: rng.lognormal(0, 0.3) for item in rule.items}
        for item in rule.items:
            for annotator in annotators:
                if careless is not None and annotator == careless and rng.random() < 0.2:
                    answer = str(rng.choice(rule.labels))
                else:
                    answer = _answer_one(rule, params[rule.rule_id], item, annotator, skill[annotator], rng)
                level = base_level + offset[annotator]
                confidence = int(np.clip(round(rng.normal(level, 1.0)), 1, 5))
                unclear = bool(rng.random() < (0.05 if hard else 0.04))
                records.append(
                    {
                        "item_id": item,
                        "annotator_id": annotator,
                        "answer": answer,
                        "confidence": confidence,
                        "unclear": unclear,
                        "comment": "not sure which label the rule means" if unclear else None,
                        "seconds": float(
                            rng.lognormal(np.log(30 * slow * pace[annotator] * item_pace[item]), 0.5)
                        ),
                    }
                )
    frame = responses_frame(records)
    if not signals:
        frame = frame.drop(columns=["confidence", "unclear", "comment", "seconds"])
    return frame


def simulate(scenario: str, seed: int) -> SimPilot:
    """One pilot of `scenario`, fully determined by (scenario, seed)."""
    from calibration.responses import gold_series, item_rules_frame

    rng = np.random.default_rng([seed, SCENARIOS.index(scenario)])
    n_rules = int(rng.integers(8, 13))
    n_ann = int(rng.integers(3, 5)) if scenario == "small" else int(rng.integers(3, 9))
    annotators = [f"a{i}" for i in range(n_ann)]
    skill = {a: float(rng.uniform(0.88, 0.97)) for a in annotators}
    careless = annotators[-1] if scenario in ("careless", "all") else None
    rules, params = [], {}
    kinds = _kinds(scenario, rng, n_rules)
    # rule ids carry no hint of the kind: every method breaks ties by rule id, so the ids are drawn at
    # random (numbering the rules in the order of their kinds put the ambiguous rules first on ties)
    ids = rng.permutation(len(kinds))
    for index, kind in enumerate(kinds):
        rule, p = _new_rule(f"R{ids[index]:02d}", kind, _rule_items(kind, scenario, rng), rng, annotators)
        rules.append(rule)
        params[rule.rule_id] = p
    rules.sort(key=lambda r: r.rule_id)
    responses = _respond(rules, params, annotators, skill, careless, rng, signals=scenario != "silent")
    gold = {item: rule.truth[item] for rule in rules for item in rule.items}
    if scenario in ("wrong_gold", "all"):
        clear_items = [it for r in rules if r.kind == "clear" for it in r.items]
        for item in rng.choice(clear_items, size=min(3, len(clear_items)), replace=False):
            rule = next(r for r in rules if item in r.truth)
            gold[item] = str(rng.choice([lab for lab in rule.labels if lab != rule.truth[item]]))
            rule.kind = "wrong_gold" if rule.kind == "clear" else rule.kind
    item_rules = item_rules_frame({it: [r.rule_id] for r in rules for it in r.items})
    return SimPilot(rules, annotators, skill, careless, responses, gold_series(gold), item_rules, params)


def repilot(pilot: SimPilot, seed: int) -> SimPilot:
    """The same rules re-piloted after a revision: half the ambiguous rules are fixed; a careless
    annotator leaves (an annotator-pool change)."""
    rng = np.random.default_rng([seed, 99])
    rules = []
    for rule in pilot.rules:
        new = Rule(rule.rule_id, rule.kind, rule.labels, rule.items, rule.truth)
        new.fixed = rule.kind in AMBIGUOUS and rng.random() < 0.5
        rules.append(new)
    annotators = [a for a in pilot.annotators if a != pilot.careless]
    responses = _respond(
        rules, pilot.params, annotators, pilot.skill, None, rng, "confidence" in pilot.responses
    )
    return SimPilot(
        rules, annotators, pilot.skill, None, responses, pilot.gold, pilot.item_rules, pilot.params
    )


# --------------------------------------------------------------------------- methods


QUITS_AFTER = 3  # quits_early: the careless annotator answers only this many items of each rule in version 2


def quits_early(pilot: SimPilot, seed: int) -> SimPilot:
    """The same rules re-piloted unchanged (none rewritten) by the same annotators, but the careless
    annotator takes part in version 2 and quits early: their answers are kept on only the first
    QUITS_AFTER items of each rule (an annotator-pool change alone; any "improved" is false)."""
    rng = np.random.default_rng([seed, 98])
    rules = [Rule(r.rule_id, r.kind, r.labels, r.items, r.truth) for r in pilot.rules]
    responses = _respond(
        rules,
        pilot.params,
        pilot.annotators,
        pilot.skill,
        pilot.careless,
        rng,
        "confidence" in pilot.responses,
    )
    first = {it for r in rules for it in r.items[:QUITS_AFTER]}
    skipped = (responses["annotator_id"] == pilot.careless) & ~responses["item_id"].isin(first)
    return SimPilot(
        rules,
        pilot.annotators,
        pilot.skill,
        pilot.careless,
        responses[~skipped],
        pilot.gold,
        pilot.item_rules,
        pilot.params,
    )


def quits_early_improved(sim: SimPilot, bootstrap: int, seed: int) -> dict[str, list[bool]]:
    """Per rule, whether compare's first look calls it "improved" when only the careless annotator's
    coverage changed (`quits_early`; no rule rewritten, so never: ``quits_early_improved``) and whether
    its test alone does (``quits_early_test_improved``: the test's own error); empty without a careless
    annotator."""
    from calibration.ambiguity.compare import compare_versions

    if sim.careless is None:
        return {}
    # nothing rewritten: the same text in both versions
    found = compare_versions(
        _version_pilot(sim, "1.0.0", set()),
        _version_pilot(quits_early(sim, seed), "1.0.1", set()),
        bootstrap=bootstrap,
        seed=0,
    )
    return {
        "quits_early_improved": [r.verdict == "improved" for r in found.rules],
        "quits_early_test_improved": [r.figures["test_verdict"] == "improved" for r in found.rules],
    }


def _task():
    from calibration.guidelines.model import Label, Task

    return Task(type="single_label", labels=[Label(id=x, name=x) for x in LABELS])


def _pilot_of(sim: SimPilot):
    from calibration.responses import Annotations

    return Annotations(
        responses=sim.responses, item_rules=sim.item_rules, gold=sim.gold, declared_task=_task()
    )


def rankings(sim: SimPilot, bootstrap: int) -> tuple[dict[str, list[str]], dict[str, dict]]:
    """Rule ids in rank order per method, and the queue entries by rule id."""
    from calibration.agreement.breakdown import agreement_report
    from calibration.ambiguity.queue import agreement_blocks, revision_queue

    pilot = _pilot_of(sim)
    report = agreement_report(
        pilot.responses, pilot.task, item_rules=pilot.item_rules, gold=pilot.gold, bootstrap=bootstrap, seed=0
    )
    queue = revision_queue(pilot, report=report, bootstrap=bootstrap)
    blocks = agreement_blocks(pilot, report=report)
    out = {"queue": [e.rule_id for e in queue.rules]}
    for stat in BASELINES:
        values = {r: blocks[r].value(stat) if r in blocks else float("nan") for r in pilot.rule_ids}
        out[stat] = sorted(
            values, key=lambda r: (np.isnan(values[r]), 0.0 if np.isnan(values[r]) else values[r], r)
        )
    return out, {e.rule_id: e for e in queue.rules}


def observed_items(sim: SimPilot) -> dict[str, int]:
    """Per rule: its items with two or more answers (what the queue's `few_items` counts)."""
    answers = sim.responses.groupby("item_id").size()
    many = set(answers[answers >= 2].index.astype(str))
    return {r.rule_id: sum(item in many for item in r.items) for r in sim.rules}


def _likely_ambiguous(entry) -> bool:
    return "likely_ambiguous" in entry.flags


def score_pilot(sim: SimPilot, bootstrap: int) -> dict[str, dict[str, float]]:
    """Per method: precision at k, recall at 3, reciprocal rank and trap rates of one pilot."""
    from calibration.ambiguity.signals import MIN_ITEMS as QUEUE_MIN_ITEMS

    ranked, entries = rankings(sim, bootstrap)
    kinds = {r.rule_id: r.kind for r in sim.rules}
    # few-item rules leave every ranking by what a lead sees (items with two or more answers, below the
    # queue's own few-item threshold), ambiguous or clear alike; they are reported apart below. (Leaving
    # out only the planted few-item AMBIGUOUS rules kept the few-item clear ones in as misses: a hidden
    # truth no method can see.)
    excluded = {r for r, n in observed_items(sim).items() if n < QUEUE_MIN_ITEMS}
    positives = {r for r, kind in kinds.items() if kind in AMBIGUOUS and r not in excluded}
    k = len(positives)
    if not k:
        return {}
    out: dict[str, dict[str, float]] = {}
    for method, order in ranked.items():
        order = [r for r in order if r not in excluded]
        top = order[:k]
        hits = [r in positives for r in order]
        first = hits.index(True) + 1 if any(hits) else None
        row = {
            "precision_at_k": sum(r in positives for r in top) / k,
            "recall_at_3": sum(r in positives for r in order[:3]) / k,
            "mrr": 1 / first if first else 0.0,
        }
        for trap in TRAPS:
            rules = [r for r, kind in kinds.items() if kind == trap and r not in excluded]
            if rules:
                row[f"trap_{trap}"] = float(np.mean([r in top for r in rules]))
        if sim.careless is not None:
            clear = [r for r, kind in kinds.items() if kind not in AMBIGUOUS and r not in excluded]
            row["trap_careless_clear"] = float(np.mean([r in top for r in clear]))
        out[method] = row
    few = [r for r in excluded if kinds[r] in AMBIGUOUS]
    if few:
        out["queue"]["few_ambiguous_reported"] = float(np.mean([_likely_ambiguous(entries[r]) for r in few]))
    few_clear = [r for r in excluded if kinds[r] not in AMBIGUOUS]
    if few_clear:
        out["queue"]["few_clear_reported_ambiguous"] = float(
            np.mean([_likely_ambiguous(entries[r]) for r in few_clear])
        )
    return out


FOLLOW_UP_CAP = 400  # the most items per version a lead adds to one rule when compare asks for more
EFFECT_ITEMS = 1000  # new items per version that measure a fix's true effect on the majority share
NULL_EFFECT = 0.02  # a fix whose true effect is at most this changes (almost) nothing among those compared


def _more_items(rule: Rule, params: dict, n: int, rng: np.random.Generator) -> tuple[Rule, dict]:
    """`n` new items of the same rule (same labels and kind; the same annotators' readings/thresholds)."""
    new = Rule(rule.rule_id, rule.kind, rule.labels, fixed=rule.fixed)
    p: dict = {}
    ids = [f"{rule.rule_id}-f{i:03d}" for i in range(n)]
    new.items = ids
    for item in ids:
        if rule.kind == "skewed_clear":
            new.truth[item] = rule.labels[1] if rng.random() < 0.08 else rule.labels[0]
        else:
            new.truth[item] = str(rng.choice(rule.labels))
    if "contested" in params:
        share = len(params["contested"]) / max(1, len(rule.items))
        p["contested"] = {
            it: str(rng.choice([lab for lab in rule.labels if lab != new.truth[it]]))
            for it in ids
            if rng.random() < share
        }
        p["second_reading"] = params["second_reading"]
    if "position" in params:
        p["position"] = {it: float(rng.uniform(-1, 1)) for it in ids}
        p["threshold"] = params["threshold"]
        for it in ids:
            new.truth[it] = rule.labels[1] if p["position"][it] > 0 else rule.labels[0]
    return new, p


def follow_up(sim: SimPilot, after: SimPilot, extra: dict[str, int], seed: int) -> tuple[SimPilot, SimPilot]:
    """The lead follows compare's advice: `extra[rule]` new items of each rule, piloted under both
    versions (the old text by the old pool, the new text by the new pool), answers only for those items."""
    from calibration.responses import gold_series, item_rules_frame

    rng = np.random.default_rng([seed, 77])
    before_rules, after_rules, params = [], [], {}
    for old, new in zip(sim.rules, after.rules, strict=True):
        if extra.get(old.rule_id, 0) <= 0:
            continue
        rule, p = _more_items(old, sim.params[old.rule_id], extra[old.rule_id], rng)
        params[rule.rule_id] = p
        before_rules.append(rule)
        after_rules.append(
            Rule(rule.rule_id, rule.kind, rule.labels, rule.items, rule.truth, fixed=new.fixed)
        )
    signals = "confidence" in sim.responses
    gold = gold_series({it: r.truth[it] for r in before_rules for it in r.items})
    item_rules = item_rules_frame({it: [r.rule_id] for r in before_rules for it in r.items})
    out = []
    for rules, annotators, careless in (
        (before_rules, sim.annotators, sim.careless),
        (after_rules, after.annotators, None),
    ):
        responses = _respond(rules, params, annotators, sim.skill, careless, rng, signals)
        out.append(SimPilot(rules, annotators, sim.skill, careless, responses, gold, item_rules, params))
    return out[0], out[1]


def _version_pilot(sim: SimPilot, version: str, rewritten: set[str]):
    """`sim` as the pilot of guideline version `version` (``sim@1.0.0`` or ``sim@1.1.0``): the rules in
    `rewritten` have another text in 1.1.0 than in 1.0.0, the others the same, so `compare` knows which
    rules the lead rewrote (``text_changed``), as the Compare page and ``--guideline`` do."""
    from calibration.guidelines.model import Guideline
    from calibration.guidelines.model import Rule as GuidelineRule
    from calibration.responses import Annotations

    rules = [
        GuidelineRule(
            id=r.rule_id,
            title=r.rule_id,
            text=f"{r.rule_id}, rewritten."
            if version != "1.0.0" and r.rule_id in rewritten
            else f"{r.rule_id}.",
            labels=r.labels,
        )
        for r in sim.rules
    ]
    guideline = Guideline(format=1, id="sim", version=version, title="sim", task=_task(), rules=rules)
    return Annotations(responses=sim.responses, item_rules=sim.item_rules, gold=sim.gold, guideline=guideline)


def true_change(
    sim: SimPilot, after: SimPilot, rule_id: str, seed: int, n: int = EFFECT_ITEMS
) -> tuple[float, float]:
    """A rule's true change of the mean per-item majority share between the versions, and the sd of one
    item's change: `n` new items of the rule piloted under both (the same annotators as the
    comparison: those present in both), paired by item as compare's test is."""
    from calibration.ambiguity.compare import _agreement_rows

    before_more, after_more = follow_up(sim, after, {rule_id: n}, seed + 10_000)
    common = sorted(set(sim.annotators) & set(after.annotators))
    shares = []
    for pilot in (before_more, after_more):
        mine = pilot.responses[pilot.responses["annotator_id"].isin(common)]
        shares.append(_agreement_rows(mine, _task())[2])
    change = (shares[1] - shares[0]).dropna()
    return float(shares[1].mean() - shares[0].mean()), float(change.std(ddof=1))


def true_effect(sim: SimPilot, after: SimPilot, rule_id: str, seed: int, n: int = EFFECT_ITEMS) -> float:
    """A rule's true change of the mean per-item majority share between the versions (`true_change`)."""
    return true_change(sim, after, rule_id, seed, n)[0]


def follow_up_power(test: dict, more: int, effect: float, sd: float) -> float:
    """The probability that a follow-up of `more` items per version after the first look `test`
    (``figures["test"]``) calls the change improved, if one item's change has mean `effect` and sd `sd`
    (compare's own conditional power, `items_needed`, with the spread known)."""
    from calibration.ambiguity import compare

    w = compare.FOLLOW_UP_WEIGHT
    bound = (compare.follow_up_boundary() - w * abs(float(test["z"]))) / w
    return float(compare._follow_up_power(more, bound, effect, np.array([sd]))[0])


def score_compare(
    sim: SimPilot,
    after: SimPilot,
    bootstrap: int,
    seed: int = 0,
    cap: int = FOLLOW_UP_CAP,
    follow: str = "rewritten",
) -> dict[str, list[float]]:
    """`compare` at the first look and after the lead pilots the items it asks for (``more_items``,
    up to `cap` more per rule; none where it says the change is too small to tell apart) on the rules
    it rewrote (`follow` ``rewritten``: the planted ambiguous rules, fixed or not) or on every rule
    compare asks it for (``all``); one verdict per rule; the ``final_`` figures are the first look's
    verdicts where it decided or no follow-up was piloted, the follow-up's elsewhere. Each real fix
    (a planted ambiguous rule of >= MIN_ITEMS items rewritten clear) has its true effect measured
    (`true_effect`), so detection is also reported by effect size."""
    from calibration.ambiguity.compare import DETECTABLE, compare_versions, left_out_note

    rewritten = {r.rule_id for r in sim.rules if r.kind in AMBIGUOUS}
    found = compare_versions(
        _version_pilot(sim, "1.0.0", rewritten),
        _version_pilot(after, "1.1.0", rewritten),
        bootstrap=bootstrap,
        seed=0,
    )
    verdict = {r.rule_id: r.verdict for r in found.rules}
    tested = {r.rule_id: r.figures["test_verdict"] for r in found.rules}
    by_id = {r.rule_id: r for r in found.rules}
    asked = {
        r.rule_id: int(r.figures["more_items"])
        for r in found.rules
        if r.verdict == "not_enough_items"
        and r.figures.get("more_items")
        and (follow == "all" or r.rule_id in rewritten)
    }
    too_small = {r for r in asked if by_id[r].figures.get("too_small_to_tell")}
    extra = {r: min(cap, more) for r, more in asked.items() if r not in too_small}
    final, final_tested = dict(verdict), dict(tested)
    final_entry = dict(by_id)
    if extra:
        before_more, after_more = follow_up(sim, after, extra, seed)
        second = compare_versions(
            _version_pilot(before_more, "1.0.0", rewritten),
            _version_pilot(after_more, "1.1.0", rewritten),
            bootstrap=bootstrap,
            seed=0,
            first_look=found,
        )
        final.update({r.rule_id: r.verdict for r in second.rules})
        final_tested.update({r.rule_id: r.figures["test_verdict"] for r in second.rules})
        final_entry.update({r.rule_id: r for r in second.rules})
    fixed = {r.rule_id for r in after.rules if r.fixed}
    still = {r.rule_id for r in after.rules if r.kind in AMBIGUOUS and not r.fixed}
    big = {r.rule_id for r in sim.rules if len(r.items) >= MIN_ITEMS}
    unchanged = {r.rule_id for r in sim.rules if r.kind not in AMBIGUOUS}
    truth = {r: true_change(sim, after, r, seed) for r in sorted(fixed & big)}
    effect = {r: e for r, (e, _) in truth.items()}
    large = {r for r, e in effect.items() if e >= DETECTABLE}
    out: dict[str, list[float]] = {}
    for prefix, v in (("", verdict), ("final_", final)):
        out[prefix + "fix_detected"] = [v[r] == "improved" for r in fixed & big]
        out[prefix + "fix_detected_large"] = [v[r] == "improved" for r in large]
        out[prefix + "fix_detected_below"] = [v[r] == "improved" for r in (fixed & big) - large]
        out[prefix + "fix_detected_moved"] = [
            v[r] == "improved" for r, e in effect.items() if e > NULL_EFFECT
        ]
        # the fixes missed: does each change (almost) nothing among the annotators compared?
        out[prefix + "fix_missed_null"] = [e <= NULL_EFFECT for r, e in effect.items() if v[r] != "improved"]
        out[prefix + "fix_detected_small"] = [v[r] == "improved" for r in fixed - big]
        out[prefix + "false_improved"] = [v[r] == "improved" for r in (still | unchanged)]
        out[prefix + "false_improved_rewritten"] = [v[r] == "improved" for r in still]
        out[prefix + "false_worse"] = [v[r] == "worse" for r in (fixed | unchanged)]
        out[prefix + "not_enough_items"] = [v[r] == "not_enough_items" for r in v]
        if sim.careless is not None:
            out[prefix + "pool_change_improved"] = [v[r] == "improved" for r in unchanged]
    # the missed fixes whose verdict says the disagreement left with annotators who answered only before
    out["final_fix_missed_told"] = [
        left_out_note(final_entry[r]) is not None for r in fixed & big if final[r] != "improved"
    ]
    # the test's own verdicts, before the rule that an unrewritten rule is not improved by the rewrite
    for prefix, v in (("test_", tested), ("final_test_", final_tested)):
        out[prefix + "false_improved"] = [v[r] == "improved" for r in (still | unchanged)]
        if sim.careless is not None:
            out[prefix + "pool_change_improved"] = [v[r] == "improved" for r in unchanged]
    out.update(quits_early_improved(sim, bootstrap, seed))
    out["items_needed"] = [
        by_id[r].figures["items_needed"] for r in verdict if verdict[r] == "not_enough_items"
    ]
    out["items_needed"] = [float("nan") if x is None else x for x in out["items_needed"]]
    out["more_items_asked"] = list(asked.values())
    out["follow_up_hit_cap"] = [r in extra and asked[r] > cap for r in asked]
    out["follow_up_too_small"] = [r in too_small for r in asked]
    out["extra_items_per_followed_rule"] = list(extra.values())
    out["extra_items_per_pilot"] = [sum(extra.values())]
    out["first_look_items_per_pilot"] = [sum(len(r.items) for r in sim.rules)]
    out["fix_true_effect"] = list(effect.values())
    # the follow-ups of real fixes: their power at the change they were sized for (max(|first look's
    # change|, DETECTABLE)) with the true spread, and at the true change (`follow_up_power`)
    followed = [r for r in truth if r in extra]
    planned = {r: max(abs(by_id[r].figures["test"]["difference"]), DETECTABLE) for r in followed}
    out["follow_up_power_planned"] = [
        follow_up_power(by_id[r].figures["test"], extra[r], planned[r], truth[r][1]) for r in followed
    ]
    out["follow_up_power_true"] = [
        follow_up_power(by_id[r].figures["test"], extra[r], truth[r][0], truth[r][1]) for r in followed
    ]
    out["follow_up_found"] = [final[r] == "improved" for r in followed]
    # the power calculation: how much a fix moves the judged statistic, against the interval's half-width
    out["fix_effect"] = [by_id[r].difference for r in fixed & big]
    out["fix_half_width"] = [(by_id[r].ci95[1] - by_id[r].ci95[0]) / 2 for r in fixed & big]
    return out


def power_line(comp: dict[str, list[float]]) -> str:
    """The power calculation of `compare`'s first look on this scenario's fixes (normal approximation).

    A fix of mean effect d judged by an interval of mean half-width h at the first look's boundary c1
    (SE = h / c1) is called ``improved`` with probability about Phi(d / SE - c1); 85% of fixes need
    d >= (c1 + 1.04) SE.
    """
    from scipy.stats import norm

    from calibration.ambiguity.compare import first_boundary

    c1 = first_boundary()
    effect = np.array(comp.get("fix_effect", []), dtype=float)
    half = np.array(comp.get("fix_half_width", []), dtype=float)
    keep = ~(np.isnan(effect) | np.isnan(half))
    if not keep.any():
        return "power: no fixed rule with enough items"
    se = half[keep] / c1
    power = float(np.mean(norm.cdf(effect[keep] / np.maximum(se, 1e-9) - c1)))
    needed = float(np.median(((c1 + 1.04) * se / np.maximum(effect[keep], 1e-9)) ** 2))
    return (
        f"power: fixes move the per-item majority share by {np.mean(effect[keep]):.2f} on average, the first look's "
        f"half-width is {np.mean(half[keep]):.2f} (SE {np.mean(se):.3f}); expected detection at the first "
        f"look about {power:.0%}; 85% there would need about {needed:.1f} times the items (median over fixes)"
    )


# --------------------------------------------------------------------------- run


def _interval(values: np.ndarray, rng: np.random.Generator, n: int = 1000) -> tuple[float, float, float]:
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if not len(values):
        return (float("nan"),) * 3  # type: ignore[return-value]
    boots = rng.choice(values, size=(n, len(values))).mean(axis=1)
    return float(values.mean()), float(np.percentile(boots, 2.5)), float(np.percentile(boots, 97.5))


def _fmt(triple: tuple[float, float, float]) -> str:
    mean, low, high = triple
    return "n/a" if np.isnan(mean) else f"{mean:.2f} [{low:.2f}, {high:.2f}]"


def run(scenarios, pilots: int, seed: int, bootstrap: int, compare: bool) -> tuple[str, dict]:
    rng = np.random.default_rng(12345)
    lines, results = [], {}
    methods = ("queue", *BASELINES)
    # one row per scenario: precision at k of every method, the queue minus the best baseline (paired
    # over the same pilots), the skewed-but-clear trap rate (queue / percent agreement), few-item
    # ambiguous rules reported `likely_ambiguous`
    summary = [
        "| scenario | " + " | ".join(methods) + " | queue − best baseline | skewed trap (queue / pa) "
        "| few-item ambiguous reported | few-item clear flagged |",
        "|---|" + "---|" * (len(methods) + 4),
    ]
    for scenario in scenarios:
        per_method: dict[str, dict[str, list[float]]] = {m: {} for m in methods}
        comp: dict[str, list[float]] = {}
        for s in range(seed, seed + pilots):
            sim = simulate(scenario, s)
            for method, row in score_pilot(sim, bootstrap).items():
                for key, value in row.items():
                    per_method[method].setdefault(key, []).append(value)
            if compare:
                for key, values in score_compare(sim, repilot(sim, s), bootstrap, s).items():
                    comp.setdefault(key, []).extend(float(v) for v in values)
        results[scenario] = {"ranking": per_method, "compare": comp}
        lines.append(f"\n## {scenario} ({pilots} pilots, seeds {seed}-{seed + pilots - 1})\n")
        keys = sorted({k for m in methods for k in per_method[m]}, key=_key_order)
        lines.append("| metric | " + " | ".join(methods) + " |")
        lines.append("|---|" + "---|" * len(methods))
        for key in keys:
            cells = [_fmt(_interval(per_method[m].get(key, []), rng)) for m in methods]
            lines.append(f"| {key} | " + " | ".join(cells) + " |")
        # paired over the same pilots: the queue's precision at k minus each baseline's
        queue_p = np.array(per_method["queue"]["precision_at_k"])
        cells = ["—"] + [
            _fmt(_interval(queue_p - np.array(per_method[m]["precision_at_k"]), rng)) for m in BASELINES
        ]
        lines.append("| queue minus baseline, precision at k (paired) | " + " | ".join(cells) + " |")
        best = max(BASELINES, key=lambda m: float(np.mean(per_method[m]["precision_at_k"])))
        paired = _interval(queue_p - np.array(per_method[best]["precision_at_k"]), rng)
        summary.append(
            "| "
            + " | ".join(
                [
                    scenario,
                    *(_fmt(_interval(per_method[m]["precision_at_k"], rng)) for m in methods),
                    f"{_fmt(paired)} ({best})",
                    " / ".join(
                        _fmt(_interval(per_method[m].get("trap_skewed_clear", []), rng)).split(" ")[0]
                        for m in ("queue", "percent_agreement")
                    ),
                    _fmt(_interval(per_method["queue"].get("few_ambiguous_reported", []), rng)),
                    _fmt(_interval(per_method["queue"].get("few_clear_reported_ambiguous", []), rng)),
                ]
            )
            + " |"
        )
        if compare:
            lines.append("\n| compare | share (effect, half-width: mean) [95% CI] | rules |")
            lines.append("|---|---|---|")
            for key, values in comp.items():
                lines.append(f"| {key} | {_fmt(_interval(values, rng))} | {len(values)} |")
            lines.append(f"\n{power_line(comp)}")
    lines += [
        f"\n## Summary: precision at k ({pilots} pilots per scenario, seeds {seed}-{seed + pilots - 1})\n"
    ]
    lines += summary
    return "\n".join(lines), results


def _wilson(values) -> str:
    """A share of booleans with its 95% Wilson interval (rules counted as independent), ``k/n``."""
    from scipy.stats import norm

    flags = np.asarray(values, dtype=float)
    n = len(flags)
    if not n:
        return "n/a"
    k = float(flags.sum())
    p, z = k / n, float(norm.isf(0.025))
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return f"{p:.2f} [{max(0.0, centre - half):.2f}, {min(1.0, centre + half):.2f}] ({k:.0f}/{n})"


def run_compare(
    scenarios, pilots: int, seed: int, bootstrap: int, cap: int, follow: str = "rewritten"
) -> tuple[str, dict]:
    """Only `compare`: per scenario, the first look and the look after the follow-up the lead pilots."""
    results: dict[str, dict[str, list[float]]] = {}
    for scenario in scenarios:
        comp: dict[str, list[float]] = {}
        for s in range(seed, seed + pilots):
            sim = simulate(scenario, s)
            for key, values in score_compare(sim, repilot(sim, s), bootstrap, s, cap, follow).items():
                comp.setdefault(key, []).extend(float(v) for v in values)
        results[scenario] = comp
    lines = [
        f"compare: {pilots} pilots per scenario, seeds {seed}-{seed + pilots - 1}, follow-up cap {cap} "
        "items per rule and version; shares with 95% Wilson intervals (k/n rules)\n",
        "| scenario | fixes detected: first look | after the follow-up | fixes of true effect >= 0.05 "
        "(after) | fixes of true effect < 0.05 (after) | fixes of true effect > 0.02 (after) | missed fixes "
        "of true effect <= 0.02 (after) | false improved: first / after | false improved, "
        "rewritten rules still ambiguous (after) | false worse (after) | improved after a pool change "
        "(after) | the test alone: false improved / after a pool change (after) | careless annotator "
        "quits early, first look: improved / the test alone |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for scenario, comp in results.items():
        cells = [
            _wilson(comp.get("fix_detected", [])),
            _wilson(comp.get("final_fix_detected", [])),
            _wilson(comp.get("final_fix_detected_large", [])),
            _wilson(comp.get("final_fix_detected_below", [])),
            _wilson(comp.get("final_fix_detected_moved", [])),
            _wilson(comp.get("final_fix_missed_null", [])),
            f"{_wilson(comp.get('false_improved', []))} / {_wilson(comp.get('final_false_improved', []))}",
            _wilson(comp.get("final_false_improved_rewritten", [])),
            _wilson(comp.get("final_false_worse", [])),
            _wilson(comp.get("final_pool_change_improved", [])),
            f"{_wilson(comp.get('final_test_false_improved', []))} / "
            f"{_wilson(comp.get('final_test_pool_change_improved', []))}",
            f"{_wilson(comp.get('quits_early_improved', []))} / "
            f"{_wilson(comp.get('quits_early_test_improved', []))}",
        ]
        lines.append(f"| {scenario} | " + " | ".join(cells) + " |")
    lines += [
        "\n| scenario | fixes' true effect: median [min, max] | follow-ups asked | more items asked "
        "(median) | hit the cap | too small to tell (> 1000) | extra items per pilot (mean; first "
        "look's items) | few-item fixes detected (first, after) | fixes followed up: power at the planned "
        "change, true spread / at the true change (mean); found | missed fixes whose verdict says the "
        "disagreement left with annotators not compared (after) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for scenario, comp in results.items():
        effect = np.array(comp.get("fix_true_effect", []), dtype=float)
        asked = np.array(comp.get("more_items_asked", []), dtype=float)
        lines.append(
            f"| {scenario} "
            f"| {np.median(effect) if len(effect) else float('nan'):.3f} "
            f"[{np.min(effect) if len(effect) else float('nan'):.3f}, "
            f"{np.max(effect) if len(effect) else float('nan'):.3f}] "
            f"| {len(asked)} | {np.median(asked) if len(asked) else float('nan'):.0f} "
            f"| {int(sum(comp.get('follow_up_hit_cap', [])))} "
            f"| {int(sum(comp.get('follow_up_too_small', [])))} "
            f"| {np.mean(comp.get('extra_items_per_pilot', [np.nan])):.0f}; "
            f"{np.mean(comp.get('first_look_items_per_pilot', [np.nan])):.0f} "
            f"| {_wilson(comp.get('fix_detected_small', []))}, "
            f"{_wilson(comp.get('final_fix_detected_small', []))} "
            f"| {np.mean(comp.get('follow_up_power_planned', [np.nan])):.2f} / "
            f"{np.mean(comp.get('follow_up_power_true', [np.nan])):.2f}; "
            f"{_wilson(comp.get('follow_up_found', []))} "
            f"| {_wilson(comp.get('final_fix_missed_told', []))} |"
        )
    lines += [f"\n{scenario}: {power_line(comp)}" for scenario, comp in results.items()]
    return "\n".join(lines), results


def _key_order(key: str) -> tuple[int, str]:
    first = ["precision_at_k", "recall_at_3", "mrr"]
    return (first.index(key), key) if key in first else (len(first), key)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pilots", type=int, default=12, help="pilots per scenario (default 12)")
    parser.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated scenarios")
    parser.add_argument("--bootstrap", type=int, default=200, help="bootstrap replicates per pilot")
    parser.add_argument("--no-compare", action="store_true", help="skip the compare benchmark")
    parser.add_argument("--compare-only", action="store_true", help="only the compare benchmark")
    parser.add_argument(
        "--follow-up",
        choices=("rewritten", "all"),
        default="rewritten",
        help="rules the lead pilots more items on when compare asks (default: the rules it rewrote)",
    )
    parser.add_argument(
        "--follow-up-cap",
        type=int,
        default=FOLLOW_UP_CAP,
        help="most items a lead adds to one rule in a follow-up",
    )
    args = parser.parse_args(argv)
    scenarios = [s for s in args.scenarios.split(",") if s]
    unknown = [s for s in scenarios if s not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(unknown)}; use {', '.join(SCENARIOS)}")
    start = time.perf_counter()
    if args.compare_only:
        text, _ = run_compare(
            scenarios, args.pilots, args.seed, args.bootstrap, args.follow_up_cap, args.follow_up
        )
    else:
        text, _ = run(scenarios, args.pilots, args.seed, args.bootstrap, not args.no_compare)
    print(text)
    print(f"\n({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
