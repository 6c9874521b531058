"""compare says who it compared, and what its verdict cannot tell when the disagreement left with an
annotator (issue 11: in the benchmark's `careless` scenario a third of the missed fixes were rules whose
second reading was held by the annotator who left; the verdict on the others read "no clear change",
which a lead takes for "the rewrite did nothing")."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd

from calibration.ambiguity.compare import annotators_compared, compare_versions, left_out_note
from calibration.guidelines.model import Label, Task
from calibration.responses import Annotations, item_rules_frame, responses_frame

TASK = Task(type="single_label", labels=[Label(id=x, name=x) for x in "AB"])
STAYS = ("a0", "a1", "a2", "a3")


def _pilot(version: str, readers: dict[str, set[int]], annotators, n_items: int = 30) -> Annotations:
    """Rules R1 and R2 of `n_items` items each, truth alternating A/B; annotator `a` answers the other
    label on item k of rule r when k is in ``readers[a + r]``; everyone else answers the truth."""
    rows, item_rules = [], {}
    for rule in ("R1", "R2"):
        for k in range(n_items):
            item = f"{rule}-{k:02d}"
            item_rules[item] = [rule]
            truth, other = "AB"[k % 2], "BA"[k % 2]
            for annotator in annotators:
                flipped = k in readers.get(annotator + rule, set())
                rows.append(
                    {"item_id": item, "annotator_id": annotator, "answer": other if flipped else truth}
                )
    responses = responses_frame(rows)
    return Annotations(
        responses=responses,
        item_rules=item_rules_frame(item_rules),
        gold=pd.Series(dtype=object),
        declared_task=TASK,
    )


# a4 reads R1 the other way on 8 items; a slip or two elsewhere, by the annotators who stay
SECOND_READING = {"a4R1": {0, 2, 4, 6, 8, 10, 12, 14}, "a0R2": {3}, "a1R2": {17}, "a2R1": {21}}


def test_a_reading_held_by_the_annotator_who_left_is_named_not_read_as_no_change() -> None:
    before = _pilot("1.0.0", SECOND_READING, (*STAYS, "a4"))
    after = _pilot("1.1.0", {"a0R2": {5}, "a2R1": {9}}, STAYS)  # a4 left; R1 is clear to those who stayed
    found = compare_versions(before, after, bootstrap=20, seed=0)
    r1 = found.rule("R1")
    assert r1.figures["annotators"]["only_before"] == ["a4"]
    assert r1.figures["left_out_dissent"]["before"] == {"dissenting": 9, "left_out": 8, "by": {"a4": 8}}
    assert r1.verdict != "improved"  # the annotators in both agreed before as after
    note = left_out_note(r1)
    assert note is not None
    assert note.startswith("8 of the 9 dissenting answers on R1 in the older version came from annotators")
    assert "(a4)" in note and "cannot tell whether the rewrite settles what they read differently" in note
    # R2's dissent is the annotators' who stayed: nothing to add
    assert left_out_note(found.rule("R2")) is None
    who = annotators_compared(found)
    assert who == (
        "Compared on the 4 annotators who answered in both versions (a0, a1, a2, a3), so that a change of "
        "annotators is not taken for the rewrite's effect; left out: a4 (older version only)."
    )


def test_a_newcomer_who_disagrees_is_said_to_be_outside_the_verdict() -> None:
    before = _pilot("1.0.0", {"a0R1": {1}}, STAYS)
    after = _pilot("1.1.0", {"a5R1": {1, 3, 5, 7, 9}, "a1R1": {2}}, (*STAYS, "a5"))
    found = compare_versions(before, after, bootstrap=20, seed=0)
    note = left_out_note(found.rule("R1"))
    assert note is not None and "5 of the 6 dissenting answers on R1 in the newer version" in note
    assert "(a5)" in note and "not in the verdict" in note
    assert annotators_compared(found).endswith("left out: a5 (newer version only).")


def test_everyone_compared_says_nothing_more() -> None:
    before = _pilot("1.0.0", SECOND_READING, (*STAYS, "a4"))
    after = _pilot("1.1.0", {"a4R1": {0}}, (*STAYS, "a4"))
    found = compare_versions(before, after, bootstrap=20, seed=0)
    assert annotators_compared(found) is None
    assert all(left_out_note(r) is None for r in found.rules)
    assert found.rule("R1").figures["left_out_dissent"] is None


def _compare_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`calibration compare ARGS --bootstrap 20`, which must succeed."""
    done = subprocess.run(
        [sys.executable, "-m", "calibration", "compare", *args, "--bootstrap", "20"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done


def test_the_cli_prints_who_was_compared_and_the_note(tmp_path) -> None:
    paths = []
    for name, pilot in (
        ("old", _pilot("1.0.0", SECOND_READING, (*STAYS, "a4"))),
        ("new", _pilot("1.1.0", {"a0R2": {5}}, STAYS)),
    ):
        path = tmp_path / f"{name}.csv"
        pilot.responses.to_csv(path, index=False)
        paths.append(str(path))
    rules = tmp_path / "rules.csv"
    pd.DataFrame([{"item_id": f"{r}-{k:02d}", "rule_id": r} for r in ("R1", "R2") for k in range(30)]).to_csv(
        rules, index=False
    )
    done = _compare_cli(*paths, "--item-rules", str(rules))
    assert "Compared on the 4 annotators who answered in both versions" in done.stdout
    line = next(x for x in done.stdout.splitlines() if "R1:" in x)
    assert "8 of the 9 dissenting answers on R1 in the older version" in line and "(a4)" in line


def test_only_rewritten_rules_get_the_note(tmp_path) -> None:
    """Both pilots carry their guideline (contract-clauses 1.0.0 -> 1.1.0, where only R-INDEM was
    rewritten): an annotator in the older pilot only, dissenting on every item, dominates every rule's
    disagreement, but only the rewritten rule's verdict is about the rewrite."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    pilot = pd.read_csv(root / "examples/agreement/contract-pilot.csv")
    labels = sorted(pilot["answer"].astype(str).unique())
    first = sorted(pilot["annotator_id"].unique())[0]
    zoe = pilot[pilot["annotator_id"] == first].copy()
    zoe["answer"] = [labels[(labels.index(str(a)) + 1) % len(labels)] for a in zoe["answer"]]
    zoe["annotator_id"] = "zoe-left"
    old = tmp_path / "old.csv"
    pd.concat([pilot, zoe]).to_csv(old, index=False)
    done = _compare_cli(
        str(old),
        str(root / "examples/agreement/contract-pilot.csv"),
        "--guideline",
        str(root / "guidelines/contract-clauses/1.0.0.yaml"),
        "--guideline",
        str(root / "guidelines/contract-clauses/1.1.0.yaml"),
    )
    lines = {
        x.split(":")[0].strip(" *"): x for x in done.stdout.splitlines() if x.startswith(("* R-", "  R-"))
    }
    assert "came from annotators who answered only in it (zoe-left)" in lines["R-INDEM"]
    others = [line for rule, line in lines.items() if rule != "R-INDEM"]
    assert others and not any("zoe-left" in line for line in others)
