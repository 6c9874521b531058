"""Helpers of the app tests: an AppTest of the router signed in as a user, page texts, tiny guidelines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "streamlit_app.py")
PAGES = "calibration/app/pages"
PASSWORD = "correct-horse-battery"


def new_app(user: Any | None = None, *, query: dict[str, str] | None = None) -> Any:
    """An AppTest of the router, signed in as `user` (its id in session state) when given."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=30)
    if user is not None:
        at.session_state["auth_user_id"] = user.id
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at


def page(name: str) -> str:
    return f"{PAGES}/{name}"


def texts(at: Any) -> str:
    """Every text the page shows (markdown, captions, titles, alerts, widget labels), joined."""
    parts: list[str] = []
    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "success",
        "error",
        "warning",
        "info",
        "code",
    ):
        parts.extend(str(element.value) for element in getattr(at, kind))
    for kind in ("radio", "selectbox", "text_input", "button", "checkbox", "multiselect"):
        parts.extend(str(element.label) for element in getattr(at, kind))
    return "\n".join(parts)


def unescape(markdown: str) -> str:
    """The text a reader sees of `escape_markdown` output (backslash escapes and forced line breaks removed)."""
    import re

    return re.sub(r"\\([\\`*_{}\[\]()#+\-.!|<>:~$=^&])", r"\1", markdown).replace("  \n", "\n")


def errors(at: Any) -> list[str]:
    """The text of every error box as the reader sees it (see `unescape`)."""
    return [unescape(str(e.value)) for e in at.error]


def single_label_guideline(feedback: str = "immediate", **policy: Any) -> Any:
    """A tiny single-label guideline: two rules, four gold items, two per quiz."""
    from calibration.guidelines.model import Guideline

    return Guideline.model_validate(
        {
            "format": 1,
            "id": "tiny-labels",
            "version": "1.0.0",
            "title": "Tiny label guideline",
            "task": {
                "type": "single_label",
                "labels": [
                    {"id": "POS", "name": "Positive"},
                    {"id": "NEG", "name": "Negative"},
                ],
            },
            "calibration": {
                "items_per_quiz": 2,
                "min_items_per_rule": 1,
                "feedback": feedback,
                "pass_kappa": None,
                "pass_accuracy": 1.0,
                **policy,
            },
            "rules": [
                {
                    "id": "R-POS",
                    "title": "Praise is positive",
                    "text": "Praise of the product is **Positive**.",
                    "labels": ["POS"],
                    "examples": [{"input": "I love it", "answer": "POS", "why": "Plain praise."}],
                },
                {
                    "id": "R-NEG",
                    "title": "Complaints are negative",
                    "text": "A complaint is **Negative**.",
                    "labels": ["NEG"],
                    "edge_cases": [
                        {
                            "input": "Love the box, hate the app",
                            "answer": "NEG",
                            "why": "The app is what counts.",
                        }
                    ],
                },
            ],
            "items": [
                {
                    "id": "i1",
                    "input": "Great value",
                    "rules": ["R-POS"],
                    "answer": "POS",
                    "why": "WHYMARK-great",
                },
                {
                    "id": "i2",
                    "input": "Arrived broken",
                    "rules": ["R-NEG"],
                    "answer": "NEG",
                    "why": "WHYMARK-broken",
                },
                {
                    "id": "i3",
                    "input": "Works perfectly",
                    "rules": ["R-POS"],
                    "answer": "POS",
                    "why": "WHYMARK-works",
                },
                {
                    "id": "i4",
                    "input": "Refund please",
                    "rules": ["R-NEG"],
                    "answer": "NEG",
                    "why": "WHYMARK-refund",
                },
            ],
        }
    )


def calibration_round(
    engine: Any, lead: Any, guideline: Any, annotator: Any, name: str = "Quiz round"
) -> Any:
    """Publish `guideline` and create a calibration round with `annotator` in it."""
    from calibration.rounds import service

    service.publish(engine, guideline, lead)
    return service.create_calibration_round(
        engine, name, guideline.ref, actor=lead, annotators=[annotator.name]
    )


def _policy(**extra: Any) -> dict[str, Any]:
    return {"items_per_quiz": 2, "min_items_per_rule": 1, "pass_kappa": None, "pass_accuracy": 1.0, **extra}


TASKS: dict[str, dict[str, Any]] = {
    "multi_label": {
        "task": {
            "type": "multi_label",
            "labels": [{"id": "BUG", "name": "Bug"}, {"id": "UX", "name": "Usability"}],
        },
        "inputs": ["Crashes and the menu is confusing", "The button is hidden"],
        "answers": [["BUG", "UX"], ["UX"]],
    },
    "span": {
        "task": {
            "type": "span",
            "labels": [{"id": "EMAIL", "name": "Email"}, {"id": "NAME", "name": "Name"}],
        },
        "inputs": ["Write to zed.quill@example.org today", "Ask Olek Brand about it"],
        "answers": [
            [{"text": "zed.quill@example.org", "label": "EMAIL"}],
            [{"text": "Olek Brand", "label": "NAME"}],
        ],
    },
    "rating": {
        "task": {"type": "rating", "scale": {"min": 1, "max": 3, "anchors": {1: "poor", 3: "excellent"}}},
        "inputs": ["A fine reply", "A great reply"],
        "answers": [2, 3],
    },
    "pairwise": {
        "task": {"type": "pairwise", "allow_tie": True},
        "inputs": [
            {"prompt": "Capital of France?", "a": "Paris.", "b": "Lyon."},
            {"prompt": "2+2?", "a": "5", "b": "4"},
        ],
        "answers": ["a", "b"],
    },
    "ranking": {
        "task": {"type": "ranking", "candidates": 3},
        "inputs": [
            {"prompt": "Best greeting?", "candidates": {"c1": "Hello!", "c2": "Yo", "c3": "..."}},
            {"prompt": "Best apology?", "candidates": {"c1": "Sorry.", "c2": "My bad", "c3": "I am sorry."}},
        ],
        "answers": [["c1", "c2", "c3"], ["c3", "c1", "c2"]],
    },
}


def task_guideline(task_type: str, **policy: Any) -> Any:
    """A tiny guideline of `task_type` (not single_label): two rules, one gold item each, two per quiz."""
    from calibration.guidelines.model import Guideline

    spec = TASKS[task_type]
    labels = [label["id"] for label in spec["task"].get("labels", [])]
    return Guideline.model_validate(
        {
            "format": 1,
            "id": f"tiny-{task_type.replace('_', '-')}",
            "version": "1.0.0",
            "title": f"Tiny {task_type} guideline",
            "task": spec["task"],
            "calibration": _policy(**policy),
            "rules": [
                {"id": "R-A", "title": "First rule", "text": "Rule A text.", "labels": labels[:1]},
                {"id": "R-B", "title": "Second rule", "text": "Rule B text.", "labels": labels[1:]},
            ],
            "items": [
                {
                    "id": f"t{n}",
                    "input": spec["inputs"][n],
                    "rules": ["R-A" if n == 0 else "R-B"],
                    "answer": spec["answers"][n],
                    "why": f"WHYMARK-{task_type}-{n}",
                }
                for n in range(2)
            ],
        }
    )


def after_redirect(at: Any, engine: Any) -> tuple[Any, str]:
    """The new session the browser opens after the cookie route that `at` sent it to (`remember_browser`).

    Redeems the handoff token of `at`'s "Continue" link as the route does, and returns an AppTest signed
    in as its user with the query parameters of the page the route redirects to (not yet run), and
    that page's path (``"account"``, ``""`` for Home).
    """
    from urllib.parse import parse_qsl, urlparse

    from calibration.app import auth
    from calibration.rounds import service

    [link] = at.get("link_button")
    token = dict(parse_qsl(urlparse(link.proto.url).query))["t"]
    user_id, next_path, _ = auth.redeem_handoff(token)
    path, _, query = next_path.partition("?")
    return new_app(service.get_user(engine, user_id), query=dict(parse_qsl(query))), path
