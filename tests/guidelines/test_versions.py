"""Versions: semantic-version order, discovery, latest, id@version references, content hash."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from calibration.errors import GuidelineError, NotFoundError
from calibration.guidelines.loading import load_guideline_text
from calibration.guidelines.versions import (
    BUNDLED_DIR,
    SHIPPED,
    GuidelineFile,
    comparable_pairs,
    content_hash,
    discover,
    is_prerelease,
    latest,
    load_ref,
    resolve,
    sort_versions,
    unpublished_drafts,
    version_key,
    versions_in,
)

# Precedence example from semver.org, section 11, in ascending order.
SEMVER_ORDER = [
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
    "1.0.1",
    "1.2.0",
    "1.10.0",
    "2.0.0",
]


def test_sort_versions_follows_semver_precedence() -> None:
    shuffled = SEMVER_ORDER[::2] + SEMVER_ORDER[1::2][::-1]
    assert sort_versions(shuffled) == SEMVER_ORDER


def test_build_metadata_is_ignored_in_precedence() -> None:
    assert version_key("1.0.0+build.5") == version_key("1.0.0")


def test_version_key_refuses_non_semantic_versions() -> None:
    with pytest.raises(GuidelineError, match=r"version '1\.0' is not a semantic version such as 1\.0\.0"):
        version_key("1.0")


def test_latest_prefers_releases_unless_asked() -> None:
    assert latest(["1.0.0", "1.1.0-rc.1", "0.9.0"]) == "1.0.0"
    assert latest(["1.0.0", "1.1.0-rc.1"], include_prerelease=True) == "1.1.0-rc.1"
    assert latest(["1.1.0-rc.1", "1.1.0-beta"]) == "1.1.0-rc.1"
    assert is_prerelease("1.1.0-rc.1") and not is_prerelease("1.1.0")
    with pytest.raises(NotFoundError, match="no guideline versions to choose from"):
        latest([])


def _write(root: Path, guideline_id: str, version: str, text: str) -> Path:
    folder = root / guideline_id
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{version}.yaml"
    path.write_text(text.replace("id: sentiment", f"id: {guideline_id}").replace("1.0.0", version))
    return path


def test_discover_lists_versions_oldest_first_and_skips_other_files(tmp_path: Path, valid_yaml: str) -> None:
    for version in ("1.10.0", "1.2.0", "1.2.0-rc.1"):
        _write(tmp_path, "sentiment", version, valid_yaml)
    (tmp_path / "sentiment" / "items.yaml").write_text("[]\n")
    (tmp_path / "notes").mkdir()
    found = discover(tmp_path)
    assert list(found) == ["sentiment"]
    assert [f.version for f in found["sentiment"]] == ["1.2.0-rc.1", "1.2.0", "1.10.0"]
    assert found["sentiment"][0] == GuidelineFile(
        "sentiment", "1.2.0-rc.1", tmp_path / "sentiment/1.2.0-rc.1.yaml"
    )
    assert versions_in(tmp_path / "sentiment") == found["sentiment"]
    assert discover(tmp_path / "missing") == {}


def test_resolve_and_load_references(tmp_path: Path, valid_yaml: str) -> None:
    for version in ("1.0.0", "1.1.0", "2.0.0-rc.1"):
        _write(tmp_path, "sentiment", version, valid_yaml)
    assert resolve("sentiment", tmp_path).version == "1.1.0"
    assert resolve("sentiment@latest", tmp_path).version == "1.1.0"
    assert resolve("sentiment@2.0.0-rc.1", tmp_path).version == "2.0.0-rc.1"
    assert load_ref("sentiment@1.0.0", tmp_path).version == "1.0.0"
    with pytest.raises(NotFoundError) as caught:
        resolve("sentiment@3.0.0", tmp_path)
    assert str(caught.value) == (
        "sentiment@3.0.0: guideline 'sentiment' has no version '3.0.0' (hint: versions: 1.0.0, 1.1.0, 2.0.0-rc.1)"
    )
    with pytest.raises(NotFoundError) as caught:
        resolve("sentimnt@1.0.0", tmp_path)
    assert str(caught.value) == (
        f"sentimnt@1.0.0: no guideline 'sentimnt' under {tmp_path} (hint: did you mean 'sentiment'?)"
    )


def test_content_hash_ignores_comments_defaults_and_items_file(valid_yaml: str) -> None:
    base = load_guideline_text(valid_yaml)
    same = load_guideline_text(
        "# comment\n"
        + valid_yaml.replace("min_items_per_rule: 1", "min_items_per_rule: 1\n  feedback: immediate")
    )
    assert content_hash(same) == content_hash(base)
    assert content_hash(base.model_copy(update={"items_file": "bank.jsonl"})) == content_hash(base)
    changed = load_guideline_text(valid_yaml.replace("answer: NEG, why: Warns off.", "answer: POS"))
    assert content_hash(changed) != content_hash(base)
    assert len(content_hash(base)) == 64


def test_bundled_dir_is_the_repository_guidelines_folder() -> None:
    assert Path(__file__).resolve().parents[2] / "guidelines" == BUNDLED_DIR


def test_shipped_versions_are_the_guideline_files_tracked_in_the_repository() -> None:
    root = BUNDLED_DIR.parent
    try:
        listed = subprocess.run(
            ["git", "ls-files", "guidelines"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    tracked = {
        f"{Path(name).parent.name}@{Path(name).stem}" for name in listed if name.endswith((".yaml", ".yml"))
    }
    assert tracked, "no tracked guideline files"
    assert tracked == set(SHIPPED), (
        "calibration.guidelines.versions.SHIPPED must list exactly the guideline files tracked under "
        f"guidelines/: set it to {sorted(tracked)}"
    )


def test_files_that_were_not_shipped_nor_published_are_drafts(tmp_path: Path) -> None:
    shutil.copytree(BUNDLED_DIR / "contract-clauses", tmp_path / "contract-clauses")
    for version in ("1.1.1", "1.2.0"):
        shutil.copy(
            tmp_path / "contract-clauses" / "1.1.0.yaml", tmp_path / "contract-clauses" / f"{version}.yaml"
        )
    drafts = unpublished_drafts(["contract-clauses@1.2.0"], tmp_path)
    assert [(f.id, f.version) for f in drafts] == [("contract-clauses", "1.1.1")]


def test_comparable_pairs_are_two_versions_of_one_guideline_latest_first() -> None:
    rounds = [
        (6, "chatbot-rating@1.0.0"),
        (5, "contract-clauses@1.1.0"),
        (4, "contract-clauses@1.1.0"),
        (3, "pii-spans@1.0.0"),
        (2, "contract-clauses@1.0.0"),
        (1, "contract-clauses@1.0.0-rc.1"),
        (0, "broken"),
    ]
    assert comparable_pairs(rounds) == [(2, 5), (1, 5), (2, 4), (1, 4), (1, 2)]
    assert comparable_pairs([(1, "a@1.0.0"), (2, "b@1.1.0"), (3, "a@1.0.0")]) == []


# Hashes of the bundled versions computed before inputs gained image/alt and tasks min_iou (issue 15):
# a published version's hash must never move when the format grows.
HASHES_BEFORE_IMAGES = {
    "chatbot-preference/1.0.0.yaml": "7bd0fdbe91d0069d5d6907b2e7aca057b66f660a75f866323e599f6175d65456",
    "chatbot-rating/1.0.0.yaml": "a8323cf6487199f72218df6273cf98c20b4b07e443f4597c67147b5b3d36b0f2",
    "contract-clauses/1.0.0.yaml": "044e4aa043aef383b66035ded9765644387836f75552a8d8dd5e2532b314e021",
    "contract-clauses/1.1.0.yaml": "5ffd01d7acdaecca05a5dc7683c683a2fd59d1a5dc007659ba25a8511ee31e1d",
    "pii-spans/1.0.0.yaml": "bc7cea5c490825d6f2fbfde1e342bc88fe7b3b75739e60e66d82e72886c1a53f",
}


@pytest.mark.parametrize("name", sorted(HASHES_BEFORE_IMAGES))
def test_hashes_of_guidelines_without_images_did_not_move(name: str) -> None:
    from calibration.guidelines.loading import load_guideline

    assert content_hash(load_guideline(BUNDLED_DIR / name)) == HASHES_BEFORE_IMAGES[name]


def test_content_hash_counts_image_fields_and_min_iou_once_used(valid_yaml: str) -> None:
    base = load_guideline_text(valid_yaml)
    # an explicit default of a field the format gained later keeps the hash
    explicit = valid_yaml.replace("  type: single_label\n", "  type: single_label\n  min_iou: 0.5\n").replace(
        "input: Would recommend to anyone.,", "input: {text: Would recommend to anyone., image: null},"
    )
    assert explicit != valid_yaml
    assert content_hash(load_guideline_text(explicit)) == content_hash(base)
    item = base.items[0]
    with_image = item.model_copy(
        update={"input": item.input.model_copy(update={"image": "images/a.png", "alt": "A cat"})}
    )
    changed = base.model_copy(update={"items": [with_image, *base.items[1:]]})
    assert content_hash(changed) != content_hash(base)


def test_content_hash_counts_the_quiz_policy_only_once_adaptive(valid_yaml: str) -> None:
    base = load_guideline_text(valid_yaml)
    explicit = valid_yaml.replace(
        "min_items_per_rule: 1", "min_items_per_rule: 1\n  policy: fixed\n  max_items: 60"
    )
    assert explicit != valid_yaml
    assert content_hash(load_guideline_text(explicit)) == content_hash(base)
    adaptive = valid_yaml.replace("min_items_per_rule: 1", "min_items_per_rule: 1\n  policy: adaptive")
    assert content_hash(load_guideline_text(adaptive)) != content_hash(base)
    shorter = valid_yaml.replace("min_items_per_rule: 1", "min_items_per_rule: 1\n  max_items: 30")
    assert content_hash(load_guideline_text(shorter)) != content_hash(base)
