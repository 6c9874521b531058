"""Bring a pilot from a labeling tool (Label Studio, Prodigy, doccano, Argilla, CSV, COCO, CVAT) and take a guideline back.

`read_import` reads and resolves a tool's export (nothing written; `calibration.rounds.importing.import_file`
stores it in a pilot round); `calibration.interop.exports` has the exports.
"""

from calibration.interop.common import UnknownLabelsError
from calibration.interop.importing import FORMATS, read_import

__all__ = ["FORMATS", "UnknownLabelsError", "read_import"]
