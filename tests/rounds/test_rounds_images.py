"""Publishing a guideline with images: the hash covers their bytes, the store keeps them (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from calibration.errors import ConflictError, GuidelineError, NotFoundError
from calibration.guidelines.loading import read_guideline_file
from calibration.guidelines.versions import content_hash
from calibration.rounds import service
from tests.box_guideline import write_box_guideline, write_png


def test_images_are_published_with_the_version_and_read_back(store: Any, tmp_path: Path) -> None:
    loaded = read_guideline_file(write_box_guideline(tmp_path))
    version = service.publish_guideline(store.engine, loaded.guideline, store.lead, loaded.images)
    assert version.content_hash == content_hash(loaded.guideline, loaded.images)
    image = service.image_of(store.engine, version.id, "images/street-01.png")
    data = (tmp_path / "images" / "street-01.png").read_bytes()
    assert image == ("images/street-01.png", "image/png", 20, 10, data)
    assert image.sha256 == hashlib.sha256(data).hexdigest()
    listed = service.images_of(store.engine, version.id)
    assert [(i.path, i.width, i.height, i.data) for i in listed] == [
        ("images/empty.png", 8, 8, b""),
        ("images/street-01.png", 20, 10, b""),
    ]
    with store.engine.connect() as connection:
        stored = connection.execute(text("SELECT path, sha256 FROM guideline_images ORDER BY path")).all()
    assert [tuple(row) for row in stored] == [(i.path, i.sha256) for i in sorted(loaded.images.values())]
    # the snapshot comes back as the same guideline, its image paths as written
    assert service.get_guideline(store.engine, "street@1.0.0") == loaded.guideline


def test_an_unknown_image_is_not_found(store: Any, tmp_path: Path) -> None:
    loaded = read_guideline_file(write_box_guideline(tmp_path))
    version = service.publish_guideline(store.engine, loaded.guideline, store.lead, loaded.images)
    with pytest.raises(NotFoundError) as error:
        service.image_of(store.engine, version.id, "images/nope.png")
    assert error.value.message == f"guideline version {version.id} has no image 'images/nope.png'"


def test_publishing_again_is_idempotent_and_changed_image_bytes_are_refused(
    store: Any, tmp_path: Path
) -> None:
    file = write_box_guideline(tmp_path)
    loaded = read_guideline_file(file)
    service.publish_guideline(store.engine, loaded.guideline, store.lead, loaded.images)
    assert service.publish(store.engine, loaded.guideline, images=read_guideline_file(file).images) is False
    write_png(tmp_path / "images" / "street-01.png", color=10)  # same size and path, other pixels
    changed = read_guideline_file(file)
    assert changed.guideline == loaded.guideline
    assert content_hash(changed.guideline, changed.images) != content_hash(loaded.guideline, loaded.images)
    with pytest.raises(ConflictError, match=r"street@1\.0\.0 is already published with different content"):
        service.publish(store.engine, changed.guideline, images=changed.images)


def test_a_guideline_with_images_cannot_be_published_without_them(store: Any, tmp_path: Path) -> None:
    loaded = read_guideline_file(write_box_guideline(tmp_path))
    with pytest.raises(GuidelineError) as error:
        service.publish_guideline(store.engine, loaded.guideline, store.lead)
    assert error.value.message == (
        "street@1.0.0 uses 2 images not given to publish (images/empty.png, images/street-01.png)"
    )
    assert error.value.hint.startswith("publish the guideline from its file")
    assert service.list_guideline_versions(store.engine) == []


def test_a_version_without_images_publishes_as_before(store: Any, tiny_guideline: Any) -> None:
    version = service.publish_guideline(store.engine, tiny_guideline, store.lead, {})
    assert version.content_hash == content_hash(tiny_guideline)
    assert service.images_of(store.engine, version.id) == []


def test_a_boxes_quiz_is_scored_by_iou_with_partial_credit(store: Any, tmp_path: Path) -> None:
    loaded = read_guideline_file(write_box_guideline(tmp_path))
    service.publish_guideline(store.engine, loaded.guideline, store.lead, loaded.images)
    for name in ("ann", "bob"):
        service.create_user(store.engine, name, role="annotator", actor=store.lead)
    service.create_calibration_round(
        store.engine, "cal", "street@1.0.0", actor=store.lead, annotators=["ann", "bob"],
        items_per_quiz=2, min_items_per_rule=1,
    )  # fmt: skip
    person = {"label": "PERSON", "x": 1, "y": 2, "width": 3, "height": 3.5}  # IoU 10.5 / 12 = 0.875
    car = {"label": "CAR", "x": 5, "y": 5, "width": 3, "height": 2}
    answers = {"ann": {"s1": [car, person], "s2": []}, "bob": {"s1": [person], "s2": []}}
    scores = {}
    for name, given in answers.items():
        user = next(u for u in service.list_users(store.engine) if u.name == name)
        attempt = service.start_or_resume_attempt(store.engine, "cal", user)
        assert sorted(attempt.items) == ["s1", "s2"]
        for item, answer in given.items():
            service.record_answer(store.engine, attempt.id, item, answer, actor=user)
        stored = service.start_or_resume_attempt(store.engine, "cal", user).answers["s1"].answer
        assert stored == sorted(given["s1"], key=lambda box: box["label"])  # canonical order, as JSON
        scores[name] = service.finish_attempt(store.engine, attempt.id, actor=user).score
    assert (scores["ann"]["n_correct"], scores["ann"]["accuracy"], scores["ann"]["box_f1"]) == (2, 1.0, 1.0)
    assert scores["ann"]["box_mean_iou"] == pytest.approx((1 + 0.875) / 2)
    # bob found the person and missed the car: F1 2/3 on s1, right on s2 (nothing to box)
    assert scores["bob"]["n_correct"] == 1
    assert scores["bob"]["accuracy"] == pytest.approx((2 / 3 + 1) / 2)
    assert scores["bob"]["box_recall"] == pytest.approx(0.5)
    assert scores["bob"]["per_rule"]["R-PERSON"]["credit"] == pytest.approx(2 / 3 + 1)


def test_a_published_snapshot_republishes_as_a_no_op_with_its_stored_images(
    store: Any, tmp_path: Path
) -> None:
    loaded = read_guideline_file(write_box_guideline(tmp_path))
    service.publish_guideline(store.engine, loaded.guideline, store.lead, loaded.images)
    snapshot = service.get_guideline(store.engine, "street@1.0.0")  # image paths, no bytes
    assert service.publish(store.engine, snapshot, store.lead) is False
    other = snapshot.model_copy(update={"version": "1.0.1"})
    with pytest.raises(GuidelineError, match=r"street@1\.0\.1 uses 2 images not given to publish"):
        service.publish(store.engine, other, store.lead)
