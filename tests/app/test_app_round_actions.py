"""The rounds page's buttons on one round: close and reopen, invitation links, open the dashboard (AppTest).

A button acts on the round it was shown for: when that round is deleted in another session before
the click, the click does nothing to the round the page falls back to.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from calibration.rounds import service
from tests.app.app_helpers import calibration_round, errors, new_app, page, single_label_guideline, texts


def _rounds_page(user, pick=None):
    at = new_app(user)
    if pick is not None:
        at.session_state["rounds_pick"] = pick
    at.run()
    at.switch_page(page("rounds.py")).run()
    assert not at.exception, at.exception
    return at


def _button(at, prefix: str, round_id: int):
    return at.button(key=f"{prefix}_{round_id}")


def test_a_lead_closes_a_round_then_reopens_it(app_engine, app_lead, app_annotator):
    round_ = calibration_round(app_engine, app_lead, single_label_guideline(), app_annotator)
    at = _rounds_page(app_lead)
    _button(at, "rounds_close", round_.id).click().run()
    assert not at.exception and not at.error
    assert service.get_round(app_engine, round_.id).status == "closed"
    assert "closed" in at.selectbox(key="rounds_pick").format_func(round_.id)
    assert _button(at, "rounds_more", round_.id).disabled  # no invitations into a closed round
    assert not [b for b in at.button if b.key == f"rounds_close_{round_.id}"]

    _button(at, "rounds_reopen", round_.id).click().run()
    assert not at.exception and not at.error
    assert service.get_round(app_engine, round_.id).status == "open"
    assert not _button(at, "rounds_more", round_.id).disabled
    assert {"close_round", "reopen_round"} <= {entry.action for entry in service.audit_log(app_engine)}


def test_created_invitation_links_are_shown_and_each_joins_the_round(app_engine, app_lead, app_annotator):
    round_ = calibration_round(app_engine, app_lead, single_label_guideline(), app_annotator)
    at = _rounds_page(app_lead)
    at.number_input(key="rounds_more_count").set_value(2)
    _button(at, "rounds_more", round_.id).click().run()
    assert not at.exception and not at.error
    links = [c.value for c in at.code if "/join?invite=" in c.value]
    assert len(links) == 2 and len(set(links)) == 2
    for number, link in enumerate(links):
        [token] = parse_qs(urlparse(link).query)["invite"]
        person, joined = service.redeem_invitation(app_engine, token, f"Newcomer {number}")
        assert joined.id == round_.id and person.role == "annotator"


def test_open_the_agreement_dashboard_on_the_rounds_results(app_engine, app_lead, app_annotator):
    round_ = calibration_round(app_engine, app_lead, single_label_guideline(), app_annotator)
    attempt = service.start_or_resume_attempt(app_engine, round_.id, app_annotator)
    for item_id in attempt.items:
        service.record_answer(app_engine, attempt.id, item_id, "POS", actor=app_annotator)
    service.finish_attempt(app_engine, attempt.id, actor=app_annotator)
    older = service.create_calibration_round(app_engine, "Other round", round_.guideline_ref, actor=app_lead)
    at = _rounds_page(app_lead, pick=round_.id)
    assert older.id != round_.id
    at.button(key="rounds_dashboard").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Agreement dashboard"
    assert at.selectbox(key="dash_round").value == round_.id


def test_a_click_for_a_round_deleted_meanwhile_leaves_the_round_shown_instead_alone(
    app_engine, app_lead, app_annotator
):
    """Another lead deletes the round this page shows; the click on "Close" must not close another one."""
    gone = calibration_round(app_engine, app_lead, single_label_guideline(), app_annotator, name="Gone")
    other = service.create_calibration_round(app_engine, "Other", gone.guideline_ref, actor=app_lead)
    for action in ("rounds_close", "rounds_archive", "rounds_more"):
        doomed = service.create_calibration_round(
            app_engine, f"Doomed {action}", gone.guideline_ref, actor=app_lead
        )
        at = _rounds_page(app_lead, pick=doomed.id)
        button = _button(at, action, doomed.id)
        service.delete_round(app_engine, doomed.id, actor=app_lead, confirm=doomed.name)  # another session
        button.click().run()
        assert not at.exception, at.exception
        shown = at.selectbox(key="rounds_pick").value
        assert shown != doomed.id
        now = service.get_round(app_engine, shown)
        assert (now.status, now.archived) == ("open", False), action
        assert not [c.value for c in at.code if "/join?invite=" in c.value], action
        assert "The round you had chosen is no longer listed" in texts(at), action
        assert errors(at) == []
    assert {r.id for r in service.list_rounds(app_engine)} == {gone.id, other.id}


def test_invitation_links_for_a_round_closed_meanwhile_are_refused_and_the_refusal_is_shown(
    app_engine, app_lead, app_annotator, monkeypatch
):
    round_ = calibration_round(app_engine, app_lead, single_label_guideline(), app_annotator)
    at = _rounds_page(app_lead)
    button = _button(at, "rounds_more", round_.id)
    service.close_round(app_engine, round_.id, actor=app_lead)  # another lead, another tab
    button.click().run()  # the button is disabled on the rerun: Streamlit drops the click
    assert not at.exception, at.exception
    assert _button(at, "rounds_more", round_.id).disabled
    assert not [c.value for c in at.code if "/join?invite=" in c.value]

    # closed between the rerun's start and the invitation: the service's refusal stays on the page
    service.close_round(app_engine, round_.id, actor=app_lead, reopen=True)
    at = _rounds_page(app_lead)
    invite = service.invite

    def closed_meanwhile(engine, round_id, **kwargs):
        service.close_round(engine, round_id, actor=app_lead)
        return invite(engine, round_id, **kwargs)

    monkeypatch.setattr(service, "invite", closed_meanwhile)
    _button(at, "rounds_more", round_.id).click().run()
    assert not at.exception, at.exception
    assert errors(at) == ["round 'Quiz round' is closed (hint: reopen it before inviting annotators)"]
    assert not [c.value for c in at.code if "/join?invite=" in c.value]


def test_a_refused_close_is_shown_on_the_page(app_engine, app_lead, app_annotator, monkeypatch):
    """Deleted by another lead between the rerun's start and the close: the refusal, not a traceback."""
    round_ = calibration_round(app_engine, app_lead, single_label_guideline(), app_annotator)
    at = _rounds_page(app_lead)
    close = service.close_round

    def deleted_meanwhile(engine, round_id, **kwargs):
        service.delete_round(engine, round_id, actor=app_lead, confirm=round_.name)
        return close(engine, round_id, **kwargs)

    monkeypatch.setattr(service, "close_round", deleted_meanwhile)
    _button(at, "rounds_close", round_.id).click().run()
    assert not at.exception, at.exception
    assert errors(at) == [
        f"round: unknown round {round_.id} (hint: create one with: calibration round create)"
    ]
