"""One quiz open in two tabs: an answer given in the second tab to an item the first tab answered
meanwhile is not lost unseen; the page says the item was answered elsewhere and which answer was kept."""

from __future__ import annotations

import pytest

from calibration.rounds import service
from tests.app.app_helpers import calibration_round, new_app, page, single_label_guideline, texts


def _tab(user, round_):
    at = new_app(user, query={"round": str(round_.id)}).run()
    at.switch_page(page("quiz.py")).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("feedback", ["immediate", "at_end"])
def test_the_second_tab_says_the_item_was_answered_in_another_tab(
    app_engine, app_lead, app_annotator, feedback
):
    guideline = single_label_guideline(feedback)
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    first, second = _tab(app_annotator, round_), _tab(app_annotator, round_)
    attempt = service.start_or_resume_attempt(app_engine, round_.id, app_annotator)
    item_id = attempt.next_item
    key = f"quiz_{attempt.id}_{attempt.items.index(item_id)}"
    gold = guideline.item(item_id).answer
    other = "NEG" if gold == "POS" else "POS"
    first.radio(key=f"{key}_answer").set_value(gold)
    first.button(key=f"{key}_submit").click().run()
    assert "answered in another tab" not in texts(first)
    second.radio(key=f"{key}_answer").set_value(other)
    second.button(key=f"{key}_submit").click().run()
    assert not second.exception
    names = {"POS": "Positive", "NEG": "Negative"}
    assert [w.value for w in second.warning] == [
        "This item was already answered in another tab or window; the answer kept is "
        f"**{names[gold]}**. The answer you just gave here was not saved."
    ]
    kept = service.get_attempt(app_engine, attempt.id, actor=app_annotator).answers[item_id]
    assert kept.answer == gold
    second.run()  # said once: a later rerun of the tab does not repeat it
    assert not second.warning
