"""Text fields have no browser-side max_chars (a longer paste was dropped unseen): the library's limit,
one constant, is said in the field and enforced with an error that names the field and keeps the text."""

from __future__ import annotations

from calibration.answers import MAX_COMMENT
from calibration.rounds import service
from tests.app.app_helpers import calibration_round, errors, new_app, page, single_label_guideline


def test_the_join_name_takes_a_long_paste_and_says_the_library_limit(app_engine, app_lead):
    guideline = single_label_guideline()
    service.publish(app_engine, guideline, app_lead)
    round_ = service.create_calibration_round(app_engine, "Onboarding", guideline.ref, actor=app_lead)
    token = service.invite(app_engine, round_.id, actor=app_lead)
    at = new_app(query={"invite": token}).run()
    box = at.text_input(key="join_name")
    assert not box.max_chars  # 0: none
    assert box.placeholder == f"up to {service.MAX_NAME} characters"
    too_long = "N" * (service.MAX_NAME + 1)
    box.input(too_long)
    at.button(key="join_submit").click().run()
    assert errors(at) == [
        f"Display name: a display name needs 1 to {service.MAX_NAME} characters, got {service.MAX_NAME + 1}"
    ]
    assert at.text_input(key="join_name").value == too_long  # kept, to shorten
    long_name = "Nia " + "N" * 100  # over the old 80 of the form, within the library's limit
    at.text_input(key="join_name").input(long_name)
    at.button(key="join_submit").click().run()
    assert at.success[0].value == f"Welcome, {long_name}. Opening your quiz…"


def test_the_quiz_comment_is_refused_over_the_limit_and_stays(app_engine, app_lead, app_annotator):
    round_ = calibration_round(app_engine, app_lead, single_label_guideline(), app_annotator)
    at = new_app(app_annotator, query={"round": str(round_.id)}).run()
    at.switch_page(page("quiz.py")).run()
    attempt = service.start_or_resume_attempt(app_engine, round_.id, app_annotator)
    item_id = attempt.next_item
    key = f"quiz_{attempt.id}_{attempt.items.index(item_id)}"
    comment = at.text_area(key=f"{key}_comment")
    assert not comment.max_chars
    assert comment.placeholder == f"optional, up to {MAX_COMMENT} characters"
    at.radio(key=f"{key}_answer").set_value("POS")
    comment.input("c" * (MAX_COMMENT + 1))
    at.button(key=f"{key}_submit").click().run()
    assert errors(at) == [
        f"comment: the comment has {MAX_COMMENT + 1} characters; it can have at most {MAX_COMMENT} "
        "(hint: shorten it (nothing was saved; what you typed is still there))"
    ]
    assert at.text_area(key=f"{key}_comment").value == "c" * (MAX_COMMENT + 1)
    assert service.get_attempt(app_engine, attempt.id, actor=app_annotator).answers == {}


def test_no_app_field_has_a_browser_side_max_chars():
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "calibration" / "app"
    found = [
        f"{path.relative_to(root)}:{node.lineno}"
        for path in root.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.keyword) and node.arg == "max_chars"
    ]
    assert found == []  # a paste over max_chars is dropped by the browser, unseen
