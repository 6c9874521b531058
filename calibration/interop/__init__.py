"""Bring a pilot from a labeling tool (Label Studio, Prodigy, doccano, Argilla, CSV, COCO, CVAT) and take a guideline back.

The one call the app and the CLI use is `import_file`; `calibration.interop.exports` has the exports.
"""

from calibration.interop.common import UnknownLabelsError
from calibration.interop.importing import FORMATS, ImportReport, import_file

__all__ = ["FORMATS", "ImportReport", "UnknownLabelsError", "import_file"]
