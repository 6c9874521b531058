"""The compare chart's verdicts and the report's heat-map labels read whole in Chromium.

Each figure is drawn as the app draws it (Streamlit's Plotly template, the default in the app process,
so in the downloaded report too) into a standalone HTML file (plotly.js inlined: no network), and the
check measures the SVG text Plotly laid out. Before the fixes the "too few items" verdicts were shrunk
to about 6 px to fit their bars, and a heat-map row label such as "<i>Ann</i> One" was clipped to
">Ann</i> One" by the fixed left margin, under the axis title "annotator".

Skipped when Chromium or Playwright is missing, unless ``CALIBRATION_REQUIRE_BROWSER=1`` (as in CI).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.io as pio
import pytest

from tests.e2e.e2e_browser import browser_context, require_browser

pytestmark = [pytest.mark.browser]

RULES = ["R-INDEM", "R-CONF", "R-IP", "R-TERM", "R-FM", "R-LAW", "R-PAY", "R-OTHER"]
NAMES = ["**Bob** Two", "<i>Ann</i> One", "Cara Three"]


@pytest.fixture
def streamlit_template(monkeypatch):
    """Streamlit's Plotly template as the default, as in the app process (it sets no automargin)."""
    import streamlit.elements.lib.streamlit_plotly_theme  # noqa: F401  (registers "streamlit")

    monkeypatch.setattr(pio.templates, "default", "streamlit")


def _compare_table() -> pd.DataFrame:
    """The tester's comparison: eight rules at 0.68-1.00, most of them short of items."""
    verdicts = ["improved", "not_enough_items", "rose_text_unchanged", "not_enough_items"] * 2
    return pd.DataFrame(
        {
            "statistic": "majority_share",
            "before": [0.68, 0.83, 0.83, 0.86, 0.96, 0.80, 0.90, 0.94],
            "after": [0.92, 0.83, 0.90, 0.86, 1.0, 0.87, 0.90, 0.94],
            "difference": float("nan"),
            "ci_low": float("nan"),
            "ci_high": float("nan"),
            "verdict": verdicts,
            "text_changed": [True] + [False] * 7,
        },
        index=pd.Index(RULES, name="rule_id"),
    )


def _page_boxes(tmp_path: Path, figure: Any, script: str) -> Any:
    """Open `figure` at the Compare page's chart size (736 x 450 px) in Chromium and run `script`."""
    figure.update_layout(width=736, height=figure.layout.height or 450)
    path = tmp_path / "figure.html"
    path.write_text(pio.to_html(figure, include_plotlyjs=True, full_html=True), encoding="utf-8")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, browser_context(playwright) as context:
        page = context.new_page()
        page.goto(path.as_uri())
        page.wait_for_selector(".main-svg", timeout=30_000)
        return page.evaluate(script)


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    )


BOX = "e => { const r = e.getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; }"


def test_the_compare_charts_verdicts_are_legible_and_apart(tmp_path, streamlit_template):
    require_browser()
    from calibration.reports.charts import before_after_figure

    shown = _page_boxes(
        tmp_path,
        before_after_figure(_compare_table(), before_label="c@1.0.0", after_label="c@1.2.0"),
        f"""() => Array.from(document.querySelectorAll('.bartext')).map(e => ({{
            text: e.textContent, box: ({BOX})(e),
            size: parseFloat(getComputedStyle(e).fontSize) * Math.hypot(e.getScreenCTM().a, e.getScreenCTM().b),
        }}))""",
    )
    assert len(shown) == len(RULES)  # one verdict per rule, above the newer bar
    # the size on screen: Plotly shrank "too few items" to its bar's width by a transform (about 6 px)
    assert min(label["size"] for label in shown) >= 11
    boxes = [label["box"] for label in shown]
    assert not any(_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    assert [label["text"].replace(" ", "") for label in shown] == [
        "improved",
        "toofewitems",
        "rose,textunchanged",
        "toofewitems",
    ] * 2  # fmt: skip  (two lines each: textContent joins them)


def test_the_reports_heat_map_shows_whole_literal_names_beside_the_axis_title(tmp_path, streamlit_template):
    require_browser()
    from calibration.reports.charts import annotator_rule_heatmap

    matrix = pd.DataFrame(np.linspace(0, 1, 15).reshape(3, 5), index=NAMES, columns=RULES[:5])
    shown = _page_boxes(
        tmp_path,
        annotator_rule_heatmap(matrix),
        f"""() => ({{
            svg: ({BOX})(document.querySelector('.main-svg')),
            ticks: Array.from(document.querySelectorAll('.ytick text')).map(e => ({{
                text: e.textContent, box: ({BOX})(e)}})),
            title: ({BOX})(document.querySelector('.ytitle')),
        }})""",
    )
    # the names as typed (escaped for Plotly, shown literally), each inside the figure
    assert sorted(tick["text"] for tick in shown["ticks"]) == sorted(NAMES)
    assert all(tick["box"]["left"] >= shown["svg"]["left"] for tick in shown["ticks"])
    assert not any(_overlap(tick["box"], shown["title"]) for tick in shown["ticks"])
    assert shown["title"]["left"] >= shown["svg"]["left"]
