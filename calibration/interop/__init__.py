"""Bring a pilot from a labeling tool (Label Studio, Prodigy, doccano, Argilla, CSV, COCO, CVAT) and take a guideline back.

Modules: `importing` (``FORMATS``, ``read_import``: read and resolve a tool's export, nothing
written; `calibration.rounds.importing.import_file` stores it in a pilot round), `common`
(``RawImport``, ``resolve``, ``ImportResult``), one reader per tool, `csv_reader` (the CSV files
`calibration agreement` reads), `exports` (Label Studio config and tasks, CSV exports). See docs/interop.md.
"""
