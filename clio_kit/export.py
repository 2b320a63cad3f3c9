"""Paper export: figures as SVG and PDF at publication size, tables as CSV and LaTeX, all from the gated view.

Figures go through plotly's static export, kaleido (>= 1), which drives the system's Chromium (Debian's
``chromium``; set ``BROWSER_PATH`` to use another) with MathJax off, so nothing is fetched from the network.
Tables are the same privacy-gated frames the report shows: a suppressed cell reads "suppressed", never a number.

>>> import pandas as pd, tempfile
>>> paths = write_tables({"t": pd.DataFrame({"cluster": ["a_b"], "share": ["10.0%"]})}, tempfile.mkdtemp())
>>> [p.suffix for p in paths]
['.csv', '.tex']
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .config import browser_path, set_browser_path
from .errors import ClioError

__all__ = ["PAPER_WIDTH", "chromium_path", "report_exhibits", "export_report", "paper_figure", "write_figures",
           "write_tables"]

#: figure width in CSS pixels (plotly's unit): 700 px = 7.3 in at 96 px/in, a two-column page width
PAPER_WIDTH = 700
_CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium_path() -> str:
    """The Chromium that kaleido drives: ``BROWSER_PATH`` if set, else the first Chromium on ``PATH``."""
    chosen = browser_path() or next(filter(None, map(shutil.which, _CHROMIUM_NAMES)), None)
    if not chosen or not Path(chosen).exists():
        raise ClioError("figure export needs Chromium (apt-get install chromium) or BROWSER_PATH set to a Chrome")
    return chosen


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "figure"


def paper_figure(fig: Any, *, width: int = PAPER_WIDTH, font_size: int = 12) -> Any:
    """A copy of ``fig`` laid out for print: fixed width, readable fonts, no interactive-only margins."""
    import plotly.graph_objects as go

    out = go.Figure(fig)
    out.update_layout(width=width, height=int(out.layout.height or 450), autosize=False,
                      font={"size": font_size, "family": "Helvetica, Arial, sans-serif"}, paper_bgcolor="white")
    return out


def write_figures(figures: Mapping[str, Any], directory: str | os.PathLike[str],
                  formats: Sequence[str] = ("svg", "pdf"), *, width: int = PAPER_WIDTH) -> list[Path]:
    """Write each figure as ``directory/NAME.svg`` and ``.pdf`` (one Chromium session for all); return the paths."""
    try:
        import kaleido
    except ImportError:
        raise ClioError("figure export needs kaleido: pip install 'kaleido>=1'") from None
    set_browser_path(chromium_path())
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    jobs, paths = [], []
    for name, fig in figures.items():
        fig = paper_figure(fig, width=width)
        for fmt in formats:
            path = out / f"{_slug(name)}.{fmt}"
            jobs.append({"fig": fig, "path": path, "opts": {"format": fmt, "width": width,
                                                               "height": int(fig.layout.height)}})
            paths.append(path)
    if jobs:
        errors = kaleido.write_fig_from_object_sync(jobs, kopts={"mathjax": False})
        if errors:
            raise ClioError(f"figure export failed: {errors[0]}")
    return paths


def write_tables(tables: Mapping[str, pd.DataFrame], directory: str | os.PathLike[str]) -> list[Path]:
    """Write each table as ``directory/NAME.csv`` and ``NAME.tex`` (LaTeX tabular, text escaped); return the paths."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in tables.items():
        csv, tex = out / f"{_slug(name)}.csv", out / f"{_slug(name)}.tex"
        frame.to_csv(csv, index=False)
        tex.write_text(frame.astype(str).to_latex(index=False, escape=True), encoding="utf-8")
        paths += [csv, tex]
    return paths


def report_exhibits(view: Any, *, facet: str = "language", top_n: int = 15,
                    level: int | None = None) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """The report's figures and tables, built from the privacy-gated ``view`` only (names -> figure / frame)."""
    from . import report as rpt

    level = view.top_level if level is None else int(level)
    total = view.n_conversations
    tree = view.tree()
    figures: dict[str, Any] = {"hierarchy-treemap": rpt.treemap_figure(tree, total)}
    top = view.top_clusters(top_n, level)
    tables: dict[str, pd.DataFrame] = {"top-clusters": pd.DataFrame({
        "cluster": top["name"], "conversations": top["n_conversations"].astype(int),
        "users": top["n_users"].astype(int), "share": top["share"].map("{:.1%}".format)}),
        "hierarchy": rpt.hierarchy_frame(tree, total)}
    if "language" in view.facets:
        languages = rpt.common_values(view.facet_distribution("language"), 6)
        rates = view.base_rates("language", level=level)
        if len(languages) > 1:
            figures["base-rate-heatmap"] = rpt.lift_heatmap(rates, top, languages)
        tables["base-rates"] = rpt.strongest_overrepresentations(rates.assign(level=level), top_n, languages)
    if facet in view.facets:
        distribution = view.facet_distribution(facet)
        figures[f"distribution-{facet}"] = rpt.distribution_figure(distribution, facet)
        tables[f"distribution-{facet}"] = pd.DataFrame({
            facet: [rpt.value_label(facet, v) for v in distribution["value"]],
            "conversations": distribution["n_conversations"].astype(int),
            "share": distribution["share"].map("{:.1%}".format)})
    trend = view.trend("W", level)
    if not trend.empty and trend["n_conversations"].notna().any():
        largest = view.top_clusters(min(top_n, 8), level)
        figures["cluster-trend"] = rpt.trend_figure(trend, list(zip(largest["cluster_id"], largest["name"])))
    return figures, tables


def export_report(run_dir: str | os.PathLike[str], directory: str | os.PathLike[str], **options: Any) -> list[Path]:
    """Write the report's figures (SVG + PDF) and tables (CSV + LaTeX) of a finished run into ``directory``.

    >>> export_report("runs/demo", "reports/demo-figures")   # doctest: +SKIP
    """
    from .run import open_run

    figures, tables = report_exhibits(open_run(run_dir).view(), **options)
    return write_figures(figures, directory) + write_tables(tables, directory)
