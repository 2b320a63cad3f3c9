"""Python-level tests of the exploration widgets: they read only the privacy-gated view, react to selections, and
their static HTML carries no hidden-cluster names and no suppressed numbers.

Two run directories: a synthetic gated run (always) and a real pipeline run on the labelled set (when the
pipeline works end to end here); both get canary names planted into their hidden clusters.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import clio_kit
import widgets
from clio_kit.presentation import figures, value_label
from widgets.cluster_map import trace_ids
from widgets.data import GatedData
from widgets.demo import make_demo_run
from widgets.layout import cluster_layout, squarify

from .canaries import CANARIES, find_canaries

ROOT = Path(__file__).resolve().parent.parent
WIDGETS_DIR = ROOT / "widgets"
HIDDEN_PREFIX = "Zzhidden canary cluster"
# the canary set includes a two-account campaign: thresholds of 2 users would rightly let it through
PIPELINE_THRESHOLDS = {"min_users": 5, "min_conversations": 10, "min_phrase_users": 5}


def _plant_hidden_names(run_dir: Path) -> list[str]:
    """Rename every hidden cluster to a canary (the test may read raw tables; widgets may not)."""
    clusters = pd.read_parquet(run_dir / "clusters.parquet")
    hidden = clusters.index[~clusters["visible"]]
    canaries = list(CANARIES.values())
    names = [canaries[i] if i < len(canaries) else f"{HIDDEN_PREFIX} {i:03d}" for i in range(len(hidden))]
    clusters.loc[hidden, "name"] = names
    clusters.loc[hidden, "description"] = [f"Secret description of {n}" for n in names]
    clusters.to_parquet(run_dir / "clusters.parquet", index=False)
    return names


def _array(value: object) -> np.ndarray:
    """A figure array as numpy: plotly sends numpy data as base64 typed arrays ({dtype, bdata, shape})."""
    if isinstance(value, dict) and "bdata" in value:
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = [int(n) for n in str(value.get("shape", len(flat))).split(",")]
        return flat.reshape(shape)
    array = np.array(value, dtype=object)
    return np.where(array == None, np.nan, array).astype(float)


@pytest.fixture(scope="module", params=["synthetic", "pipeline"])
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> clio_kit.Run:
    out = tmp_path_factory.mktemp(request.param) / "run"
    if request.param == "synthetic":
        make_demo_run(out, n_conversations=3000, seed=3)
    else:
        from .canaries import canary_conversations
        from .conftest import HashingEmbedder

        labelled = ROOT / "tests" / "data" / "labelled" / "conversations.jsonl"
        conversations = clio_kit.load(labelled, progress=False).conversations + canary_conversations()
        clio_kit.Pipeline(embedder=HashingEmbedder(), progress=False,
                          config=clio_kit.PipelineConfig(**PIPELINE_THRESHOLDS)).run(conversations, out)
    names = _plant_hidden_names(out)
    assert names, "the fixture needs hidden clusters"
    return clio_kit.open_run(out)


@pytest.fixture(scope="module")
def view(run: clio_kit.Run) -> clio_kit.PrivacyView:
    return run.view()


@pytest.fixture(scope="module")
def data(view: clio_kit.PrivacyView) -> GatedData:
    """One cache of gated aggregates shared by the tests (as explore() shares one between its explorers)."""
    return GatedData(view)


@pytest.fixture(scope="module")
def hidden_names(run: clio_kit.Run) -> list[str]:
    clusters = pd.read_parquet(run.path / "clusters.parquet")
    return clusters.loc[~clusters["visible"], "name"].tolist()


@pytest.fixture(scope="module")
def tab(data: GatedData) -> widgets.ExploreTab:
    return widgets.explore(data)


# -- privacy: only the gated view ---------------------------------------------------------------------------
def test_widget_sources_never_touch_raw_tables() -> None:
    forbidden = ["conversations.parquet", "facets.parquet", ".raw(", "RawAccess", "_assignments", "_all_clusters",
                 "read_parquet", "read_json"]
    for path in WIDGETS_DIR.glob("*.py"):
        if path.name == "demo.py":  # writes a synthetic run; reads nothing
            continue
        text = path.read_text(encoding="utf-8")
        assert not [word for word in forbidden if word in text], path.name


def test_widgets_work_with_raw_reads_blocked(view: clio_kit.PrivacyView, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("widgets must not read files: only the PrivacyView's methods")

    monkeypatch.setattr(pd, "read_parquet", refuse)
    monkeypatch.setattr(pd, "read_json", refuse)
    monkeypatch.setattr(clio_kit.Run, "raw", refuse)
    tab = widgets.explore(view)
    hierarchy = tab.explorers["Hierarchy"]
    hierarchy.select(int(view.clusters(0)["cluster_id"].iloc[-1]))
    tab.explorers["Cluster map"].color_by.value = "lift"
    assert len(tab.to_html(include_plotlyjs=False)) > 1000


def test_accepts_run_view_or_gated_data(run: clio_kit.Run, view: clio_kit.PrivacyView) -> None:
    for source in (run, view, GatedData(view)):
        assert widgets.HierarchyExplorer(source).data.n_conversations == view.n_conversations
    with pytest.raises(TypeError):
        widgets.HierarchyExplorer("runs/somewhere")


# -- hierarchy ------------------------------------------------------------------------------------------------
def test_selecting_a_cluster_changes_the_detail_panel(view: clio_kit.PrivacyView, data: GatedData) -> None:
    explorer = widgets.HierarchyExplorer(data)
    first = explorer.detail.value
    base = view.clusters(0)
    target = base.iloc[len(base) // 2]
    explorer.select(int(target["cluster_id"]))
    detail = explorer.detail.value
    assert detail != first
    assert html.escape(target["name"]) in detail and html.escape(target["description"]) in detail
    assert f"{int(target['n_conversations']):,}" in detail and f"{int(target['n_users']):,}" in detail
    assert f"{target['share']:.1%}" in detail
    assert "By language" in detail
    assert explorer.selected == int(target["cluster_id"])
    # the tree shows the selection with its ancestors expanded, and the sunburst zooms to its parent
    assert explorer.tree.value == f"c{int(target['cluster_id'])}"
    parent_key = f"c{int(target['parent_id'])}" if not pd.isna(target["parent_id"]) else ""
    assert explorer.sunburst.figure.data[0].level == parent_key


def test_clicking_a_sunburst_slice_selects_its_cluster(data: GatedData) -> None:
    """The browser reports a slice click with the slice's id (a tree key); the explorer selects that cluster, the
    tree and detail panel follow and the sunburst is redrawn zoomed to it."""
    explorer = widgets.HierarchyExplorer(data)
    key = next(k for k, n in data.nodes.items() if n.children and k != explorer.selected_key and not n.is_other)
    explorer._on_sunburst_click({"kind": "click", "customdata": [None], "ids": [key]})
    assert explorer.selected_key == key and explorer.tree.value == key
    assert data.nodes[key].name in explorer.detail.value
    assert explorer.sunburst.figure.data[0].level == key
    explorer._on_sunburst_click({"kind": "click", "customdata": [None], "ids": ["not-a-key"]})
    assert explorer.selected_key == key  # an unknown id changes nothing


def test_clicking_a_tree_row_selects_it(view: clio_kit.PrivacyView, data: GatedData) -> None:
    explorer = widgets.HierarchyExplorer(data)
    before = explorer.detail.value
    other = next(key for _, key in explorer.options if key != explorer.tree.value and key.startswith("c"))
    explorer.tree.value = other  # what the browser does when a row is clicked
    assert explorer.detail.value != before
    assert html.escape(explorer.data.nodes[other].name) in explorer.detail.value
    if explorer.data.nodes[other].children:  # selecting a parent expands it
        assert set(explorer.data.nodes[other].children) <= {key for _, key in explorer.options}


def test_breakdowns_show_only_cells_above_thresholds(view: clio_kit.PrivacyView, data: GatedData) -> None:
    explorer = widgets.HierarchyExplorer(data)
    rates = view.base_rates("language", level=0)
    suppressed = rates[rates["suppressed"]]
    assert len(suppressed), "fixture should have suppressed language cells"
    for row in suppressed.head(10).itertuples():
        explorer.select(int(row.cluster_id))
        section = explorer.detail.value.split("By language", 1)[1].split("<h4>", 1)[0]
        shown_values = re.findall(r"<tr><td>([^<]*)</td>", section)
        assert row.value not in shown_values
        allowed = set(rates[(rates["cluster_id"] == row.cluster_id) & ~rates["suppressed"]]["value"])
        assert set(shown_values) <= allowed


def test_other_node_shows_no_details(view: clio_kit.PrivacyView, data: GatedData) -> None:
    explorer = widgets.HierarchyExplorer(data)
    others = [k for k, n in explorer.data.nodes.items() if n.is_other]
    assert others, "fixture should have hidden conversations rolled up into an Other node"
    explorer._select_key(others[0])
    assert "Other (hidden" in explorer.detail.value and "By language" not in explorer.detail.value
    assert explorer.selected is None


def test_search_filters_the_tree(view: clio_kit.PrivacyView, data: GatedData) -> None:
    explorer = widgets.HierarchyExplorer(data)
    explorer.expand_all.click()
    everything = explorer.options
    name = view.clusters(0)["name"].iloc[0]
    query = name.split()[0].lower()
    explorer.search.value = query
    filtered = explorer.options
    assert 0 < len(filtered) < len(everything)
    matches = [key for _, key in filtered if query in explorer.data.nodes[key].name.lower()]
    assert matches
    for _, key in filtered:  # every row matches or is an ancestor of a match
        node = explorer.data.nodes[key]
        assert query in node.name.lower() or any(key in explorer.data.ancestors(m) for m in matches)
    explorer.search.value = "no cluster is called this zzz"
    assert explorer.options == [] and "0 cluster(s) match" in explorer.status.value
    explorer.search.value = ""
    assert len(explorer.options) == len(everything)


def test_collapse_and_expand(view: clio_kit.PrivacyView, data: GatedData) -> None:
    explorer = widgets.HierarchyExplorer(data)
    explorer.collapse_all.click()
    roots = explorer.options
    assert all(explorer.data.nodes[key].parent_key is None for _, key in roots)
    explorer.expand_all.click()
    assert len(explorer.options) == len(explorer.data.nodes)


# -- base rates -----------------------------------------------------------------------------------------------
def test_picking_a_language_changes_the_ranking(view: clio_kit.PrivacyView, data: GatedData) -> None:
    explorer = widgets.BaseRateExplorer(data, level=0)
    values = list(explorer.value.options)
    assert explorer.facet.value == "language" and len(values) >= 2
    rankings = {}
    for value in values[:4]:
        explorer.value.value = value
        ranking = explorer.ranking
        rankings[value] = (ranking["cluster_id"].tolist(), explorer.table.value, explorer.bars.figure.data[0].x
                           if explorer.bars.figure.data else None)
        if len(ranking):
            assert (ranking["lift"].diff().dropna() <= 1e-12).all()  # highest lift first
            assert (ranking["lift_low"] <= ranking["lift"] + 1e-12).all()
            assert (ranking["lift"] <= ranking["lift_high"] + 1e-12).all()
            assert (ranking["n_users"] >= view.privacy.min_users).all()
            assert (ranking["n_conversations"] >= view.privacy.min_conversations).all()
            assert ranking["q_value"].notna().all()
    tables = [r[1] for r in rankings.values()]
    assert len(set(tables)) == len(tables)
    orders = [tuple(r[0]) for r in rankings.values()]
    assert len(set(orders)) > 1


def test_suppressed_cells_are_words_not_numbers(view: clio_kit.PrivacyView, data: GatedData) -> None:
    explorer = widgets.BaseRateExplorer(data, level=0, top_n=10_000)
    rates = view.base_rates("language", level=0)
    for value in explorer.value.options:
        explorer.value.value = value
        page = explorer.table_html(max_suppressed=10_000)
        rows = re.findall(r"<tr data-cluster='(\d+)' data-suppressed='([01])'>(.*?)</tr>", page)
        visible = set(view.clusters(0)["cluster_id"])
        assert {int(c) for c, _, _ in rows} == visible  # every visible cluster, ranked or suppressed
        cells = rates[rates["value"] == value].set_index("cluster_id")
        for cluster, flag, row in rows:
            tds = re.findall(r"<td[^>]*>(.*?)</td>", row)
            if flag == "1":
                assert tds[3:] == ["suppressed"] * 5
                cid = int(cluster)
                assert cid not in cells.index or bool(cells.loc[cid, "suppressed"])
            else:
                assert not bool(cells.loc[int(cluster), "suppressed"])
        # the heatmap leaves suppressed cells blank
        heat = explorer.heatmap.figure.data[0]
        z = _array(heat.z)
        codes = {value_label("language", v): v for v in explorer.value.options}
        for i, row in enumerate(heat.y):
            cid = int(re.search(r"\((\d+)\)$", row).group(1))
            for j, column in enumerate(heat.x):
                cell = rates[(rates["cluster_id"] == cid) & (rates["value"] == codes[column.replace(" ◀", "")])]
                if cell.empty or bool(cell["suppressed"].iloc[0]):
                    assert np.isnan(z[i][j])


def test_only_values_above_thresholds_are_offered(view: clio_kit.PrivacyView, data: GatedData) -> None:
    explorer = widgets.BaseRateExplorer(data)
    distribution = view.facet_distribution("language")
    assert set(explorer.value.options) <= set(distribution["value"])
    assert clio_kit.privacy.view.SUPPRESSED_LABEL not in explorer.value.options


def test_changing_facet_refreshes_values(view: clio_kit.PrivacyView, data: GatedData) -> None:
    explorer = widgets.BaseRateExplorer(data)
    other = next(f for f in view.facets if f not in ("language", "language_name"))
    explorer.facet.value = other
    assert list(explorer.value.options) == GatedData(view).facet_values(other)
    assert other in explorer.table.value


# -- facets, map, tab ---------------------------------------------------------------------------------------
def test_facet_explorer_shows_the_distribution(view: clio_kit.PrivacyView, data: GatedData) -> None:
    explorer = widgets.FacetExplorer(data)
    distribution = view.facet_distribution("language")
    assert list(_array(explorer.distribution.figure.data[0].x)) == pytest.approx(distribution["share"].head(25).tolist())
    assert f"{int(distribution['n_conversations'].iloc[0]):,}" in explorer.distribution_table.value
    assert len(explorer.crosstab.figure.data) >= 1
    if data.has_timestamps:  # one line per language value over time (shares of shown conversations)
        from clio_kit.presentation.figures import GAP_LEGEND

        lines = {t.name for t in explorer.over_time.figure.data} - {GAP_LEGEND}
        assert lines and lines <= set(data.facet_values("language"))
        assert len(explorer.over_time.figure.data) >= 1
    explorer.facet.value = "has_code" if "has_code" in view.facets else view.facets[-1]
    assert explorer.distribution.figure.layout.title.text.endswith(explorer.facet.value)


def _unwrap(text: str) -> str:
    """A hover text as written before :func:`clio_kit.presentation.fit_hover` broke it into lines."""
    return text.replace("<br>", " ")


def _map_names(figure: object) -> set[str]:
    return {_unwrap(t) for trace in figure.data for t in trace.text}  # type: ignore[attr-defined]


def test_cluster_map_places_visible_base_clusters_only(view: clio_kit.PrivacyView, data: GatedData, hidden_names: list[str]) -> None:
    layout = cluster_layout(data)
    assert set(layout["cluster_id"]) == set(view.clusters(0)["cluster_id"])
    assert layout[["x", "y"]].round(6).duplicated().sum() == 0
    assert ((layout["x"] >= 0) & (layout["x"] <= 100) & (layout["y"] >= 0) & (layout["y"] <= 60)).all()
    assert cluster_layout(GatedData(view)).equals(layout)  # deterministic
    explorer = widgets.ClusterMap(data)
    for mode in ("parent", "size", "lift"):
        explorer.color_by.value = mode
        for trace in explorer.figure.figure.data:
            assert trace.hovertemplate == "%{text}<extra></extra>"  # names only
            assert {_unwrap(t) for t in trace.text} <= set(layout["name"])
    assert not set(hidden_names) & _map_names(explorer.figure.figure)


def test_squarify_areas_are_proportional() -> None:
    rects = squarify([6, 6, 4, 3, 2, 2, 1], 0, 0, 6, 4)
    areas = [w * h for _, _, w, h in rects]
    assert areas == pytest.approx([6, 6, 4, 3, 2, 2, 1])
    for x, y, w, h in rects:
        assert 0 <= x and x + w <= 6 + 1e-9 and 0 <= y and y + h <= 4 + 1e-9


def test_explore_is_a_tab_that_displays_itself(tab: widgets.ExploreTab) -> None:
    assert list(tab.explorers) == ["Hierarchy", "Base rates", "Facets", "Cluster map", "Changes over time"]
    assert len(tab.children) == 5 and tab.titles == tuple(tab.explorers)
    bundle = tab._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    for explorer in tab.explorers.values():
        assert "application/vnd.jupyter.widget-view+json" in explorer._repr_mimebundle_()


def test_no_timestamps_means_no_trend(tmp_path: Path) -> None:
    path = make_demo_run(tmp_path / "run", n_conversations=800, timestamps=False)
    view = clio_kit.open_run(path).view()
    explorer = widgets.HierarchyExplorer(view)
    explorer.select(int(view.clusters(0)["cluster_id"].iloc[0]))
    assert "no timestamps" in explorer.trend.figure.data[0].text[0]
    assert "no timestamps" in widgets.FacetExplorer(view).over_time.figure.data[0].text[0]
    assert "Changes over time" not in widgets.explore(view).explorers


def _widget_tree(widget: object) -> Iterator[object]:
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _widget_tree(child)


def test_live_widget_state_is_private(data: GatedData, view: clio_kit.PrivacyView, hidden_names: list[str]) -> None:
    """What the browser receives (every widget's synced state: chart outputs, tables, detail panels) holds no canary
    and no hidden cluster's name, after a cluster is opened."""
    tab = widgets.explore(data)
    tab.explorers["Hierarchy"].select(int(view.clusters(0)["cluster_id"].iloc[0]))
    state = json.dumps([w.get_state() for w in _widget_tree(tab)], default=str)  # type: ignore[attr-defined]
    assert "application/vnd.plotly.v1+json" in state  # the charts' drawn figures are part of what was scanned
    shown = str(view.clusters(0)["name"].iloc[0])
    assert json.dumps(shown)[1:-1] in state or html.escape(shown) in state  # and so are the names shown
    assert find_canaries(state) == []
    for name in hidden_names:
        assert json.dumps(name)[1:-1] not in state and html.escape(name) not in state
    assert HIDDEN_PREFIX.lower() not in state.lower() and "secret description" not in state.lower()


# -- static HTML ----------------------------------------------------------------------------------------------
def test_static_html_is_self_contained_and_private(tab: widgets.ExploreTab, view: clio_kit.PrivacyView,
                                                   hidden_names: list[str]) -> None:
    hierarchy = tab.explorers["Hierarchy"]
    hierarchy.select(int(view.clusters(0)["cluster_id"].iloc[0]))
    page = tab.to_html()
    assert page.startswith("<!DOCTYPE html>") and "Plotly.newPlot" in page
    assert not re.search(r"<script[^>]+src=", page) and "<link" not in page  # nothing loaded from elsewhere
    assert len(page) > 3_000_000  # plotly.js embedded
    lean = tab.to_html(include_plotlyjs=False, full_html=False)
    assert "cdn.plot.ly" not in lean and "https://" not in lean  # (plotly.js itself mentions an unused topojson URL)
    assert len(lean) < len(page) - 3_000_000 and lean.startswith("<div")
    for text in (page, lean):
        assert find_canaries(text) == []
        for name in hidden_names:
            assert html.escape(name) not in text and name not in text
        assert HIDDEN_PREFIX.lower() not in text.lower() and "secret description" not in text.lower()
    with pytest.raises(ValueError):
        tab.to_html(include_plotlyjs="cdn")  # type: ignore[arg-type]
    for explorer in tab.explorers.values():
        single = explorer.to_html(include_plotlyjs=False)
        assert find_canaries(single) == [] and "<html>" in single


def test_static_base_rate_table_never_prints_suppressed_numbers(view: clio_kit.PrivacyView, data: GatedData) -> None:
    explorer = widgets.BaseRateExplorer(data, level=0)
    rates = view.base_rates("language", level=0)
    body = explorer.static_body()
    suppressed_ids = set(rates[(rates["value"] == explorer.value.value) & rates["suppressed"]]["cluster_id"])
    for cluster, flag, row in re.findall(r"<tr data-cluster='(\d+)' data-suppressed='([01])'>(.*?)</tr>", body):
        if int(cluster) in suppressed_ids:
            assert flag == "1" and re.findall(r"<td[^>]*>(.*?)</td>", row)[3:] == ["suppressed"] * 5
    # the static tree's per-cluster language line lists shown cells only
    shown = rates[~rates["suppressed"]]
    hierarchy = widgets.HierarchyExplorer(data)
    static = hierarchy.static_body()
    for cid in view.clusters(0)["cluster_id"].head(20):
        match = re.search(rf"<details data-key='c{cid}'><summary>.*?</summary>(.*?)(?:<details|</details>)", static)
        assert match, cid
        line = re.search(r"language: (.*?)</div>", match.group(1))
        values = set(re.findall(r"(?:^| · )(\S+) \d+%", line.group(1))) if line else set()
        assert values <= set(shown[shown["cluster_id"] == cid]["value"])


def test_cluster_map_uses_coordinates_when_present(view: clio_kit.PrivacyView, data: GatedData,
                                                   hidden_names: list[str]) -> None:
    explorer = widgets.ClusterMap(data)
    if view.cluster_map().empty:  # a run without map coordinates: the treemap fallback, said so on screen
        assert not explorer.uses_coordinates and "treemap" in explorer.note.value
        return
    assert explorer.uses_coordinates and "t-SNE" in explorer.note.value
    coords = view.cluster_map(0).set_index("cluster_id")
    for mode in ("parent", "size", "share", "lift"):
        explorer.color_by.value = mode
        for trace in explorer.figure.figure.data:
            assert trace.hovertemplate == "%{text}<extra></extra>"  # names only
            for cid, x, y in zip(trace_ids(trace), _array(trace.x), _array(trace.y)):
                assert (coords.loc[cid, "x"], coords.loc[cid, "y"]) == pytest.approx((x, y))
    shown = _map_names(explorer.figure.figure)
    assert shown == set(coords["name"]) and not set(hidden_names) & shown
    explorer.level.value = view.top_level
    assert _map_names(explorer.figure.figure) == set(view.cluster_map(view.top_level)["name"])
    # selecting two clusters (as a lasso would) shows their totals and top facet values
    explorer.level.value = 0
    picked = view.cluster_map(0)["cluster_id"].head(2).tolist()
    explorer.color_by.value = "size"
    explorer._on_event({"kind": "select", "customdata": picked, "ids": [None] * len(picked)})  # as a lasso sends
    summary = explorer.selection_summary()
    assert sorted(explorer.selected) == sorted(picked)
    assert summary["n_conversations"] == int(coords.loc[picked, "n_conversations"].sum())
    assert f"{summary['n_conversations']:,} conversations" in explorer.breakdown.value
    cells = data.cells(explorer.facet.value, 0)
    assert all(value in set(cells["value"]) for value, _ in summary["top_values"])
    assert find_canaries(explorer.to_html(include_plotlyjs=False)) == []
    explorer.select([int(c) for c in hidden_ids(view)])
    assert explorer.selected == []  # hidden clusters cannot be selected


def test_cluster_map_lasso_over_several_colours_selects_them_all(view: clio_kit.PrivacyView, data: GatedData) -> None:
    """A lasso around the whole map (one event with every trace's points) selects every cluster and dims nothing
    else; a double-click clears it; a new colouring or level starts a new selection, drawn afresh."""
    explorer = widgets.ClusterMap(data, color_by="parent")
    traces = list(explorer.figure.figure.data)
    assert len(traces) > 1
    everything = sorted(c for trace in traces for c in trace_ids(trace))
    explorer._on_event({"kind": "select", "customdata": everything, "ids": [None] * len(everything)})
    assert sorted(explorer.selected) == everything
    assert f"<b>{len(everything)} selected clusters</b>" in explorer.breakdown.value
    assert all(t.unselected.marker.opacity == 0.25 for t in explorer.figure.figure.data)  # the rest would be dimmed
    assert sum(len(t.selectedpoints) for t in explorer.figure.figure.data) == len(everything)
    explorer._on_event({"kind": "deselect", "customdata": [], "ids": []})
    assert explorer.selected == [] and "selected cluster" not in explorer.breakdown.value
    explorer._on_event({"kind": "click", "customdata": everything[:1], "ids": [None]})
    assert explorer.selected == everything[:1]
    explorer.color_by.value = "size"
    assert explorer.selected == [] and "selected cluster" not in explorer.breakdown.value
    assert all(t.selectedpoints is None for t in explorer.figure.figure.data)  # nothing dimmed


def test_cluster_map_keeps_what_the_browser_drew(view: clio_kit.PrivacyView, data: GatedData) -> None:
    """A selection or zoom made in the browser is not redrawn from Python (that would drop the lasso's outline and
    reset the zoom); a selection made in Python is drawn; a redraw (another colouring) keeps the user's zoom."""
    explorer = widgets.ClusterMap(data, color_by="parent")
    drawn = explorer.figure.outputs
    ids = sorted(c for trace in explorer.figure.figure.data for c in trace_ids(trace))[:2]
    explorer._on_event({"kind": "zoom", "x": [-1.0, 2.0], "y": [0.5, 1.5], "customdata": [], "ids": []})
    explorer._on_event({"kind": "select", "customdata": ids, "ids": [None, None]})
    assert explorer.selected == ids and explorer.figure.outputs is drawn  # the page's drawing stays
    assert sum(len(t.selectedpoints or []) for t in explorer.figure.figure.data) == 2  # ... as exports will show
    explorer.select(ids[:1])
    assert explorer.figure.outputs is not drawn  # drawn from Python
    explorer.color_by.value = "size"
    layout = explorer.figure.figure.layout
    assert list(layout.xaxis.range) == [-1.0, 2.0] and list(layout.yaxis.range) == [0.5, 1.5]
    explorer._on_event({"kind": "zoom", "x": None, "y": None, "customdata": [], "ids": []})  # double-click: autoscale
    explorer.color_by.value = "parent"
    assert explorer.figure.figure.layout.xaxis.range is None


def test_cluster_map_parent_colours_are_stable_across_levels(data: GatedData) -> None:
    explorer = widgets.ClusterMap(data, color_by="parent")
    if not explorer.uses_coordinates:
        return

    def colours() -> dict[str, str]:
        return {trace.name: trace.marker.color for trace in explorer.figure.figure.data}

    first = colours()
    for level in data.levels[1:]:
        explorer.level.value = level
        again = colours()
        assert all(again[name] == first[name] for name in again if name in first)


def hidden_ids(view: clio_kit.PrivacyView) -> list[int]:
    shown = set(view.clusters()["cluster_id"])
    return [c for c in range(int(max(shown)) + 50) if c not in shown][:5]


def test_rated_facets_are_categories_and_keep_the_suppressed_row() -> None:
    """Concern scores "1".."5" are categories: a numeric axis would drop the suppressed pool's row."""
    from clio_kit.privacy.view import SUPPRESSED_LABEL
    from clio_kit.report import distribution_figure

    frame = pd.DataFrame({"value": ["1", "2", "3", SUPPRESSED_LABEL], "n_conversations": [50, 30, 20, 16],
                          "share": [0.4, 0.25, 0.2, 0.15]})
    for fig in (figures.distribution_bar(frame, "concern"), distribution_figure(frame, "concern")):
        assert fig.layout.yaxis.type == "category"
        assert any(str(v).startswith(SUPPRESSED_LABEL[:24]) for v in fig.data[0].y)  # long labels are shortened


def test_default_base_rate_value_names_a_category_with_shown_cells(data: GatedData) -> None:
    explorer = widgets.BaseRateExplorer(data)
    assert explorer.value.value not in ("und", None)
    assert (data.cells(explorer.facet.value, explorer.level.value)["value"] == explorer.value.value).any()
    assert len(explorer.ranking) > 0


def test_base_rate_table_says_top_n_of_m(data: GatedData) -> None:
    explorer = widgets.BaseRateExplorer(data, top_n=2)
    shown = len(explorer.shown_rows)
    if shown > 2:
        assert f"the top 2 of {shown} cluster(s)" in explorer.table.value
    bars = explorer.bars.figure.layout.title.text
    assert f"{len(explorer.suppressed_clusters)} suppressed, not drawn" in bars or not len(explorer.suppressed_clusters)


def test_base_rates_for_an_absent_value_warns(view: clio_kit.PrivacyView) -> None:
    with pytest.warns(UserWarning, match="no shown cell has language = 'xx-absent'"):
        assert view.base_rates("language", "xx-absent").empty


def test_lift_colour_scale_is_symmetric_with_numeric_ticks(data: GatedData) -> None:
    level = data.top_level
    fig = figures.lift_heatmap(data.cells("language", level), data.clusters(level), data.facet_values("language"))
    heat = fig.data[0]
    assert heat.zmin == -heat.zmax and heat.zmax >= 1  # at least 0.5x-2x: lifts near 1 stay pale
    assert "1" in heat.colorbar.ticktext and all(t.replace(".", "").isdigit() for t in heat.colorbar.ticktext)


def test_a_fully_suppressed_trend_still_names_its_cluster(data: GatedData) -> None:
    """A small cluster's weekly counts are all below the thresholds: the blank trend says so and names the cluster
    (a reader, and the browser test, can tell the chart was redrawn for the selected node)."""
    explorer = widgets.HierarchyExplorer(data)
    freq = data.auto_freq()
    trend = data.trend(freq, 0)
    shown = trend.groupby("cluster_id")["n_conversations"].apply(lambda s: s.notna().any())
    hidden = [cid for cid, any_shown in shown.items() if not any_shown]
    node = next(n for n in data.nodes.values() if n.level == 0 and not n.is_other and n.cluster_id in hidden)
    fig = explorer._trend_figure(node)
    assert node.name[:20] in fig.layout.title.text and "below the privacy thresholds" in fig.data[0].text[0]


def _hover_strings(trace: object) -> list[str]:
    """The texts a trace shows only on hover (what :func:`clio_kit.presentation.fit_hover` wraps)."""
    out: list[str] = []

    def collect(value: object) -> None:
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, list | tuple | np.ndarray):
            for v in value:
                collect(v)

    collect(getattr(trace, "hovertext", None))
    collect(getattr(trace, "customdata", None))
    template = getattr(trace, "hovertemplate", None)
    if isinstance(template, str) and "<extra>" in template:
        out.append(template.split("<extra>", 1)[1].split("</extra>", 1)[0])
    if trace.type == "scatter" and "text" not in (trace.mode or "text"):  # type: ignore[attr-defined]
        collect(trace.text)  # type: ignore[attr-defined]
    return out


def test_every_chart_wraps_long_hover_texts_and_shows_whole_names(data: GatedData) -> None:
    """Hover labels fit: no hover line longer than HOVER_WIDTH characters (unless one word is), trace names never
    cut (plotly's default cuts them at 15 characters)."""
    from clio_kit.presentation import HOVER_WIDTH
    from widgets.base import Chart

    tab = widgets.explore(data)
    hierarchy = tab.explorers["Hierarchy"]
    hierarchy.select(int(data.clusters(0)["cluster_id"].iloc[0]))  # a trend with a (long) cluster name
    drawn = [value.figure for explorer in tab.explorers.values()
             for value in vars(explorer).values() if isinstance(value, Chart)]
    assert len(drawn) >= 8
    long_lines = 0
    for figure in drawn:
        assert figure.layout.hoverlabel.namelength == -1 and figure.layout.hoverlabel.align == "left"
        for trace in figure.data:
            for text in _hover_strings(trace):
                for line in text.split("<br>"):
                    assert len(line) <= HOVER_WIDTH or " " not in line, line
                    long_lines += len(line) > 30
    assert long_lines > 0  # the check saw long names (the pipeline run has some)


def test_a_value_the_run_does_not_show_is_named_in_a_warning(data: GatedData) -> None:
    """Asking for a facet value the run does not show (README's ``value="ja"`` on a sample without Japanese) says so
    in a warning and shows the default value, instead of an empty chart without a word."""
    with pytest.warns(UserWarning, match="language = 'xx' is not among this run's shown values"):
        explorer = widgets.BaseRateExplorer(data, facet="language", value="xx")
    assert explorer.value.value in explorer.value.options
    with pytest.warns(UserWarning, match="'xx'"):
        widgets.ClusterMap(data, color_by="lift", facet="language", value="xx")


def test_base_rates_open_at_the_level_that_shows_most_of_the_facet() -> None:
    """A small multilingual run hides most base-cluster cells: the base-rate view opens at the level showing the
    most cells of the facet (its top level there), not at an almost all-suppressed base level; ties go to the lower
    level, and a level with too many clusters to compute quickly is never the default."""
    from widgets.base_rates import default_level

    class Levels:  # what default_level reads of GatedData: visible clusters and shown cells per level
        def __init__(self, clusters: dict[int, int], cells: dict[int, int]) -> None:
            self.levels, self.top_level, self._clusters, self._cells = sorted(clusters), max(clusters), clusters, cells

        def clusters(self, level: int) -> list[int]:
            return list(range(self._clusters[level]))

        def cells(self, facet: str, level: int) -> list[int]:
            return list(range(self._cells[level]))

    small = Levels({0: 9, 1: 14, 2: 12}, {0: 3, 1: 20, 2: 61})
    assert default_level(small) == 0 and default_level(small, facet="language") == 2
    assert default_level(Levels({0: 40, 1: 13}, {0: 13, 1: 13}), facet="language") == 0
    assert default_level(Levels({0: 900, 1: 150, 2: 12}, {0: 5000, 1: 400, 2: 60}), facet="language") == 1
