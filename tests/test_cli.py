"""The command line as a user runs it: one-line errors, malformed input, inspect, demo."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from .conftest import ROOT


def clio(*args: str, cwd: Path | None = None, timeout: int = 900) -> subprocess.CompletedProcess:
    env = {**os.environ, "CLIO_KIT_NO_PROGRESS": "1"}
    return subprocess.run([sys.executable, "-m", "clio_kit.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=cwd or ROOT)


@pytest.fixture
def mixed_file(tmp_path: Path, labelled_records: list[dict]) -> Path:
    """40 good records with malformed ones interleaved (bad JSON, bad UTF-8, no messages, unknown role, ...)."""
    lines: list[bytes] = []
    bad = [b'{"conversation_id": "broken", "messages": [', b'\xff\xfe not utf-8 \xc3\x28',
           json.dumps({"conversation_id": "empty", "messages": []}).encode(),
           json.dumps({"conversation_id": "notlist", "messages": "hello"}).encode(),
           json.dumps({"conversation_id": "role", "messages": [{"role": "wizard", "content": "hi"}]}).encode(),
           json.dumps({"conversation_id": "blank", "messages": [{"role": "user", "content": "   "}]}).encode()]
    for i, record in enumerate(labelled_records[:40]):
        lines.append(json.dumps(record, ensure_ascii=False).encode("utf-8"))
        if i % 7 == 3 and bad:
            lines.append(bad.pop(0))
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_run_on_malformed_file_keeps_every_good_record(tmp_path: Path, mixed_file: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("min_users = 2\nmin_conversations = 2\nmin_phrase_users = 2\n")
    done = clio("-q", "run", str(mixed_file), "--out", str(tmp_path / "run"), "--config", str(config))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assignments = pd.read_parquet(tmp_path / "run" / "assignments.parquet")
    assert len(assignments) == 40
    rejects = [json.loads(line) for line in (tmp_path / "run" / "rejects.jsonl").read_text().splitlines()]
    assert len(rejects) == 6
    assert all(r["line"] and r["reason"] for r in rejects)
    assert "6 records set aside" in done.stderr

    shown = clio("inspect", str(tmp_path / "run"))
    assert shown.returncode == 0 and "40 conversations" in shown.stdout and "Top-level clusters" in shown.stdout


@pytest.mark.parametrize("args, needle", [
    (("run", "no/such/file.jsonl", "--out", "x"), "not found"),
    (("inspect", "no/such/run"), "not a clio-kit run directory"),
    (("report", "no/such/run", "--out", "r.html"), "run"),
    (("run", "tests/data/labelled/conversations.jsonl", "--out", "x", "--sample", "0"), "sample"),
])
def test_errors_are_one_line(tmp_path: Path, args: tuple[str, ...], needle: str) -> None:
    done = clio(*[a if not a.endswith(("x", "r.html")) else str(tmp_path / a) for a in args])
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.strip().splitlines() if line.startswith("clio-kit: error:")]
    assert len(errors) == 1 and needle in errors[0]
    assert done.stderr.strip().splitlines()[-1] == errors[0]


@pytest.mark.slow
def test_demo_writes_a_report_from_real_sharegpt_conversations(tmp_path: Path) -> None:
    done = clio("-q", "demo", "--sample", "120", "--out", str(tmp_path / "run"), "--report",
                str(tmp_path / "demo.html"))
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "demo.html").read_text()
    assert "Names generated offline" in page and "Privacy summary" in page
    assert "<script src=\"http" not in page


def test_estimate_prices_a_claude_run_without_any_request(labelled_path: Path) -> None:
    done = clio("-q", "estimate", str(labelled_path))
    assert done.returncode == 0, done.stderr
    assert "386 conversations" in done.stdout and "total    $" in done.stdout
    assert "prompt caching:" in done.stdout and "offline estimate (per-script rates)" in done.stdout
    without = float(done.stdout.split("the total would be $", 1)[1].split()[0].replace(",", ""))
    batch = clio("-q", "estimate", str(labelled_path), "--batch")
    full = float(done.stdout.rsplit("$", 1)[1].replace(",", ""))
    half = float(batch.stdout.rsplit("$", 1)[1].replace(",", ""))
    assert half < full < without


def test_a_failed_run_says_failed_with_its_error(tmp_path: Path) -> None:
    """A run that stops in ingest leaves a manifest that `inspect` reports as failed, with the error (not as
    "running"), and the error names no file that was not written."""
    source = tmp_path / "empty.jsonl"
    source.write_text(json.dumps({"conversation_id": "x", "messages": []}) + "\n")
    done = clio("-q", "run", str(source), "--out", str(tmp_path / "run"))
    assert done.returncode == 2 and "line 1: no messages" in done.stderr
    assert "rejects.jsonl" not in done.stderr
    shown = clio("inspect", str(tmp_path / "run"))
    assert shown.returncode == 0, shown.stderr
    assert "run FAILED in stage ingest: no usable conversations" in shown.stdout
    assert "running" not in shown.stdout and "nan" not in shown.stdout.lower()


def test_format_error_names_the_cli_flag(tmp_path: Path) -> None:
    source = tmp_path / "odd.jsonl"
    source.write_text('{"a": 1}\n{"a": 2}\n')
    done = clio("-q", "run", str(source), "--out", str(tmp_path / "run"))
    assert done.returncode == 2 and "--format" in done.stderr


def test_every_option_has_help_text() -> None:
    from clio_kit.cli import build_parser

    parser = build_parser()
    missing = []
    for action in parser._subparsers._group_actions[0].choices.items():  # noqa: SLF001
        name, sub = action
        missing += [f"{name} {a.dest}" for a in sub._actions if not a.help and a.dest != "help"]  # noqa: SLF001
    assert missing == []
