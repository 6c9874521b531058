"""Signing in at a page's URL goes on to that page: only the app's own pages, never an open redirect."""

from __future__ import annotations

import pytest

from calibration.app import auth
from calibration.app.navigation import path_after_sign_in


def test_signing_in_at_a_page_url_goes_on_to_that_page_with_its_query():
    assert path_after_sign_in("dashboard", {}, "lead") == "dashboard"
    assert path_after_sign_in("quiz", {"round": "3"}, "annotator") == "quiz?round=3"
    assert path_after_sign_in("model-triage", {"a": "x y&b=/c"}, "lead") == "model-triage?a=x+y%26b%3D%2Fc"


@pytest.mark.parametrize(
    ("url_path", "role"),
    [
        ("", "lead"),  # the app's root: Home
        ("sign-in", "lead"),
        ("join", "annotator"),
        ("dashboard", "annotator"),  # a page the role may not open: Home, not "Page not found"
        ("//evil.example", "lead"),
        ("https://evil.example/dashboard", "lead"),
        ("/dashboard", "lead"),
        ("dashboard/../..", "lead"),
    ],
)
def test_anything_else_lands_on_home(url_path, role):
    assert path_after_sign_in(url_path, {"round": "3"}, role) == ""


def test_the_destination_is_accepted_by_the_handoff():
    token = auth.issue_handoff(1, path_after_sign_in("quiz", {"round": "//evil.example"}, "lead"))
    assert auth.redeem_handoff(token)[1] == "quiz?round=%2F%2Fevil.example"


def test_a_confirmation_in_the_opened_url_is_not_carried_past_the_sign_in():
    """``/account?notice=password-changed`` opened signed out must not confirm a change after sign-in."""
    query = {"notice": "password-changed", "round": "3", "invite": "token"}
    assert path_after_sign_in("account", query, "annotator") == "account?round=3"
