"""CI runs a tiny version of the benchmarks: the runner works and writes JSON and a summary (no timing asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT


@pytest.mark.slow
def test_benchmark_runner_smoke(tmp_path: Path) -> None:
    env = {**os.environ, "CLIO_KIT_NO_PROGRESS": "1", "CLIO_KIT_BENCH_RESULTS": str(tmp_path / "results")}
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--smoke"], capture_output=True,
                          text=True, timeout=900, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    results = {p.stem: json.loads(p.read_text()) for p in (tmp_path / "results").glob("*.json")}
    assert set(results) == {"sharegpt-60", "synthetic-3000"}
    real = results["sharegpt-60"]
    assert real["n_conversations"] == 60 and real["peak_rss_mb"] > 0
    assert set(real["stage_seconds"]) >= {"ingest", "facets", "embed", "cluster", "name", "hierarchy", "privacy"}
    assert "Offline pipeline on real ShareGPT" in (tmp_path / "SUMMARY.md").read_text()
