"""Guideline versions: discovery of ``guidelines/<id>/<version>.yaml``, semantic-version order, content hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from calibration.answers import suggest
from calibration.errors import Location, NotFoundError
from calibration.guidelines.basics import SEMVER, version_key
from calibration.guidelines.images import ImageFile
from calibration.guidelines.loading import load_guideline
from calibration.guidelines.model import Guideline

BUNDLED_DIR: Path = Path(__file__).resolve().parents[2] / "guidelines"
"""The repository's bundled guidelines folder (``guidelines/<id>/<version>.yaml``)."""

_SUFFIXES = (".yaml", ".yml")
K = TypeVar("K")

SHIPPED: frozenset[str] = frozenset(
    {
        "chatbot-preference@1.0.0",
        "chatbot-rating@1.0.0",
        "contract-clauses@1.0.0",
        "contract-clauses@1.1.0",
        "pii-spans@1.0.0",
        "street-objects@1.0.0",
    }
)
"""The guideline versions shipped with the package (``id@version``): exactly the files under
``guidelines/`` that are tracked in the repository (a test keeps the two equal). Only these are published
when the app starts; any other file found there (a draft saved by the revision queue, a file copied in by
hand) is a draft that a person reviews and publishes on the Guidelines page."""


@dataclass(frozen=True)
class GuidelineFile:
    """A guideline version found on disk, before it is loaded."""

    id: str
    version: str
    path: Path


def is_shipped(file: GuidelineFile) -> bool:
    """Whether `file` is a guideline version shipped with the package (see `SHIPPED`)."""
    return f"{file.id}@{file.version}" in SHIPPED


def unpublished_drafts(published: Iterable[str], root: str | Path = BUNDLED_DIR) -> list[GuidelineFile]:
    """The version files under `root` that were not shipped and are not published yet (by ``id@version``).

    Args:
        published: refs (``id@version``) of the published versions.
        root: a folder laid out as ``<id>/<version>.yaml``.

    Returns:
        The drafts, by guideline id then version (oldest first).
    """
    done = set(published)
    return [
        file
        for files in discover(root).values()
        for file in files
        if not is_shipped(file) and f"{file.id}@{file.version}" not in done
    ]


def sort_versions(versions: Iterable[str]) -> list[str]:
    """Versions in ascending semantic-version order."""
    return sorted(versions, key=version_key)


def is_prerelease(version: str) -> bool:
    """Whether `version` carries a pre-release part (1.0.0-rc.1)."""
    match = SEMVER.match(version)
    return bool(match and match.group(4))


def versions_in(folder: str | Path) -> list[GuidelineFile]:
    """The versions in one guideline folder (files named ``<version>.yaml``), oldest first.

    Files whose name is not a semantic version (items files, notes) are ignored.
    """
    folder = Path(folder)
    found = [
        GuidelineFile(folder.name, file.stem, file)
        for file in folder.iterdir()
        if file.is_file() and file.suffix in _SUFFIXES and SEMVER.match(file.stem)
    ]
    return sorted(found, key=lambda f: version_key(f.version))


def discover(root: str | Path = BUNDLED_DIR) -> dict[str, list[GuidelineFile]]:
    """Every guideline under `root`, by id, with its versions oldest first (files are not loaded).

    Args:
        root: a folder laid out as ``<id>/<version>.yaml``.

    Returns:
        ``{guideline id: [GuidelineFile, ...]}`` sorted by id; ids with no version file are left out.
    """
    root = Path(root)
    if not root.is_dir():
        return {}
    found: dict[str, list[GuidelineFile]] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        versions = versions_in(folder)
        if versions:
            found[folder.name] = versions
    return found


def latest(
    versions: Iterable[GuidelineFile] | Iterable[str], *, include_prerelease: bool = False
) -> GuidelineFile | str:
    """The highest version among `versions` (files or version strings).

    Pre-releases count only when `include_prerelease` or when there is nothing else.

    Raises:
        NotFoundError: `versions` is empty.
    """
    items: list[GuidelineFile | str] = list(versions)
    if not items:
        raise NotFoundError("no guideline versions to choose from", hint="add a <version>.yaml file")

    def version_of(item: GuidelineFile | str) -> str:
        return item.version if isinstance(item, GuidelineFile) else item

    releases = [v for v in items if not is_prerelease(version_of(v))]
    pool = items if include_prerelease or not releases else releases
    return max(pool, key=lambda v: version_key(version_of(v)))


def resolve(ref: str, root: str | Path = BUNDLED_DIR) -> GuidelineFile:
    """The file of ``id@version`` (or ``id`` / ``id@latest`` for the latest release) under `root`.

    Raises:
        NotFoundError: no such guideline or version, with the known ones as hint.
    """
    guideline_id, _, version = ref.partition("@")
    found = discover(root)
    if guideline_id not in found:
        known = ", ".join(found) or "none"
        raise NotFoundError(
            f"no guideline {guideline_id!r} under {root}",
            location=Location(field=ref),
            hint=suggest(guideline_id, list(found)) or f"known guidelines: {known}",
        )
    versions = found[guideline_id]
    if not version or version == "latest":
        chosen = latest(versions)
        assert isinstance(chosen, GuidelineFile)
        return chosen
    for file in versions:
        if file.version == version:
            return file
    raise NotFoundError(
        f"guideline {guideline_id!r} has no version {version!r}",
        location=Location(field=ref),
        hint=f"versions: {', '.join(f.version for f in versions)}",
    )


def load_ref(ref: str, root: str | Path = BUNDLED_DIR) -> Guideline:
    """Load ``id@version`` from `root` (see `resolve`).

    Raises:
        NotFoundError: unknown guideline or version.
        GuidelineError: the file is invalid.
    """
    return load_guideline(resolve(ref, root).path)


def comparable_pairs(refs: Sequence[tuple[K, str]]) -> list[tuple[K, K]]:
    """Pairs of things (rounds) that piloted two different versions of the same guideline.

    Args:
        refs: ``(key, "id@version")`` in the order to prefer, newest first (e.g. rounds by creation).

    Returns:
        ``(before, after)`` key pairs where both refs have the same guideline id and `before`'s version
        is lower than `after`'s, ordered by `after`, then `before`, in the order of `refs`: the first
        pair is the latest comparable one. Refs that are not ``id@version`` are left out.

    Example:
        >>> comparable_pairs([(3, "g@1.1.0"), (2, "h@1.0.0"), (1, "g@1.0.0")])
        [(1, 3)]
    """
    parsed: list[tuple[K, str, tuple[object, ...]]] = []
    for key, ref in refs:
        guideline_id, _, version = ref.partition("@")
        if SEMVER.match(version):
            parsed.append((key, guideline_id, version_key(version)))
    return [
        (before, after)
        for after, after_id, after_version in parsed
        for before, before_id, before_version in parsed
        if before_id == after_id and before_version < after_version
    ]


def normalized_content(guideline: Guideline, images: Mapping[str, ImageFile] | None = None) -> str:
    """The canonical JSON text of a guideline's content: sorted keys, defaults filled in, no whitespace.

    `items_file` is left out (where items are stored is not content); the items themselves are in.
    Fields added to the format later are left out while they hold their default (an input's
    ``image`` and ``alt``, ``task.min_iou`` outside boxes tasks, ``calibration.policy: fixed`` and
    ``calibration.max_items: 60``), so a guideline that does not use them keeps the hash it was
    published with. With `images` (by path as written), the SHA-256 of each image the guideline uses
    is part of the content under ``images``; a guideline without images has no such key.
    """
    data = guideline.model_dump(mode="json", exclude={"items_file"})
    if images:
        used = {input["image"] for input in _inputs_of(data) if input.get("image") is not None}
        digests = {path: images[path].sha256 for path in used if path in images}
        if digests:
            data["images"] = digests
    if data["task"]["type"] != "boxes":
        data["task"].pop("min_iou", None)
    calibration = data.get("calibration") or {}
    for key, default in (("policy", "fixed"), ("max_items", 60)):  # added with the adaptive quiz
        if calibration.get(key) == default:
            calibration.pop(key, None)
    for input in _inputs_of(data):
        for key in ("image", "alt"):
            if input.get(key) is None:
                input.pop(key, None)
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _inputs_of(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The input mappings of the items, examples and edge cases of a dumped guideline."""
    for item in data.get("items", []):
        yield item["input"]
    for rule in data.get("rules", []):
        for kind in ("examples", "edge_cases"):
            for example in rule.get(kind, []):
                yield example["input"]


def content_hash(guideline: Guideline, images: Mapping[str, ImageFile] | None = None) -> str:
    """SHA-256 (hex) of `normalized_content`: stable across key order, formatting, comments and defaults.

    Pass the guideline's `images` (``read_guideline_file(path).images``) for the hash of a version
    with images, as publishing does: then it covers every image's bytes.
    """
    return hashlib.sha256(normalized_content(guideline, images).encode("utf-8")).hexdigest()


def most_shared_first(pairs: Sequence[tuple[K, K]], shared: Mapping[K, Collection[str]]) -> list[tuple[K, K]]:
    """`comparable_pairs` reordered so the pair whose two rounds share the most measured items
    (`shared`: per round, the items answered by two or more annotators) comes first; ties keep their
    old (newest first) order. A barely started round shares few items with any other and gives no
    verdict on any rule, so it is not the default.

    Example:
        >>> most_shared_first([(1, 4), (1, 3), (2, 3)], {1: {"a", "b"}, 2: {"a"}, 3: {"a", "b"}, 4: {"a"}})
        [(1, 3), (1, 4), (2, 3)]
    """

    def common(pair: tuple[K, K]) -> int:
        return len(set(shared.get(pair[0], ())) & set(shared.get(pair[1], ())))

    return sorted(pairs, key=lambda pair: -common(pair))


def answered_first(pairs: Sequence[tuple[K, K]], answered: Collection[K]) -> list[tuple[K, K]]:
    """`comparable_pairs` reordered so pairs of two answered rounds come first, then pairs with an
    answered `after`, then the rest, each group in its old (newest first) order.

    Example:
        >>> answered_first([(1, 4), (1, 3), (2, 3)], answered={1, 3})
        [(1, 3), (2, 3), (1, 4)]
    """
    return sorted(pairs, key=lambda pair: (pair[1] not in answered, pair[0] not in answered))
