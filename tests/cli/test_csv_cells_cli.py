"""`calibration export responses` and `export-gold` write no cell a spreadsheet would run as a formula."""

from __future__ import annotations

from pathlib import Path

import pytest

from calibration.cli.main import main
from tests.csv_safety import GUIDELINE, assert_safe


def test_cli_export_responses_is_safe(
    hostile_round, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from calibration.rounds import service
    from calibration.storage.engine import make_engine, upgrade

    guideline, responses, _, _ = hostile_round
    url = f"sqlite:///{tmp_path / 'c.db'}"
    engine = make_engine(url)
    upgrade(engine)
    service.publish_guideline(engine, guideline)
    service.create_pilot_round(engine, "p", guideline.ref, actor=service.SYSTEM)
    service.import_responses(engine, "p", responses, actor=service.SYSTEM, source="test")
    out = tmp_path / "out.csv"
    assert main(["export", "responses", "p", "-o", str(out), "--database-url", url]) == 0
    text = out.read_text()
    assert_safe(text)
    assert "'=HYPERLINK(" in text


def test_cli_export_gold_is_safe(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:

    folder = tmp_path / "contract-clauses"
    folder.mkdir()
    text = GUIDELINE.read_text()
    first_why = text.index("    why: ", text.index("\nitems:"))
    line_end = text.index("\n", first_why)
    hostile = text[:first_why] + '    why: \'=HYPERLINK("http://evil.example","x")\'' + text[line_end:]
    (folder / "1.0.0.yaml").write_text(hostile)
    out = tmp_path / "gold.csv"
    assert main(["export-gold", "--guideline", str(folder / "1.0.0.yaml"), "-o", str(out)]) == 0
    written = out.read_text()
    assert_safe(written)
    assert "'=HYPERLINK(" in written
