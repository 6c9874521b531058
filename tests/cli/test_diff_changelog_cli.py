"""`calibration diff` warns when content changed but the changelog does not name a changed rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from calibration.cli.main import main


def _versions(folder: Path, valid_yaml: str, changelog: str) -> tuple[str, str]:
    """sentiment 1.0.0 and a 1.1.0 that rewrites R-POS; `changelog` is 1.1.0's entry (or '')."""
    folder.mkdir()
    (folder / "1.0.0.yaml").write_text(valid_yaml, encoding="utf-8")
    newer = valid_yaml.replace("version: 1.0.0", "version: 1.1.0", 1).replace(
        "when the reviewer recommends", "when the reviewer clearly recommends"
    )
    newer = newer.replace("    rules: [R-POS, R-NEG]\n", "    rules: [R-POS, R-NEG]\n" + changelog, 1)
    (folder / "1.1.0.yaml").write_text(newer, encoding="utf-8")
    return str(folder / "1.0.0.yaml"), str(folder / "1.1.0.yaml")


ENTRY = "  - version: 1.1.0\n    date: 2024-03-01\n    changes: Wording.\n    rules: {rules}\n"


@pytest.mark.parametrize(
    ("changelog", "warnings"),
    [
        (
            ENTRY.format(rules="[R-NEG]"),
            [
                "the changelog entry for 1.1.0 does not name changed rule(s) R-POS",
                "the changelog entry for 1.1.0 names rule(s) R-NEG that did not change",
            ],
        ),
        ("", ["content changed but the changelog has no entry for version 1.1.0"]),
        (ENTRY.format(rules="[R-POS]"), []),
    ],
    ids=["wrong-rule", "no-entry", "named"],
)
def test_diff_prints_changelog_warnings_in_markdown_and_json(
    tmp_path: Path, valid_yaml: str, capsys: pytest.CaptureFixture[str], changelog: str, warnings: list[str]
) -> None:
    old, new = _versions(tmp_path / "sentiment", valid_yaml, changelog)
    assert main(["diff", old, new]) == 0
    out = capsys.readouterr().out
    assert [line for line in out.splitlines() if line.startswith("> **Warning:** ")] == [
        f"> **Warning:** {w}" for w in warnings
    ]
    assert main(["diff", "--json", old, new]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["warnings"] == warnings and data["changed_rule_ids"] == ["R-POS"]
