"""`clio-kit eval privacy`: canaries planted, pipeline and report run, every artefact scanned."""

from __future__ import annotations

import json
from pathlib import Path

from clio_kit import Pipeline, PipelineConfig
from clio_kit.privacy.canaries import CANARIES
from clio_kit.privacy.evaluation import evaluate_privacy, scan_artifacts

from .conftest import HashingEmbedder


def test_privacy_evaluation_finds_no_leak_and_hides_planted_groups(tmp_path: Path, labelled_path: Path) -> None:
    pipeline = Pipeline(embedder=HashingEmbedder(), config=PipelineConfig(min_users=5, min_conversations=10),
                        progress=False)
    result = evaluate_privacy(labelled_path, tmp_path, pipeline=pipeline, progress=False)
    assert result.leaks == []
    assert result.planted_groups_visible == {"private matter": False, "campaign": False}
    assert result.attacks == {"named_rare_values": 0, "small_counts": 0, "recovered_cells": 0}, \
        result.attack_findings
    assert "0 cells recovered by subtraction" in result.summary()
    assert result.passed
    assert any(a.endswith("report.html") for a in result.artifacts) and len(result.artifacts) > 10
    shares = result.stage_identifying_share
    # as in the Clio paper: raw text identifies more people than summaries, and no visible cluster does
    assert shares["raw conversations"] > shares["summaries"]
    assert shares["visible clusters"] == 0.0
    saved = json.loads((tmp_path / "privacy_eval.json").read_text())
    assert saved["passed"] is True


def test_scanner_detects_a_planted_leak(tmp_path: Path) -> None:
    leaky = tmp_path / "leaky.html"
    leaky.write_text(f"<p>contact {CANARIES['email']}</p>")
    clean = tmp_path / "clean.html"
    clean.write_text("<p>nothing here</p>")
    leaks = scan_artifacts([leaky, clean])
    assert {leak["canary"] for leak in leaks} >= {"email"}
    assert all(leak["artifact"] == str(leaky) for leak in leaks)
