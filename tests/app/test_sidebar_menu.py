"""The sidebar menu per role: sections named by what they hold, and no Quiz entry for staff who take no quiz.

The menu is what the router hands to ``st.navigation`` (AppTest does not render the sidebar's page list).
"""

from __future__ import annotations

from typing import Any

import pytest

from calibration.rounds import service
from tests.app.app_helpers import PASSWORD, calibration_round, new_app, page, single_label_guideline


@pytest.fixture
def menus(monkeypatch) -> list[dict[str, list[str]]]:
    """The listed (visible) page titles per section of every ``st.navigation`` call, in order."""
    import streamlit

    navigation = streamlit.navigation
    seen: list[dict[str, list[str]]] = []

    def recording(pages: Any, **kwargs: Any) -> Any:
        sections = pages if isinstance(pages, dict) else {"": pages}
        seen.append(
            {
                name: [p.title for p in entries if p.visibility == "visible"]
                for name, entries in sections.items()
                if any(p.visibility == "visible" for p in entries)
            }
        )
        return navigation(pages, **kwargs)

    monkeypatch.setattr(streamlit, "navigation", recording)
    return seen


def _author(engine: Any, lead: Any) -> Any:
    return service.create_user(
        engine, "Aya Author", role="author", email="aya@example.org", password=PASSWORD, actor=lead
    )


def test_a_lead_sees_no_quiz_and_sections_named_by_their_pages(app_engine, app_lead, menus):
    at = new_app(app_lead).run()
    assert not at.exception, at.exception
    assert menus[-1] == {
        "Calibration": ["Home", "Guideline"],
        "Rounds": ["Rounds", "Agreement", "Annotators", "Adjudication", "Exports", "Model triage"],
        "Authoring": ["Guidelines", "Revision queue", "Compare versions"],
        "Account": ["Users", "Account"],
    }


def test_an_author_sees_no_quiz_and_no_section_called_lead(app_engine, app_lead, menus):
    at = new_app(_author(app_engine, app_lead)).run()
    assert not at.exception, at.exception
    assert menus[-1] == {
        "Calibration": ["Home", "Guideline"],
        "Rounds": ["Agreement"],
        "Authoring": ["Guidelines", "Revision queue", "Compare versions"],
        "Account": ["Account"],
    }


def test_an_annotator_sees_the_quiz(app_engine, app_annotator, menus):
    new_app(app_annotator).run()
    assert menus[-1] == {"Calibration": ["Home", "Guideline", "Quiz"], "Account": ["Account"]}


def test_a_lead_in_a_round_sees_the_quiz(app_engine, app_lead, menus):
    calibration_round(app_engine, app_lead, single_label_guideline(), app_lead)
    new_app(app_lead).run()
    assert menus[-1]["Calibration"] == ["Home", "Guideline", "Quiz"]


@pytest.mark.parametrize("role", ["lead", "author"])
def test_the_unlisted_quiz_url_still_says_what_to_do_instead(app_engine, app_lead, role):
    user = app_lead if role == "lead" else _author(app_engine, app_lead)
    at = new_app(user).run()
    at.switch_page(page("quiz.py")).run()  # /quiz typed or bookmarked: registered, not listed
    assert not at.exception, at.exception
    assert at.info[0].value.startswith(f"{role.capitalize()}s take no quiz here")
