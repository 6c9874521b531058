"""Boxes items in the quiz: what the drawing widget receives (the image and labels, never gold), one
submit per answer, the feedback with gold drawn and the IoU per box, malformed values refused, and
images on items of other task types.

AppTest cannot run the component's JavaScript (it is an ``UnknownElement``), so these tests send its
value the way the browser does, through ``st.session_state[f"{key}_boxes"]``; the real browser test
is tests/e2e/test_box_draw.py.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import yaml

from calibration.rounds import service
from tests.app.app_helpers import errors, new_app, page, texts

GOLD = {
    "P1": [("CAR", 137, 59, 83, 71), ("PERSON", 41, 33, 27, 93)],
    "P2": [("PERSON", 211, 37, 31, 89)],
}
WHY = {"P1": "WHYMARK-P1 one box per object", "P2": "WHYMARK-P2 hidden parts count"}
ALT = {"P1": "A car and a person <b>on</b> a street", "P2": "A person behind a hedge"}


def _png(width: int = 320, height: int = 200) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 220, 240)).save(out, format="PNG")
    return out.getvalue()


def _boxes(gold: list[tuple[str, int, int, int, int]]) -> list[dict[str, Any]]:
    return [{"label": label, "x": x, "y": y, "width": w, "height": h} for label, x, y, w, h in gold]


def _write(folder: Path, task_type: str = "boxes") -> Path:
    (folder / "images").mkdir(parents=True, exist_ok=True)
    items = []
    for item_id in GOLD:
        (folder / "images" / f"{item_id}.png").write_bytes(_png())
        items.append(
            {
                "id": item_id,
                "input": {"image": f"images/{item_id}.png", "alt": ALT[item_id]},
                "rules": ["R-ONE"],
                "answer": _boxes(GOLD[item_id]) if task_type == "boxes" else "CAR",
                "why": WHY[item_id],
            }
        )
    task: dict[str, Any] = {
        "type": task_type,
        "labels": [{"id": "CAR", "name": "Car"}, {"id": "PERSON", "name": "Person", "color": "green"}],
    }
    if task_type == "boxes":
        task["min_iou"] = 0.5
    document = {
        "format": 1,
        "id": f"app-{task_type.replace('_', '-')}",
        "version": "1.0.0",
        "title": "Boxes in the app",
        "task": task,
        "calibration": {
            "items_per_quiz": 2,
            "min_items_per_rule": 1,
            "pass_kappa": None,
            "pass_accuracy": 0.5,
            "feedback": "immediate",
        },
        "rules": [
            {
                "id": "R-ONE",
                "title": "One box per object",
                "text": "Box every car and person once.",
                "examples": [
                    {
                        "input": {"image": "images/P1.png", "alt": "EXAMPLE-ALT a car"},
                        "answer": _boxes([("CAR", 10, 10, 50, 40)]) if task_type == "boxes" else "CAR",
                        "why": "EXAMPLE-WHY the car is boxed",
                    }
                ],
            }
        ],
        "items": items,
    }
    path = folder / "guideline.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def _open(engine: Any, lead: Any, annotator: Any, folder: Path, task_type: str = "boxes") -> tuple[Any, Any]:
    from calibration.guidelines.loading import read_guideline_file

    loaded = read_guideline_file(_write(folder, task_type))
    guideline = loaded.guideline
    service.publish(engine, guideline, lead, images=loaded.images)
    round_ = service.create_calibration_round(
        engine, "Boxes round", guideline.ref, actor=lead, annotators=[annotator.name]
    )
    at = new_app(annotator, query={"round": str(round_.id)}).run()
    at.switch_page(page("quiz.py")).run()
    assert not at.exception, at.exception
    attempt = service.start_or_resume_attempt(engine, round_.id, annotator)
    return at, attempt


def _component(at: Any) -> Any:
    (element,) = at.get("component_instance")
    assert element.proto.component_name.endswith("box_draw")
    return element


def _shown_item(attempt: Any) -> str:
    return str(attempt.items[0])


def test_the_widget_gets_the_image_its_size_alt_and_labels_and_no_gold(
    app_engine, app_lead, app_annotator, tmp_path
):
    at, attempt = _open(app_engine, app_lead, app_annotator, tmp_path)
    key = f"quiz_{attempt.id}_0"
    element = _component(at)
    args = json.loads(element.proto.json_args)
    item_id = _shown_item(attempt)
    assert args["image"] == "data:image/png;base64," + base64.b64encode(_png()).decode()
    assert (args["width"], args["height"], args["alt"]) == (320, 200, ALT[item_id])
    assert args["labels"] == [
        {"id": "CAR", "name": "Car", "color": "#1f77b4"},
        {"id": "PERSON", "name": "Person", "color": "#2ca02c"},
    ]
    assert args["boxes"] == [] and args["instance"] == key and args["key"] == f"{key}_boxes"
    assert args["widget"] == "box_draw"  # which widget the shared frame (widgets/frontend) shows
    assert element.proto.form_id == f"{key}_form"  # held in the browser until the form is submitted
    everything = element.proto.json_args + texts(at)
    for item in GOLD:
        assert WHY[item] not in everything
        for _label, x, y, w, h in GOLD[item]:
            for mark in (
                f'"x": {x}, "y": {y}',
                f'"x":{x},"y":{y}',
                f'"width": {w}, "height": {h}',
                f"{w} × {h}",
            ):
                assert mark not in everything, mark


def test_gold_boxes_drawn_and_the_answer_is_recorded_as_parsed_boxes(
    app_engine, app_lead, app_annotator, tmp_path
):
    at, attempt = _open(app_engine, app_lead, app_annotator, tmp_path)
    key = f"quiz_{attempt.id}_0"
    item_id = _shown_item(attempt)
    drawn = [{**box, "x": box["x"] + 2} for box in _boxes(GOLD[item_id])]  # 2 px off: still right
    at.session_state[f"{key}_boxes"] = {"boxes": drawn}
    at.button(key=f"{key}_submit").click().run()
    assert not at.exception and not errors(at), errors(at)
    n = len(drawn)
    assert at.success[0].value.startswith(f"Correct. Your answer: {n} box")
    assert WHY[item_id] in texts(at)
    assert len(at.get("image")) >= 1  # the feedback picture: gold over the annotator's boxes
    table = at.dataframe[0].value
    assert list(table["verdict"]) == ["✓ correct"] * n
    assert all(0.85 < float(v) < 1 for v in table["IoU"])  # 2 px off: 25/29 on the narrowest box
    stored = service.get_attempt(app_engine, attempt.id, actor=app_annotator).answers[item_id].answer
    assert sorted(b["x"] for b in stored) == sorted(b["x"] for b in drawn)


def test_a_partly_right_answer_gets_its_f1_and_a_verdict_per_box(
    app_engine, app_lead, app_annotator, tmp_path
):
    at, attempt = _open(app_engine, app_lead, app_annotator, tmp_path)
    key = f"quiz_{attempt.id}_0"
    item_id = _shown_item(attempt)
    first = _boxes(GOLD[item_id])[0]
    drawn = [first, {"label": "CAR", "x": 0, "y": 150, "width": 20, "height": 20}]  # one right, one extra
    at.session_state[f"{key}_boxes"] = {"boxes": drawn}
    at.button(key=f"{key}_submit").click().run()
    assert not at.exception
    n_gold = len(GOLD[item_id])
    message = at.warning[0].value if at.warning else at.error[0].value
    right = f"{1} of {n_gold} gold box{'es' if n_gold != 1 else ''} right, 1 extra"
    assert right in message, message
    table = at.dataframe[0].value
    verdicts = list(table["verdict"])
    assert "✓ correct" in verdicts and "✗ extra box (not in gold)" in verdicts
    # the extra box has no IoU: a dash, not None
    assert table["IoU"][verdicts.index("✗ extra box (not in gold)")] == "–"


def test_no_box_drawn_is_an_answer_of_no_boxes(app_engine, app_lead, app_annotator, tmp_path):
    at, attempt = _open(app_engine, app_lead, app_annotator, tmp_path)
    key = f"quiz_{attempt.id}_0"
    at.button(key=f"{key}_submit").click().run()  # the widget sent nothing: no boxes
    assert not at.exception
    assert errors(at)[0].startswith("Not quite, F1 0.00: 0 of ")
    stored = service.get_attempt(app_engine, attempt.id, actor=app_annotator).answers
    assert stored[_shown_item(attempt)].answer == []


def test_no_box_on_an_image_with_nothing_to_box_is_correct_in_plain_words(
    app_engine, app_lead, app_annotator, tmp_path, monkeypatch
):
    for item_id in GOLD:
        monkeypatch.setitem(GOLD, item_id, [])  # gold: nothing to box on either image
    at, attempt = _open(app_engine, app_lead, app_annotator, tmp_path)
    key = f"quiz_{attempt.id}_0"
    at.button(key=f"{key}_submit").click().run()
    assert not at.exception
    assert at.success[0].value == "Correct. Your answer: no box, and there is nothing to box."


def test_a_malformed_value_is_refused_with_the_service_message(app_engine, app_lead, app_annotator, tmp_path):
    at, attempt = _open(app_engine, app_lead, app_annotator, tmp_path)
    key = f"quiz_{attempt.id}_0"
    at.session_state[f"{key}_boxes"] = {"boxes": [{"label": "CAR", "x": 5, "y": 5, "width": 0, "height": 9}]}
    at.button(key=f"{key}_submit").click().run()
    assert not at.exception
    assert "empty" in errors(at)[0], errors(at)
    assert service.get_attempt(app_engine, attempt.id, actor=app_annotator).answered == 0


def test_an_image_classification_item_shows_its_image_with_the_alt_text(
    app_engine, app_lead, app_annotator, tmp_path
):
    at, attempt = _open(app_engine, app_lead, app_annotator, tmp_path, task_type="single_label")
    assert not at.get("component_instance")
    assert len(at.get("image")) == 1
    key = f"quiz_{attempt.id}_0"
    at.radio(key=f"{key}_answer").set_value("CAR")
    at.button(key=f"{key}_submit").click().run()
    assert not at.exception and at.success[0].value.startswith("Correct.")
    assert len(at.get("image")) == 1  # the feedback shows the image again


def test_the_widget_files_fetch_nothing_and_write_no_html() -> None:
    from calibration.app.widgets.widget_frame import FRONTEND_DIR

    page = (FRONTEND_DIR / "index.html").read_text(encoding="utf-8")
    scripts = {path.stem: path.read_text(encoding="utf-8") for path in FRONTEND_DIR.glob("*.js")}
    styles = [path.read_text(encoding="utf-8") for path in FRONTEND_DIR.glob("*.css")]
    assert set(scripts) == {"frame", "parts", "box_draw", "span_select"}
    # the frame may load its own files and data: images only (no CDN, no request of its own)
    assert (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src data:; connect-src 'none'" in page
    )
    for text in (page.replace('http-equiv="Content-Security-Policy"', ""), *scripts.values(), *styles):
        assert "http://" not in text and "https://" not in text and "//cdn" not in text
    # server text (labels, alt) goes in with textContent or attributes, never as HTML
    for script in scripts.values():
        for sink in (
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
            "new Function",
        ):
            assert sink not in script, sink
    assert "textContent = label.name" in scripts["parts"] and "image.alt =" in scripts["box_draw"]
    # the frame loads only a widget that has its template in index.html
    assert '<template id="box_draw"' in page and "HTMLTemplateElement" in scripts["frame"]


def test_the_guideline_page_shows_example_images_with_their_boxes(
    app_engine, app_lead, app_annotator, tmp_path
):
    at, _ = _open(app_engine, app_lead, app_annotator, tmp_path)
    at.query_params["version"] = "app-boxes@1.0.0"
    at.switch_page(page("guideline.py")).run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert "EXAMPLE-WHY the car is boxed" in shown
    assert "Answer: 1 box: **Car**" in shown
    captions = [i.proto.imgs[0].caption for i in at.get("image")]
    assert captions == ["EXAMPLE\\-ALT a car"]  # the alt text, escaped markdown


def test_the_review_after_the_quiz_draws_every_item_with_its_f1(
    app_engine, app_lead, app_annotator, tmp_path
):
    at, attempt = _open(app_engine, app_lead, app_annotator, tmp_path)
    for position, item_id in enumerate(attempt.items):
        key = f"quiz_{attempt.id}_{position}"
        boxes = _boxes(GOLD[item_id])
        at.session_state[f"{key}_boxes"] = {"boxes": boxes if item_id == "P2" else boxes[:1]}
        at.button(key=f"{key}_submit").click().run()
        assert not at.exception, at.exception
        at.button(key="quiz_next").click().run()  # "Next item", then "See my result"
    assert not at.exception, at.exception
    labels = [e.label for e in at.expander if e.label.startswith("Item ")]
    p1, p2 = attempt.items.index("P1") + 1, attempt.items.index("P2") + 1
    assert f"Item {p1} · ◐ partly right, F1 0.67" in labels and f"Item {p2} · correct" in labels, labels
    assert len(at.get("image")) == 2  # each item drawn with its gold boxes
    metrics = {m.label: m.value for m in at.metric}
    assert metrics.get("A box is right at") == "IoU ≥ 0.50"  # not a kappa of "–": boxes have none
    assert "Cohen's kappa vs gold" not in metrics


def test_the_lead_previews_a_boxes_quiz_with_the_drawing_widget(
    app_engine, app_lead, app_annotator, tmp_path
):
    _open(app_engine, app_lead, app_annotator, tmp_path)
    (round_,) = [r for r in service.list_rounds(app_engine) if r.name == "Boxes round"]
    at = new_app(app_lead, query={"round": str(round_.id)}).run()
    at.switch_page(page("rounds.py")).run()
    at.button(key="rounds_preview_start").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    key = f"rounds_preview_{round_.id}"
    first = at.session_state[key]["items"][0]
    args = json.loads(_component(at).proto.json_args)
    assert args["alt"] == ALT[first] and args["instance"] == f"{key}_0"
    at.session_state[f"{key}_0_boxes"] = {"boxes": _boxes(GOLD[first])}
    at.button(key=f"{key}_0_submit").click().run()
    assert not at.exception and at.success[0].value.startswith("Correct.")
    assert len(at.get("image")) == 1


def test_the_lead_adjudicates_a_boxes_item_by_drawing_and_sees_every_annotators_boxes(
    app_engine, app_lead, app_annotator, tmp_path
):
    from tests.e2e.box_fixture import ITEMS, make_pilot
    from tests.e2e.box_fixture import publish_guideline as publish_fixture

    ref = publish_fixture(app_engine, tmp_path / "guideline", app_lead)
    round_ = make_pilot(app_engine, ref, app_lead)
    at = new_app(app_lead).run()
    at.switch_page(page("adjudication.py")).run()
    assert not at.exception, at.exception
    item_id = at.selectbox(key="adj_item").value
    assert item_id in ITEMS
    (drawn,) = at.get("image")  # the image with every annotator's boxes, named in its caption
    assert drawn.proto.imgs[0].caption.startswith(item_id)
    scope = f"{round_.id}_{item_id}"
    args = json.loads(_component(at).proto.json_args)
    assert args["boxes"] == [] and args["instance"] == f"adj_{scope}"
    decision = [
        {"label": label, "x": x, "y": y, "width": w, "height": h} for label, x, y, w, h in ITEMS[item_id][1]
    ]
    at.text_area(key=f"adj_rationale_{scope}").input("Each object gets one box.")
    at.session_state[f"adj_{scope}_boxes"] = {"boxes": decision}
    at.button(key=f"adj_{scope}_submit").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.success[0].value == f"Saved the decision for {item_id}."
    (saved,) = [d for d in service.adjudications(app_engine, round_.id) if d.item_id == item_id]
    assert sorted(b["x"] for b in saved.answer) == sorted(b["x"] for b in decision)
