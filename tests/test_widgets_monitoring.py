"""MonitoringExplorer (widgets/monitoring.py): picks a split date or two windows, shows new clusters, growth and a
chart, reads only the privacy-gated view, and never prints a number for a cell below the thresholds.

Runs on the planted-change fixture of ``tests/test_monitoring.py`` (new topic after 2025-03-31, a topic whose share
doubles, a topic with 4 conversations before the split, a cluster hidden by the audit).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import pandas as pd
import pytest

import clio_kit
import widgets
from clio_kit.privacy.monitoring import BELOW_THRESHOLD, SUPPRESSED
from widgets.data import GatedData
from widgets.demo import make_demo_run

from .canaries import find_canaries
from .test_monitoring import DOUBLES, HIDDEN, NEW, SMALL_BEFORE, planted_run


@pytest.fixture(scope="module")
def view(tmp_path_factory: pytest.TempPathFactory) -> clio_kit.PrivacyView:
    return clio_kit.open_run(planted_run(tmp_path_factory.mktemp("planted") / "run")).view()


@pytest.fixture(scope="module")
def explorer(view: clio_kit.PrivacyView) -> widgets.MonitoringExplorer:
    return widgets.MonitoringExplorer(GatedData(view))


def _rows(page: str, title: str) -> list[list[str]]:
    """Cells of the table that follows ``<h4>title</h4>`` in a widget's HTML."""
    section = page.split(f"<h4>{title}</h4>", 1)[1].split("<h4>", 1)[0]
    rows = [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", section, re.S)]
    return [row for row in rows if row]  # the header row has <th> cells only


def test_defaults_split_at_the_middle_week_and_show_the_planted_changes(explorer: widgets.MonitoringExplorer) -> None:
    assert explorer.mode.value == "split" and explorer.split.value == dt.date(2025, 3, 31)
    assert explorer.level.value == 0  # 11 visible base clusters: the lowest level is cheap enough
    new = {row[0]: row for row in _rows(explorer.new_table.value, "New clusters")}
    assert new[NEW][2:4] == [html.escape(BELOW_THRESHOLD), "93"]
    assert new[SMALL_BEFORE][2:5] == [html.escape(BELOW_THRESHOLD), SUPPRESSED, SUPPRESSED]  # never the 4
    growing = _rows(explorer.growth_table.value, "Fastest growing")
    assert growing[0][0] == DOUBLES and growing[0][1:3] == ["24 (5.1%)", "72 (10.4%)"]
    assert "2 new, 0 gone" in explorer.summary.value
    bars = explorer.chart.figure.data[0]
    assert DOUBLES in list(bars.y) and NEW not in list(bars.y)
    assert "application/vnd.jupyter.widget-view+json" in explorer._repr_mimebundle_()


def test_moving_the_split_and_switching_to_two_windows(view: clio_kit.PrivacyView) -> None:
    explorer = widgets.MonitoringExplorer(view)
    first = explorer.summary.value
    explorer.split.value = dt.date(2025, 4, 14)  # as the date picker does
    assert explorer.summary.value != first and "before 2025-04-14" in explorer.summary.value
    assert explorer.comparison.before == (None, pd.Timestamp("2025-04-14", tz="UTC"))
    explorer.mode.value = "windows"
    assert explorer.windows_box.layout.display == "" and explorer.split.layout.display == "none"
    explorer.before_start.value, explorer.before_end.value = dt.date(2025, 3, 3), dt.date(2025, 3, 17)
    explorer.after_start.value, explorer.after_end.value = dt.date(2025, 4, 14), dt.date(2025, 4, 28)
    comparison = explorer.comparison
    assert comparison.after == (pd.Timestamp("2025-04-14", tz="UTC"), pd.Timestamp("2025-04-28", tz="UTC"))
    assert "2025-03-03 to 2025-03-17 (exclusive)" in explorer.summary.value
    assert NEW in explorer.new_table.value
    explorer.level.value = 1
    assert explorer.comparison.level == 1
    assert set(explorer.comparison.table["name"]) == set(view.clusters(1)["name"])


def test_overlapping_windows_say_so_without_raising(view: clio_kit.PrivacyView) -> None:
    explorer = widgets.MonitoringExplorer(view)
    explorer.mode.value = "windows"
    explorer.before_end.value = dt.date(2025, 4, 20)
    assert explorer.error and "overlap" in explorer.summary.value
    assert explorer.new_table.value == "" and explorer.growth_table.value == ""
    assert "Nothing to compare" in explorer.chart.figure.data[0].text[0]
    explorer.before_end.value = dt.date(2025, 3, 31)
    assert explorer.error is None and NEW in explorer.new_table.value


def test_reads_only_the_view(view: clio_kit.PrivacyView, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("widgets must not read files: only the PrivacyView's methods")

    monkeypatch.setattr(pd, "read_parquet", refuse)
    monkeypatch.setattr(clio_kit.Run, "raw", refuse)
    explorer = widgets.MonitoringExplorer(view, split="2025-04-07")
    assert explorer.split.value == dt.date(2025, 4, 7) and explorer.comparison is not None


def test_static_html_is_private(explorer: widgets.MonitoringExplorer, view: clio_kit.PrivacyView) -> None:
    page = explorer.to_html(include_plotlyjs=False)
    assert "<html>" in page and "Changes over time" in page and "Plotly.newPlot" in page
    assert HIDDEN not in page and find_canaries(page) == []
    small = explorer.comparison.table.set_index("name").loc[SMALL_BEFORE]
    total = int(view.clusters(0).set_index("name").loc[SMALL_BEFORE, "n_conversations"])
    assert small["after_cell"] == SUPPRESSED and f"<td>{total - 4}</td>" not in page


def test_run_without_timestamps(tmp_path: Path) -> None:
    view = clio_kit.open_run(make_demo_run(tmp_path / "run", n_conversations=600, timestamps=False)).view()
    explorer = widgets.MonitoringExplorer(view)
    assert explorer.comparison is None and "no timestamps" in explorer.summary.value
    assert "no timestamps" in explorer.chart.figure.data[0].text[0]
    assert "no timestamps" in explorer.to_html(include_plotlyjs=False)
