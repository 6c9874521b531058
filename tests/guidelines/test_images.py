"""Images on inputs and the boxes task: loading, located problems, images on disk (issue 15)."""

from __future__ import annotations

import hashlib
import struct
import zlib
from pathlib import Path

import pytest

from calibration.boxes import Box
from calibration.errors import GuidelineError
from calibration.guidelines.loading import (
    dump_guideline,
    load_guideline_text,
    read_guideline_file,
    validate_paths,
)
from tests.box_guideline import BOXES_YAML, write_box_guideline, write_png


def _messages(text: str) -> list[str]:
    with pytest.raises(GuidelineError) as caught:
        load_guideline_text(text, "street.yaml")
    return [str(p) for p in caught.value.problems]


def test_a_boxes_guideline_loads_with_images_and_canonical_gold() -> None:
    guideline = load_guideline_text(BOXES_YAML)
    assert guideline.task.min_iou == 0.6
    item = guideline.item("s1")
    assert (item.input.image, item.input.alt) == ("images/street-01.png", "Two people beside a parked car")
    assert guideline.gold_answers() == {
        "s1": (Box("CAR", 5, 5, 3, 2), Box("PERSON", 1, 2, 3, 4)),
        "s2": (),
    }
    assert load_guideline_text(dump_guideline(guideline)) == guideline


def test_box_problems_point_at_the_box_with_line_and_column() -> None:
    broken = BOXES_YAML.replace(
        "{label: CAR, x: 5, y: 5, width: 3, height: 2}", "{label: CRA, x: 5, y: 5, width: 0, height: 2}"
    )
    assert _messages(broken) == [
        "street.yaml:25:9: items[0].answer[1]: unknown label 'CRA'; expected one of PERSON, CAR "
        "(hint: did you mean 'CAR'?)"
    ]


def test_a_boxes_input_needs_an_image_and_alt() -> None:
    no_image = BOXES_YAML.replace(
        "input: {image: images/empty.png, alt: An empty street, text: Box people and cars.}",
        "input: Box people and cars.",
    )
    assert _messages(no_image) == [
        "street.yaml:27:12: items[1].input: a boxes task needs an image on every input "
        "(hint: write input: {image: images/photo.png, alt: a short description of the image})"
    ]
    no_alt = BOXES_YAML.replace(", alt: An empty street", "")
    assert _messages(no_alt) == [
        "street.yaml:27:12: items[1].input: an input with an image needs alt: a short description of the image"
    ]


def test_image_classification_and_a_text_beside_an_image() -> None:
    text = BOXES_YAML.replace("type: boxes\n  min_iou: 0.6", "type: single_label")
    text = text.replace("answer: [{label: PERSON, x: 1, y: 2, width: 3, height: 4}]", "answer: PERSON")
    text = text.replace(
        "answer:\n      - {label: PERSON, x: 1, y: 2, width: 3, height: 4}\n"
        "      - {label: CAR, x: 5, y: 5, width: 3, height: 2}",
        "answer: CAR",
    )
    guideline = load_guideline_text(text.replace("answer: []", "answer: PERSON"))
    assert guideline.gold_answers() == {"s1": "CAR", "s2": "PERSON"}
    assert guideline.item("s2").input.text == "Box people and cars."


def test_a_span_input_needs_text() -> None:
    text = """\
format: 1
id: pii
version: 1.0.0
title: PII
task: {type: span, labels: [{id: NAME, name: Name}]}
rules: [{id: R1, title: Names, text: Mark names.}]
items:
  - {id: i1, input: {image: a.png, alt: A form}, rules: [R1], answer: []}
"""
    assert _messages(text) == [
        "street.yaml:8:21: items[0].input.text: a span task needs a text to mark spans in"
    ]


def test_lint_compares_image_inputs_by_their_image_not_by_a_shared_instruction() -> None:
    from calibration.guidelines.lint import lint_guideline

    two_images = BOXES_YAML.replace(
        "input: {image: images/street-01.png, alt: Two people beside a parked car}\n    rules",
        "input: {image: images/street-01.png, alt: Two people beside a parked car, text: Box people and cars.}\n"
        "    rules",
    )
    codes = [p.code for p in lint_guideline(load_guideline_text(two_images))]
    assert "contradictory_examples" not in codes  # same text, other image, other gold: fine
    same_image = two_images.replace("images/empty.png", "images/street-01.png")
    contradictions = [
        p for p in lint_guideline(load_guideline_text(same_image)) if p.code == "contradictory_examples"
    ]
    assert [p.location.field for p in contradictions] == ["items[1].answer"]


# --------------------------------------------------------------------------- images on disk


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims `width` × `height` pixels, with a few bytes of pixel data: a bomb's shape."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 1000)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def _street(folder: Path, text: str = BOXES_YAML) -> Path:
    return write_box_guideline(folder, text)


def _validate(file: Path) -> list[str]:
    return [str(p).removeprefix(f"{file}:") for p in validate_paths([file])]


def test_a_guideline_file_reads_its_images_relative_to_itself(tmp_path: Path) -> None:
    loaded = read_guideline_file(_street(tmp_path))
    assert sorted(loaded.images) == ["images/empty.png", "images/street-01.png"]
    image = loaded.images["images/street-01.png"]
    assert (image.media_type, image.width, image.height) == ("image/png", 20, 10)
    assert image.data == (tmp_path / "images" / "street-01.png").read_bytes()
    assert image.sha256 == hashlib.sha256(image.data).hexdigest()
    assert load_guideline_text(BOXES_YAML) == loaded.guideline  # text alone: no images read


def test_a_missing_image_is_reported_at_its_line(tmp_path: Path) -> None:
    file = _street(tmp_path)
    (tmp_path / "images" / "empty.png").unlink()
    assert _validate(file) == [
        "27:20: items[1].input.image: image file images/empty.png not found next to the guideline "
        f"(hint: the path is relative to the guideline file's folder ({tmp_path}))"
    ]


def test_a_file_that_is_not_an_image_is_refused(tmp_path: Path) -> None:
    file = _street(tmp_path)
    (tmp_path / "images" / "empty.png").write_text("not a picture", encoding="utf-8")
    assert _validate(file) == [
        "27:20: items[1].input.image: image images/empty.png is not a PNG or JPEG image (Pillow cannot read it) "
        "(hint: save it as PNG or JPEG)"
    ]


def test_other_formats_truncated_files_and_wrong_extensions_are_refused(tmp_path: Path) -> None:
    file = _street(tmp_path)
    write_png(tmp_path / "images" / "empty.png", kind="GIF")
    assert _validate(file) == [
        "27:20: items[1].input.image: image images/empty.png is a GIF file; expected PNG or JPEG "
        "(hint: convert it to PNG or JPEG)"
    ]
    whole = write_png(tmp_path / "images" / "empty.png", (64, 64)).read_bytes()
    (tmp_path / "images" / "empty.png").write_bytes(whole[: len(whole) // 2])
    (problem,) = _validate(file)
    assert problem.startswith("27:20: items[1].input.image: image images/empty.png does not decode: ")
    write_png(tmp_path / "images" / "empty.png", kind="JPEG")
    assert _validate(file) == [
        "27:20: items[1].input.image: image images/empty.png is a JPEG file but is named .png (hint: name it .jpg)"
    ]


def test_a_decompression_bomb_is_refused_from_its_header_without_a_warning(
    tmp_path: Path, recwarn: pytest.WarningsRecorder
) -> None:
    file = _street(tmp_path)
    bomb = tmp_path / "images" / "empty.png"
    bomb.write_bytes(_png_header(8_000, 8_000))  # 64 megapixels in a hundred bytes
    assert _validate(file) == [
        "27:20: items[1].input.image: image images/empty.png is 8000×8000 = 64,000,000 pixels; the limit is "
        "50,000,000 (a larger image could be a decompression bomb) (hint: scale the image down)"
    ]
    bomb.write_bytes(_png_header(20_000, 20_000))  # beyond Pillow's own limit: it raises in open
    assert _validate(file) == [
        "27:20: items[1].input.image: image images/empty.png has too many pixels to decode safely "
        "(a decompression bomb?); the limit is 50,000,000 pixels (hint: use a smaller image)"
    ]
    assert not [w for w in recwarn if "DecompressionBomb" in type(w.message).__name__]


def test_an_image_over_the_size_limit_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from calibration.guidelines import images

    monkeypatch.setattr(images, "MAX_IMAGE_BYTES", 1024 * 1024)
    file = _street(tmp_path)
    (tmp_path / "images" / "empty.png").write_bytes(b"\0" * (1024 * 1024 * 3 // 2))
    assert _validate(file) == [
        "27:20: items[1].input.image: image images/empty.png is 1.5 MB; the limit is 1 MB "
        "(hint: shrink or recompress the image)"
    ]
    with pytest.raises(images.ImageError, match=r"is 1\.5 MB; the limit is 1 MB"):
        images.decode_image("a.png", b"\0" * (1024 * 1024 * 3 // 2))  # bytes from elsewhere (an upload)


def test_image_paths_must_stay_in_the_guideline_folder(tmp_path: Path) -> None:
    write_png(tmp_path / "secret.png")
    folder = tmp_path / "guideline"
    file = _street(folder, BOXES_YAML.replace("images/empty.png", "../secret.png"))
    assert _validate(file) == [
        "27:20: items[1].input.image: image path '../secret.png' must stay inside the guideline's folder "
        "(hint: write a path relative to the guideline file, such as images/photo.png)"
    ]
    (folder / "images" / "link.png").symlink_to(tmp_path / "secret.png")
    file.write_text(BOXES_YAML.replace("images/empty.png", "images/link.png"), encoding="utf-8")
    assert _validate(file) == [
        "27:20: items[1].input.image: image path 'images/link.png' leads outside the guideline's folder "
        "(a link?) (hint: copy the image next to the guideline)"
    ]


def test_gold_boxes_must_lie_inside_their_image(tmp_path: Path) -> None:
    # street-01.png is 20×10: the car box reaches (21, 7)
    text = BOXES_YAML.replace(
        "{label: CAR, x: 5, y: 5, width: 3, height: 2}", "{label: CAR, x: 18, y: 5, width: 3, height: 2}"
    )
    assert _validate(_street(tmp_path, text)) == [
        "25:9: items[0].answer[1]: CAR box (18, 5, 3×2) reaches (21, 7), outside the 20×10 image "
        "images/street-01.png (hint: boxes are in image pixels from the top-left corner; keep x + width and "
        "y + height within the image)"
    ]
    exact = text.replace("x: 18", "x: 17")  # touching the right edge is inside
    assert _validate(_street(tmp_path, exact)) == []


def test_unknown_labels_and_empty_boxes_in_a_file_are_located(tmp_path: Path) -> None:
    text = BOXES_YAML.replace(
        "{label: CAR, x: 5, y: 5, width: 3, height: 2}", "{label: BUS, x: 5, y: 5, width: 3, height: 0}"
    )
    assert _validate(_street(tmp_path, text)) == [
        "25:9: items[0].answer[1]: unknown label 'BUS'; expected one of PERSON, CAR "
        "(hint: add the label under task.labels or fix the answer)"
    ]
    text = BOXES_YAML.replace(
        "{label: CAR, x: 5, y: 5, width: 3, height: 2}", "{label: CAR, x: 5, y: 5, width: 3, height: 0}"
    )
    assert _validate(_street(tmp_path, text)) == [
        "25:9: items[0].answer[1]: box of width 3 and height 0 is empty (hint: width and height must be positive)"
    ]


def test_the_documented_boxes_example_validates_with_its_images(tmp_path: Path) -> None:
    import re

    doc = (Path(__file__).resolve().parents[2] / "docs" / "guideline-format.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```yaml\n(.*?)```", doc, re.DOTALL) if "type: boxes" in b]
    paths = sorted(set(re.findall(r"image: (images/[\w.-]+)", block)))
    assert len(paths) == 5
    folder = tmp_path / "street-scenes"
    for path in paths:
        write_png(folder / path, (320, 240), "JPEG" if path.endswith(".jpg") else "PNG")
    file = folder / "1.0.0.yaml"
    file.write_text(block, encoding="utf-8")
    assert validate_paths([file]) == []
    assert sorted(read_guideline_file(file).images) == paths


def test_the_json_schema_knows_boxes_images_and_alt() -> None:
    import json

    import jsonschema
    import yaml

    from calibration.guidelines.schema import guideline_json_schema

    validator = jsonschema.Draft202012Validator(guideline_json_schema())
    data = json.loads(json.dumps(yaml.safe_load(BOXES_YAML)))
    assert list(validator.iter_errors(data)) == []
    data["items"][0]["input"].pop("alt")
    (error,) = validator.iter_errors(data)  # the input fits no input shape; the text input's reason:
    assert "'alt' is a dependency of 'image'" in [c.message for c in error.context or []]
    data["items"][0]["input"] = {"context": "no text, no image"}
    assert len(list(validator.iter_errors(data))) == 1
    data = json.loads(json.dumps(yaml.safe_load(BOXES_YAML.replace("min_iou: 0.6", "min_iou: 0"))))
    assert [e.message for e in validator.iter_errors(data)] == ["0 is less than or equal to the minimum of 0"]
