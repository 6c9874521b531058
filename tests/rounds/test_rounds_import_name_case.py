"""Imported annotators are matched to accounts ignoring case, as sign-in matches names."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from calibration.errors import ConflictError, DataError
from calibration.guidelines.model import Guideline
from calibration.rounds import importing, service


@pytest.fixture
def pilot(store: Any, tiny_guideline: Guideline) -> Any:
    """The store with tiny@1.0.0 published and two empty pilot rounds, "one" and "two"."""
    service.publish_guideline(store.engine, tiny_guideline, store.lead)
    for name in ("one", "two"):
        service.create_pilot_round(store.engine, name, "tiny@1.0.0", actor=store.lead)
    return store


def _answers(*annotators: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item_id": ["i01", "i02"] * len(annotators),
            "annotator_id": [a for a in annotators for _ in range(2)],
            "answer": ["POS", "NEG"] * len(annotators),
        }
    )


def _annotators(engine: Any) -> list[str]:
    return sorted(u.name for u in service.list_users(engine) if u.role == "annotator")


def test_a_name_differing_only_by_case_reuses_the_account(pilot: Any) -> None:
    engine, lead = pilot.engine, pilot.lead
    ann = service.create_user(engine, "Ann Example", role="annotator", actor=lead)
    service.import_responses(engine, "one", _answers("ann example", "zoe"), actor=lead, source="a.csv")
    assert _annotators(engine) == ["Ann Example", "zoe"]  # no second "ann example" account
    stored = service.round_responses(engine, "one").responses
    assert set(stored["annotator_id"]) == {"Ann Example", "zoe"}
    # the same account: sign-in by either spelling finds one user
    assert service.user_by_email(engine, "ANN EXAMPLE").id == ann.id
    # and a later import in another spelling is the same person again
    service.import_responses(engine, "two", _answers("ANN example"), actor=lead, source="b.csv")
    assert _annotators(engine) == ["Ann Example", "zoe"]
    with pytest.raises(ConflictError, match="Ann Example already has answers in round 'one'"):
        service.import_responses(engine, "one", _answers("ann EXAMPLE"), actor=lead, source="c.csv")


def test_two_names_of_the_file_differing_only_by_case_are_refused(pilot: Any) -> None:
    engine, lead = pilot.engine, pilot.lead
    before = service.counts(engine)
    with pytest.raises(DataError) as error:
        service.import_responses(engine, "one", _answers("Bo", "zed", "bo"), actor=lead, source="a.csv")
    assert str(error.value) == (
        "a.csv: annotator_id: annotators 'Bo' and 'bo' differ only by case "
        "(hint: names are matched ignoring case; spell each annotator the same way throughout)"
    )
    assert service.counts(engine) == before  # nothing written


def test_a_tool_export_into_a_new_pilot_round_reuses_the_account_too(pilot: Any) -> None:
    engine, lead = pilot.engine, pilot.lead
    service.create_user(engine, "Ann Example", role="annotator", actor=lead)
    csv = b"item_id,annotator_id,answer\ni01,ann example,POS\ni02,ann example,NEG\ni01,zoe,POS\n"
    report = importing.import_file(engine, "csv", csv, "tool.csv", "tiny@1.0.0", actor=lead)
    assert _annotators(engine) == ["Ann Example", "zoe"]
    assert set(service.round_responses(engine, report.round.name).responses["annotator_id"]) == {
        "Ann Example",
        "zoe",
    }


def test_a_non_ascii_name_is_found_exactly_and_ignoring_case_on_every_store(pilot: Any) -> None:
    """SQLite's lower() folds ASCII only: names are compared in Python, the same on every store."""
    engine, lead = pilot.engine, pilot.lead
    elodie = service.create_user(engine, "Élodie", role="annotator", actor=lead)
    service.import_responses(engine, "one", _answers("Élodie"), actor=lead, source="a.csv")  # exact
    service.import_responses(engine, "two", _answers("élodie"), actor=lead, source="b.csv")  # case only
    assert _annotators(engine) == ["Élodie"]  # no second account on either store
    for name in ("one", "two"):
        assert set(service.round_responses(engine, name).responses["annotator_id"]) == {"Élodie"}
    assert service.user_by_email(engine, "ÉLODIE").id == elodie.id  # sign-in folds the same way
    with pytest.raises(ConflictError, match="differs from the existing 'Élodie' only by case"):
        service.create_user(engine, "élodie", role="annotator", actor=lead)


def test_answers_are_never_attached_to_a_lead_an_author_or_a_deactivated_account(pilot: Any) -> None:
    engine, lead = pilot.engine, pilot.lead
    service.create_user(engine, "Ava Author", role="author", actor=lead)
    gone = service.create_user(engine, "Gus", role="annotator", actor=lead)
    service.deactivate_user(engine, gone, actor=lead)
    before = service.counts(engine)
    cases = [
        ("LENA", "annotator 'LENA' is the lead account 'lena' (ignoring case)"),
        ("lena", "annotator 'lena' is the lead account 'lena'"),
        ("ava author", "annotator 'ava author' is the author account 'Ava Author' (ignoring case)"),
        ("Gus", "annotator 'Gus' is the deactivated account 'Gus'"),
    ]
    for annotator, message in cases:
        with pytest.raises(ConflictError) as error:
            service.import_responses(engine, "one", _answers(annotator, "zoe"), actor=lead, source="a.csv")
        assert str(error.value) == (
            f"a.csv: annotator_id: {message}; answers go to annotators only "
            "(hint: rename the annotator in the file)"
        )
    assert service.counts(engine) == before  # nothing written
    csv = b"item_id,annotator_id,answer\ni01,LENA,POS\ni02,zoe,NEG\n"
    for dry_run in (True, False):  # the dry run's check refuses it too
        with pytest.raises(ConflictError, match="is the lead account 'lena'"):
            importing.import_file(engine, "csv", csv, "tool.csv", "tiny@1.0.0", actor=lead, dry_run=dry_run)
    assert service.counts(engine) == before


def test_the_dry_run_names_the_annotators_matched_only_ignoring_case(pilot: Any) -> None:
    engine, lead = pilot.engine, pilot.lead
    service.create_user(engine, "Ann Example", role="annotator", actor=lead)
    service.create_user(engine, "zoe", role="annotator", actor=lead)
    csv = b"item_id,annotator_id,answer\ni01,ann example,POS\ni02,zoe,NEG\ni01,new one,POS\n"
    report = importing.import_file(engine, "csv", csv, "tool.csv", "tiny@1.0.0", actor=lead, dry_run=True)
    assert report.notes == [
        "annotator 'ann example' is the existing account 'Ann Example' (names match ignoring case)"
    ]
    assert (
        "note: annotator 'ann example' is the existing account 'Ann Example' (names match ignoring case)"
        in (report.lines())
    )
