"""Guideline prose never makes an annotator's browser load an image from elsewhere (issue 12, item 9).

Summary, task instructions, label descriptions, rule texts and the rationales of examples and items are
the author's markdown. An image in them would be fetched by every annotator's browser from wherever its
URL points; only images shipped inside the guideline (data: URLs) may render, others become links.
"""

from __future__ import annotations

import pytest

from calibration.app.widgets.text import author_markdown
from calibration.guidelines.model import Guideline
from calibration.rounds import service
from tests.app.app_helpers import calibration_round, new_app, page, single_label_guideline

TRACKER = "https://tracker.example/pixel.png"
SHIPPED = "data:image/png;base64,iVBORw0KGgo="


def _image(where: str) -> str:
    return f"see ![{where}]({TRACKER}?at={where})"


def _guideline() -> Guideline:
    data = single_label_guideline().model_dump(mode="json", exclude_none=True)
    data["summary"] = _image("summary") + f" and ![logo]({SHIPPED})"
    data["task"]["instructions"] = _image("instructions")
    data["task"]["labels"][0]["description"] = _image("label")
    for rule in data["rules"]:
        rule["text"] += " " + _image("rule") + f"\n\n![ref][t]\n\n[t]: {TRACKER}"
        for example in rule.get("examples", []) + rule.get("edge_cases", []):
            example["why"] = _image("example")
    for item in data["items"]:
        item["why"] = _image("item")
    return Guideline.model_validate(data)


def _markdown_sent(at) -> str:
    """Every markdown-bearing value the run sent: markdown, captions, alerts, radio captions."""
    parts = [
        str(e.value)
        for kind in ("markdown", "caption", "info", "success", "error")
        for e in getattr(at, kind)
    ]
    for radio in at.radio:
        parts.extend(str(c) for c in radio.proto.captions)
    return "\n".join(parts)


def _assert_no_remote_image(sent: str) -> None:
    assert TRACKER in sent  # the links are still there, as text links
    assert f"]({TRACKER}" in sent
    assert "![" + "summary" not in sent
    for where in ("summary", "instructions", "label", "rule", "example", "item"):
        assert f"![{where}]" not in sent
    assert "![ref][t]" not in sent


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"a ![x]({TRACKER}) b", f"a [x]({TRACKER}) b"),
        (f"![]({TRACKER})", f"[{TRACKER}]({TRACKER})"),
        (f"![ok]({SHIPPED})", f"![ok]({SHIPPED})"),
        (f"![r][1]\n\n[1]: {TRACKER}", f"[r][1]\n\n[1]: {TRACKER}"),
        (f"\\![x]({TRACKER})", f"\\![x]({TRACKER})"),
        (f"\\\\![x]({TRACKER})", f"\\\\[x]({TRACKER})"),
        ("plain **bold** [link](https://x.example)", "plain **bold** [link](https://x.example)"),
    ],
)
def test_author_markdown_keeps_shipped_images_and_links_the_others(text: str, expected: str) -> None:
    assert author_markdown(text) == expected


def test_the_guideline_page_renders_no_remote_image(app_engine, app_lead, app_annotator):
    guideline = _guideline()
    calibration_round(app_engine, app_lead, guideline, app_annotator)
    at = new_app(app_annotator).run()
    at.switch_page(page("guideline.py")).run()
    assert not at.exception, at.exception
    sent = _markdown_sent(at)
    _assert_no_remote_image(sent)
    assert f"![logo]({SHIPPED})" in sent


def test_the_quiz_and_its_feedback_render_no_remote_image(app_engine, app_lead, app_annotator):
    guideline = _guideline()
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    at = new_app(app_annotator, query={"round": str(round_.id)}).run()
    at.switch_page(page("quiz.py")).run()
    assert not at.exception, at.exception
    attempt = service.start_or_resume_attempt(app_engine, round_.id, app_annotator)
    key = f"quiz_{attempt.id}_0"
    before = _markdown_sent(at)
    assert "[instructions](" in before and "[label](" in before
    at.radio(key=f"{key}_answer").set_value(guideline.item(attempt.items[0]).answer)
    at.button(key=f"{key}_submit").click().run()
    assert not at.exception, at.exception
    sent = before + "\n" + _markdown_sent(at)
    _assert_no_remote_image(sent)
    assert "[item](" in sent and "[rule](" in sent
