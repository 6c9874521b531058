"""A boxes round as tool files: its gold as COCO JSON, its answers as Label Studio tasks, and the config.

The one call of the exports page and of ``calibration export-gold --round ... --format coco``: it
reads the round and the sizes of the images stored with its guideline version once, and returns
text ready to download. The file formats themselves are `calibration.interop.coco` and
`calibration.interop.exports`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from calibration.errors import DataError, NotFoundError
from calibration.interop.coco import coco_gold, coco_json
from calibration.interop.exports import labelstudio_config, labelstudio_tasks
from calibration.interop.images import sizes_by_item
from calibration.rounds import service

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from calibration.guidelines.model import Guideline


@dataclass(frozen=True)
class BoxFiles:
    """The files of a boxes round, as text.

    Attributes:
        coco_gold: the round's gold boxes (bank gold and adjudications) as COCO JSON.
        labelstudio_tasks: the round's items, answers and gold in Label Studio's full JSON export shape.
        labelstudio_config: the Label Studio labeling config for the guideline (Image + RectangleLabels).
        n_gold: how many images have gold.
    """

    coco_gold: str
    labelstudio_tasks: str
    labelstudio_config: str
    n_gold: int


def stored_image_sizes(engine: Engine, guideline: Guideline) -> dict[str, tuple[int, int]]:
    """``(width, height)`` of each bank item's image, from the images stored with the published version.

    Raises:
        NotFoundError: the version is not published.
    """
    version = next(
        (v for v in service.list_guideline_versions(engine, guideline.id) if v.version == guideline.version),
        None,
    )
    if version is None:
        raise NotFoundError(f"guideline version {guideline.ref} is not published")
    return sizes_by_item(guideline, service.images_of(engine, version.id))


def round_box_files(engine: Engine, round: Any) -> BoxFiles:
    """The COCO gold, Label Studio tasks and config of a boxes round (`round`: name, id or `Round`).

    Raises:
        DataError: the round's guideline is not a boxes guideline.
        NotFoundError: no such round.
    """
    key = getattr(round, "id", round)
    data = service.round_responses(engine, key)
    guideline = data.guideline
    if guideline.task.type != "boxes":
        raise DataError(
            f"{guideline.ref} is a {guideline.task.type} guideline; COCO and Label Studio boxes need a boxes one",
            hint="export the round's answers as CSV instead",
        )
    items = service.round_items(engine, key)
    sizes = stored_image_sizes(engine, guideline)
    gold = {str(item): answer for item, answer in data.gold.items() if item in items}
    tasks = labelstudio_tasks(
        guideline,
        {i: item.input for i, item in items.items()},
        {i: list(item.rules) for i, item in items.items()},
        responses=data.responses,
        gold=gold,
        sizes=sizes,
    )
    return BoxFiles(
        coco_gold=coco_json(coco_gold(guideline, gold, sizes)),
        labelstudio_tasks=json.dumps(tasks, indent=2, ensure_ascii=False) + "\n",
        labelstudio_config=labelstudio_config(guideline),
        n_gold=len(gold),
    )
