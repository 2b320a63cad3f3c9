"""Paper export: every report figure and every widget's figures as SVG and PDF, every table as CSV and LaTeX,
from the privacy-gated view only (Chromium drives plotly's static export through kaleido, offline)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

import clio_kit
import widgets
from clio_kit.export import chromium_path, export_report
from widgets.demo import make_demo_run

from .canaries import CANARIES, find_canaries

HIDDEN = [*list(CANARIES.values())[:3], "Zzhidden export canary"]


def _check_files(paths: list[Path]) -> None:
    """SVGs parse, PDFs have a header and pages, nothing names a canary or a hidden cluster."""
    assert paths and all(p.exists() and p.stat().st_size > 0 for p in paths)
    for path in paths:
        if path.suffix == ".svg":
            root = ET.fromstring(path.read_bytes())
            assert root.tag.endswith("svg") and float(root.get("width", "0").rstrip("px")) >= 600
        if path.suffix == ".pdf":
            data = path.read_bytes()
            assert data.startswith(b"%PDF-") and re.search(rb"/Type\s*/Page\b", data) and data.rstrip().endswith(
                b"%%EOF")
        if path.suffix in (".svg", ".csv", ".tex"):
            text = path.read_text(encoding="utf-8")
            assert find_canaries(text) == [] and not [n for n in HIDDEN if n in text], path


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chromium_path()  # fails (not skips) without Chromium: CI must check the export
    return make_demo_run(tmp_path_factory.mktemp("export") / "run", n_conversations=2000, seed=5,
                         hidden_names=HIDDEN, coordinates=True)


def test_report_figures_and_tables_are_written_and_gated(run_dir: Path, tmp_path: Path) -> None:
    paths = export_report(run_dir, tmp_path / "figures")
    suffixes = {p.suffix for p in paths}
    assert suffixes == {".svg", ".pdf", ".csv", ".tex"}
    assert {p.stem for p in paths if p.suffix == ".svg"} == {p.stem for p in paths if p.suffix == ".pdf"}
    assert {"hierarchy-treemap", "base-rate-heatmap", "distribution-language"} <= {p.stem for p in paths}
    _check_files(paths)
    # every base-rate cell in the table is a shown cell of the gated view (no suppressed one is revealed)
    view = clio_kit.open_run(run_dir).view()
    rates = view.base_rates("language", level=view.top_level)
    shown = {(n, round(float(lift), 2)) for n, lift in zip(rates["name"], rates["lift"]) if pd.notna(lift)}
    table = pd.read_csv(tmp_path / "figures" / "base-rates.csv")
    assert len(table) and all((n, float(lift)) in shown for n, lift in zip(table["cluster"], table["lift"]))
    assert "\\begin{tabular}" in (tmp_path / "figures" / "base-rates.tex").read_text()


def test_every_widget_exports_its_figures_and_tables(run_dir: Path, tmp_path: Path) -> None:
    tab = widgets.explore(clio_kit.open_run(run_dir))
    paths = tab.export(str(tmp_path / "widgets"))
    for title in tab.explorers:  # each explorer wrote at least one figure as SVG and as PDF
        prefix = title.lower().replace(" ", "-")
        assert any(p.stem.startswith(prefix) and p.suffix == ".pdf" for p in paths), title
    _check_files(paths)
    explorer = tab.explorers["Base rates"]
    ranking = next(p for p in paths if p.stem.startswith("base-rates-") and p.suffix == ".csv")
    frame = pd.read_csv(ranking, dtype=str)
    hidden = frame[frame["lift [95% CI]"] == "suppressed"]
    assert len(hidden) == len(explorer.suppressed_clusters)
    assert (hidden[["conversations with value", "users", "share in cluster", "q-value"]] == "suppressed").all().all()
