"""Box answers written by hand: `frame` of (item, annotator, boxes) rows and the docs' worked example."""

from __future__ import annotations

import pandas as pd

from calibration.boxes import Box


def frame(rows: list[tuple[str, str, tuple[Box, ...]]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(i, a, tuple(sorted(b))) for i, a, b in rows], columns=["item_id", "annotator_id", "answer"]
    )


def worked_example() -> pd.DataFrame:
    """docs/agreement.md, "Bounding boxes": two images, annotators A, B, C."""
    return frame(
        [
            ("img1", "A", (Box("car", 0, 0, 10, 10),)),
            ("img1", "B", (Box("car", 0, 0, 10, 5),)),
            ("img1", "C", ()),
            ("img2", "A", (Box("person", 20, 20, 10, 10),)),
            ("img2", "B", (Box("car", 20, 20, 10, 10),)),
        ]
    )
