"""The Quiz page tells a lead or an author what they can do there, not to open an invitation link."""

from __future__ import annotations

from tests.app.app_helpers import new_app, page


def test_a_lead_on_the_quiz_page_is_sent_to_the_rounds_preview(app_lead):
    at = new_app(app_lead).run()
    at.switch_page(page("quiz.py")).run()
    assert not at.exception, at.exception
    (info,) = at.info
    assert "invitation link" not in info.value
    assert info.value.startswith("Leads take no quiz here.") and "Start the preview" in info.value
    assert [link.label for link in at.main.get("page_link")] == ["Open the Rounds page"]


def test_an_author_on_the_quiz_page_is_sent_to_the_guideline(app_engine, app_lead):
    from calibration.rounds import service

    author = service.create_user(app_engine, "Aya Author", role="author", actor=app_lead)
    at = new_app(author).run()
    at.switch_page(page("quiz.py")).run()
    assert not at.exception, at.exception
    assert at.info[0].value.startswith("Authors take no quiz here")


def test_an_annotator_without_a_round_is_told_to_open_the_invitation(app_annotator):
    at = new_app(app_annotator).run()
    at.switch_page(page("quiz.py")).run()
    assert at.info[0].value == "You are in no round yet. Open the invitation link your lead sent you."
