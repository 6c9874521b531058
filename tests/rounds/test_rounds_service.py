"""The rounds service on SQLite and PostgreSQL: publish, rounds, attempts, scoring, certification, errors."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest

from calibration.errors import AnswerError, AuthError, ConflictError, NotFoundError, PermissionDenied
from calibration.guidelines.model import Guideline
from calibration.rounds import service


@pytest.fixture
def published(store: Any, tiny_guideline: Guideline) -> Any:
    service.publish_guideline(store.engine, tiny_guideline, store.lead)
    for name in ("ann", "bob", "cyd"):
        service.create_user(store.engine, name, role="annotator", actor=store.lead)
    return store


def _user(engine: Any, name: str) -> service.User:
    return next(u for u in service.list_users(engine) if u.name == name)


# --------------------------------------------------------------------------- publishing


def test_publish_is_idempotent_and_refuses_changed_content(
    store: Any, tiny_guideline: Guideline, tiny_guideline_data: Any
) -> None:
    version = service.publish_guideline(store.engine, tiny_guideline, store.lead)
    assert version.ref == "tiny@1.0.0" and len(version.content_hash) == 64
    assert service.publish(store.engine, tiny_guideline) is False
    assert service.get_guideline(store.engine, "tiny@1.0.0") == tiny_guideline

    changed = Guideline.model_validate(tiny_guideline_data() | {"title": "Tiny sentiment, reworded"})
    before = service.counts(store.engine)
    with pytest.raises(ConflictError) as error:
        service.publish_guideline(store.engine, changed, store.lead)
    assert error.value.message.startswith("tiny@1.0.0 is already published with different content")
    assert error.value.hint == (
        "published versions never change: bump the version (e.g. to 1.0.1) and add a changelog entry"
    )
    assert service.counts(store.engine) == before

    bumped = Guideline.model_validate(tiny_guideline_data("1.0.1") | {"title": "Tiny sentiment, reworded"})
    assert service.publish(store.engine, bumped, store.lead) is True
    assert [v.version for v in service.list_guideline_versions(store.engine, "tiny")] == ["1.0.0", "1.0.1"]
    assert [e.action for e in service.audit_log(store.engine)][:2] == ["publish", "publish"]


def test_only_leads_and_authors_publish(store: Any, tiny_guideline: Guideline) -> None:
    author = service.create_user(store.engine, "alex", role="author", actor=store.lead)
    annotator = service.create_user(store.engine, "ann", role="annotator", actor=store.lead)
    with pytest.raises(PermissionDenied) as error:
        service.publish_guideline(store.engine, tiny_guideline, annotator)
    assert error.value.message == "ann (annotator) may not publish guidelines"
    assert error.value.hint == "this needs the role lead or author"
    assert service.publish(store.engine, tiny_guideline, author) is True
    with pytest.raises(PermissionDenied, match="alex \\(author\\) may not create rounds"):
        service.create_pilot_round(store.engine, "p", "tiny@1.0.0", actor=author)


def test_unknown_guideline_version_lists_the_published_ones(store: Any, tiny_guideline: Guideline) -> None:
    service.publish(store.engine, tiny_guideline)
    with pytest.raises(NotFoundError) as error:
        service.get_guideline(store.engine, "tiny@9.9.9")
    assert error.value.message == "guideline version tiny@9.9.9 is not published"
    assert error.value.hint == "published versions of tiny: 1.0.0"


# --------------------------------------------------------------------------- rounds


def test_pilot_round_assigns_every_item_to_k_annotators(published: Any) -> None:
    engine = published.engine
    round_ = service.create_pilot_round(
        engine,
        "pilot-1",
        "tiny@1.0.0",
        actor=published.lead,
        annotators=["ann", "bob", "cyd"],
        overlap=2,
        seed=4,
    )
    assert round_.kind == "pilot" and round_.settings["overlap"] == 2
    items: Counter[str] = Counter()
    for name in ("ann", "bob", "cyd"):
        attempt = service.start_or_resume_attempt(engine, "pilot-1", _user(engine, name))
        items.update(attempt.items)
    assert set(items.values()) == {2}
    assert set(items) == {f"i{n:02d}" for n in range(1, 13)} | {"p01"}
    ann = _user(engine, "ann")
    first = service.start_or_resume_attempt(engine, "pilot-1", ann)
    service.record_answer(engine, first.id, first.items[0], "POS", actor=ann)
    status = service.round_status(engine, "pilot-1")
    assert [(p.name, p.status, p.answered, p.stuck) for p in status.annotators] == [
        ("ann", "in_progress", 1, False),
        ("bob", "in_progress", 0, False),
        ("cyd", "in_progress", 0, False),
    ]
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    assert [p.stuck for p in service.round_status(engine, "pilot-1", now=later).annotators] == [True] * 3


def test_round_creation_errors_write_nothing(published: Any) -> None:
    engine, lead = published.engine, published.lead
    service.create_pilot_round(engine, "p", "tiny@1.0.0", actor=lead, annotators=["ann", "bob"])
    before = service.counts(engine)
    with pytest.raises(NotFoundError) as error:
        service.create_pilot_round(engine, "p2", "tiny@1.0.0", actor=lead, annotators=["ann", "bobb"])
    assert error.value.message == "unknown annotator(s): bobb"
    assert error.value.hint == "did you mean 'bob'?"
    with pytest.raises(ConflictError, match="a round named 'p' already exists"):
        service.create_calibration_round(engine, "p", "tiny@1.0.0", actor=lead)
    with pytest.raises(NotFoundError, match=r"item 'i99' is not in tiny@1\.0\.0"):
        service.create_pilot_round(engine, "p3", "tiny@1.0.0", actor=lead, item_ids=["i01", "i99"])
    with pytest.raises(NotFoundError) as unknown:
        service.round_status(engine, "pp")
    assert unknown.value.message == "unknown round 'pp'"
    assert unknown.value.hint == "did you mean 'p'?"
    assert service.counts(engine) == before


def _answer_all(
    engine: Any, attempt: service.Attempt, user: service.User, wrong: set[str] = frozenset()
) -> None:
    gold = service.get_guideline(engine, "tiny@1.0.0").gold_answers()
    for item in attempt.items:
        answer = gold[item]
        if item in wrong:
            answer = "NEG" if answer != "NEG" else "POS"
        service.record_answer(engine, attempt.id, item, answer, actor=user, confidence=4, seconds=3.5)


def test_record_and_resume_then_score_and_certify(published: Any) -> None:
    engine = published.engine
    service.create_calibration_round(
        engine, "cal", "tiny@1.0.0", actor=published.lead, annotators=["ann"], seed=2
    )
    ann = _user(engine, "ann")
    attempt = service.start_or_resume_attempt(engine, "cal", ann)
    assert attempt.number == 1 and attempt.answered == 0 and attempt.next_item == attempt.items[0]
    assert len(attempt.items) >= 6

    first, second = attempt.items[:2]
    service.record_answer(engine, attempt.id, first, "POS", actor=ann, unclear=True, comment="  hard one ")
    resumed = service.start_or_resume_attempt(engine, "cal", ann)
    assert resumed.id == attempt.id and resumed.next_item == second and resumed.answered == 1
    assert resumed.answers[first].answer == "POS" and resumed.answers[first].comment == "hard one"

    _answer_all(engine, resumed, ann)
    result = service.finish_attempt(engine, attempt.id, actor=ann)
    assert result.passed is True and result.certified is True
    assert result.score["kappa"] == pytest.approx(1.0) and result.score["accuracy"] == 1.0
    certs = service.certifications(engine, ann, "tiny@1.0.0")
    assert [(c.annotator_name, c.guideline_ref, c.attempt_id) for c in certs] == [
        ("ann", "tiny@1.0.0", attempt.id)
    ]
    # finishing again returns the stored result; a passed annotator gets the finished attempt back
    assert service.finish_attempt(engine, attempt.id, actor=ann).score == result.score
    assert service.start_or_resume_attempt(engine, "cal", ann).id == attempt.id
    with pytest.raises(ConflictError) as error:
        service.record_answer(engine, attempt.id, first, "NEG", actor=ann)
    assert error.value.message == f"attempt #{attempt.id} is finished; its answers can no longer change"


def test_a_failed_quiz_offers_a_retake_on_the_failed_rules(published: Any) -> None:
    engine = published.engine
    service.create_calibration_round(engine, "cal", "tiny@1.0.0", actor=published.lead, seed=5)
    bob = _user(engine, "bob")
    attempt = service.start_or_resume_attempt(engine, "cal", bob)
    guideline = service.get_guideline(engine, "tiny@1.0.0")
    wrong = {i for i in attempt.items if "R-NEG" in guideline.item(i).rules}
    _answer_all(engine, attempt, bob, wrong=wrong)
    result = service.finish_attempt(engine, attempt.id, actor=bob)
    assert result.passed is False and result.certified is False
    assert "R-NEG" in result.failed_rules and result.retake_rules == result.failed_rules
    assert service.certifications(engine, bob) == []

    retake = service.start_or_resume_attempt(engine, "cal", bob)
    assert retake.number == 2 and retake.target_rules == result.failed_rules
    assert all(set(guideline.item(i).rules) & set(result.failed_rules) for i in retake.items)
    status = service.round_status(engine, "cal").annotators[0]
    assert (status.name, status.attempts, status.status) == ("bob", 2, "in_progress")


def test_same_answer_twice_is_one_row_and_changes_keep_history(published: Any) -> None:
    engine = published.engine
    service.create_pilot_round(engine, "p", "tiny@1.0.0", actor=published.lead, annotators=["ann", "bob"])
    ann = _user(engine, "ann")
    attempt = service.start_or_resume_attempt(engine, "p", ann)
    item = attempt.items[0]
    first = service.record_answer(engine, attempt.id, item, "POS", actor=ann, seconds=2.0)
    again = service.record_answer(engine, attempt.id, item, "POS", actor=ann, seconds=2.4)
    assert first.created is True and again.created is False and again.id == first.id
    assert service.counts(engine)["responses"] == 1
    service.record_answer(engine, attempt.id, item, "NEG", actor=ann)
    service.record_answer(engine, attempt.id, item, "NEG", actor=ann, confidence=2)
    history = service.response_history(engine, attempt.id, item, actor=ann)
    assert [(h.answer, h.confidence, h.superseded_at is None) for h in history] == [
        ("POS", None, False),
        ("NEG", None, False),
        ("NEG", 2, True),
    ]
    frame = service.round_responses(engine, "p").responses
    assert frame[["item_id", "annotator_id", "answer", "confidence"]].values.tolist() == [
        [item, "ann", "NEG", 2]
    ]


def test_bad_answers_are_refused_and_nothing_is_written(published: Any) -> None:
    engine = published.engine
    service.create_pilot_round(
        engine, "p", "tiny@1.0.0", actor=published.lead, annotators=["ann", "bob"], overlap=2
    )
    ann, cyd = _user(engine, "ann"), _user(engine, "cyd")
    attempt = service.start_or_resume_attempt(engine, "p", ann)
    not_mine = "i99"
    before = service.counts(engine)
    with pytest.raises(NotFoundError) as error:
        service.record_answer(engine, attempt.id, not_mine, "POS", actor=ann)
    assert error.value.message == f"item 'i99' is not part of attempt #{attempt.id}"
    with pytest.raises(AnswerError) as invalid:
        service.record_answer(engine, attempt.id, attempt.items[0], "POSITIVE", actor=ann)
    assert (
        invalid.value.message
        == f"item {attempt.items[0]!r}: unknown label 'POSITIVE'; expected one of POS, NEG, NEU"
    )
    with pytest.raises(AnswerError, match="confidence must be an integer from 1 to 5, got 9"):
        service.record_answer(engine, attempt.id, attempt.items[0], "POS", actor=ann, confidence=9)
    with pytest.raises(AnswerError, match="unknown rule 'R-PO'"):
        service.record_answer(engine, attempt.id, attempt.items[0], "POS", actor=ann, cited_rule="R-PO")
    with pytest.raises(PermissionDenied) as denied:
        service.record_answer(engine, attempt.id, attempt.items[0], "POS", actor=cyd)
    assert denied.value.message == "cyd may not answer of another annotator's attempt"
    with pytest.raises(NotFoundError, match="unknown attempt #999"):
        service.record_answer(engine, 999, "i01", "POS", actor=ann)
    with pytest.raises(NotFoundError, match="unknown round 'nope'"):
        service.start_or_resume_attempt(engine, "nope", ann)
    assert service.counts(engine) == before


# --------------------------------------------------------------------------- invitations and sign-in


def test_invitations_are_one_time_and_expire(published: Any) -> None:
    engine, lead = published.engine, published.lead
    service.create_pilot_round(engine, "p", "tiny@1.0.0", actor=lead, annotators=["ann", "bob"], overlap=2)
    token = service.invite(engine, "p", actor=lead)
    assert len(token) >= 40 and token not in str(service.counts(engine))
    user, round_ = service.redeem_invitation(engine, token, "dora", password="dora's secret")
    assert (user.name, user.role, round_.name) == ("dora", "annotator", "p")
    late = service.start_or_resume_attempt(engine, "p", user)
    assert len(late.items) == round_.settings["per_annotator"]

    before = service.counts(engine)
    with pytest.raises(AuthError, match="this invitation was already used on "):
        service.redeem_invitation(engine, token, "eve")
    expired = service.invite(engine, "p", actor=lead, expires_in=dt.timedelta(hours=1))
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    before = service.counts(engine)
    with pytest.raises(AuthError) as error:
        service.redeem_invitation(engine, expired, "eve", now=later)
    assert error.value.message.startswith("this invitation expired on ")
    assert error.value.hint == "ask your lead for a new link"
    with pytest.raises(AuthError, match="this invitation link is not valid"):
        service.redeem_invitation(engine, "not-a-token", "eve")
    with pytest.raises(PermissionDenied, match="dora \\(annotator\\) may not invite annotators"):
        service.invite(engine, "p", actor=user)
    assert service.counts(engine) == before


def test_sign_in_is_rate_limited(store: Any) -> None:
    engine = store.engine
    assert service.authenticate(engine, "LENA@example.org", "correct horse").name == "lena"
    start = dt.datetime.now(dt.UTC)
    for _ in range(5):
        with pytest.raises(AuthError, match="wrong email or password"):
            service.authenticate(engine, "lena@example.org", "wrong", now=start)
    with pytest.raises(AuthError) as error:
        service.authenticate(engine, "lena@example.org", "correct horse", now=start + dt.timedelta(minutes=1))
    assert error.value.message == "too many attempts, try again in 14 minutes"
    assert service.counts(engine)["sign_in_failures"] == 5
    later = start + dt.timedelta(minutes=16)
    with pytest.raises(AuthError, match="wrong email or password"):  # old failures are forgotten
        service.authenticate(engine, "lena@example.org", "wrong", now=later)
    assert service.counts(engine)["sign_in_failures"] == 1
    assert service.authenticate(engine, "lena@example.org", "correct horse", now=later).id == store.lead.id
    assert service.counts(engine)["sign_in_failures"] == 0
    with pytest.raises(AuthError, match="wrong email or password"):
        service.authenticate(engine, "nobody@example.org", "whatever")
    with pytest.raises(AuthError, match="the password has 3 characters; at least 8 are needed"):
        service.create_user(engine, "x", role="lead", email="x@example.org", password="abc")


# --------------------------------------------------------------------------- adjudication, import, export


def test_adjudication_becomes_gold_for_pilot_only_items(published: Any) -> None:
    engine, lead = published.engine, published.lead
    service.create_pilot_round(engine, "p", "tiny@1.0.0", actor=lead, annotators=["ann", "bob"], overlap=2)
    assert "p01" not in service.round_responses(engine, "p").gold.index
    with pytest.raises(PermissionDenied):
        service.adjudicate(engine, "p", "p01", "NEU", "calm", actor=_user(engine, "ann"))
    with pytest.raises(AnswerError, match="unknown label 'NEUTRAL'"):
        service.adjudicate(engine, "p", "p01", "NEUTRAL", actor=lead)
    adjudication = service.adjudicate(engine, "p", "p01", "NEU", "calm tone", actor=lead, add_to_bank=True)
    assert (adjudication.answer, adjudication.added_to_bank) == ("NEU", True)
    assert service.round_responses(engine, "p").gold["p01"] == "NEU"
    assert service.audit_log(engine, limit=1)[0].action == "adjudicate"


def test_import_responses_is_all_or_nothing(published: Any) -> None:
    import pandas as pd

    engine, lead = published.engine, published.lead
    service.create_pilot_round(engine, "imp", "tiny@1.0.0", actor=lead)
    rows = [("i01", "zoe", "POS"), ("i02", "zoe", "NEG"), ("i01", "yan", "NEU")]
    frame = pd.DataFrame(rows, columns=["item_id", "annotator_id", "answer"])
    before = service.counts(engine)
    bad = pd.concat([frame, pd.DataFrame([("i03", "yan", "MEH")], columns=frame.columns)])
    with pytest.raises(AnswerError) as error:
        service.import_responses(engine, "imp", bad, actor=lead, source="export.csv")
    assert str(error.value).startswith("export.csv: row 5: answer: item 'i03': unknown label 'MEH'")
    assert service.counts(engine) == before
    assert service.import_responses(engine, "imp", frame, actor=lead, source="export.csv") == 3
    table = service.round_responses(engine, "imp").responses
    assert sorted(map(tuple, table[["item_id", "annotator_id", "answer"]].values.tolist())) == sorted(rows)


def test_span_answers_round_trip_as_canonical_spans(store: Any) -> None:
    from calibration.answers import Span

    data = {
        "format": 1,
        "id": "pii",
        "version": "1.0.0",
        "title": "Personal data",
        "task": {
            "type": "span",
            "labels": [{"id": "NAME", "name": "Name"}, {"id": "EMAIL", "name": "Email"}],
        },
        "rules": [{"id": "R-NAME", "title": "Names", "text": "Mark names.", "labels": ["NAME", "EMAIL"]}],
        "items": [{"id": "t1", "input": "Ann wrote to ann@x.org", "rules": ["R-NAME"], "answer": []}],
    }
    engine = store.engine
    service.publish(engine, Guideline.model_validate(data))
    service.create_user(engine, "ann", role="annotator")
    service.create_pilot_round(engine, "spans", "pii@1.0.0", actor=store.lead, annotators=["ann"], overlap=1)
    ann = _user(engine, "ann")
    attempt = service.start_or_resume_attempt(engine, "spans", ann)
    raw = [{"text": "ann@x.org", "label": "EMAIL"}, {"text": "Ann", "label": "NAME"}]
    stored = service.record_answer(engine, attempt.id, "t1", raw, actor=ann)
    assert stored.answer == [
        {"start": 0, "end": 3, "label": "NAME"},
        {"start": 13, "end": 22, "label": "EMAIL"},
    ]
    assert (
        service.record_answer(
            engine, attempt.id, "t1", [[0, 3, "NAME"], [13, 22, "EMAIL"]], actor=ann
        ).created
        is False
    )
    with pytest.raises(AnswerError, match="span text 'Bob' does not occur in the input"):
        service.record_answer(engine, attempt.id, "t1", [{"text": "Bob", "label": "NAME"}], actor=ann)
    answer = service.round_responses(engine, "spans").responses.loc[0, "answer"]
    assert answer == (Span(0, 3, "NAME"), Span(13, 22, "EMAIL"))
    assert service.round_responses(engine, "spans").gold["t1"] == ()


def test_a_closed_round_takes_no_answers(published: Any) -> None:
    engine, lead = published.engine, published.lead
    service.create_pilot_round(engine, "p", "tiny@1.0.0", actor=lead, annotators=["ann", "bob"], overlap=2)
    ann = _user(engine, "ann")
    attempt = service.start_or_resume_attempt(engine, "p", ann)
    with pytest.raises(PermissionDenied, match="ann \\(annotator\\) may not close rounds"):
        service.close_round(engine, "p", actor=ann)
    assert service.close_round(engine, "p", actor=lead).status == "closed"
    with pytest.raises(Exception, match="round 'p' is closed") as error:
        service.record_answer(engine, attempt.id, attempt.items[0], "POS", actor=ann)
    assert error.value.hint == "ask your lead to reopen it"
    with pytest.raises(PermissionDenied, match="bob may not see the answers of another annotator's attempt"):
        service.get_attempt(engine, attempt.id, actor=_user(engine, "bob"))
    assert service.get_attempt(engine, attempt.id, actor=lead).id == attempt.id
    service.close_round(engine, "p", actor=lead, reopen=True)
    assert service.record_answer(engine, attempt.id, attempt.items[0], "POS", actor=ann).created is True


def test_double_clicks_at_the_same_moment_store_one_answer(published: Any) -> None:
    import threading

    engine = published.engine
    service.create_pilot_round(engine, "p", "tiny@1.0.0", actor=published.lead, annotators=["ann", "bob"])
    ann = _user(engine, "ann")
    attempt = service.start_or_resume_attempt(engine, "p", ann)
    results: list[Any] = []
    barrier = threading.Barrier(4)

    def click(item: str) -> None:
        barrier.wait()
        try:
            results.append(service.record_answer(engine, attempt.id, item, "NEU", actor=ann))
        except BaseException as error:  # collected and reported below
            results.append(error)

    for item in attempt.items[:5]:
        threads = [threading.Thread(target=click, args=(item,)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert all(isinstance(r, service.Response) for r in results), results
    assert sum(r.created for r in results) == 5
    assert service.counts(engine)["responses"] == 5
