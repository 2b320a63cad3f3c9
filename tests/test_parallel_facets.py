"""Offline facets of many conversations run on every core (forked processes) and give the one-process frame."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from clio_kit import distributed
from clio_kit.backends import OfflineBackend
from clio_kit.facets.definitions import DEFAULT_FACETS
from clio_kit.io import load

pytestmark = pytest.mark.skipif(not distributed._can_fork(), reason="forked workers need Linux")


class WhereBackend(OfflineBackend):
    """The offline backend, also saying which process computed each row."""

    def extract_facets(self, conversations, facets, *, progress=True):  # noqa: ANN001, ANN201
        frame = super().extract_facets(conversations, facets, progress=progress)
        frame["pid"] = os.getpid()
        return frame


def test_facets_on_three_processes_equal_the_one_process_frame(labelled_path, monkeypatch) -> None:
    conversations = load(labelled_path).conversations
    backend = WhereBackend(min_phrase_users=3, min_audit_score=3)
    alone = backend.extract_facets(conversations, DEFAULT_FACETS, progress=False)
    monkeypatch.setattr(distributed, "LOCAL_PARALLEL_MIN", 100)
    monkeypatch.setattr(distributed, "_usable_cores", lambda: 3)
    shared = distributed.extract_facets(backend, conversations, DEFAULT_FACETS, progress=False)
    assert shared["pid"].nunique() == 3 and (shared["pid"] == os.getpid()).any()
    pd.testing.assert_frame_equal(shared.drop(columns="pid"), alone.drop(columns="pid"))


def test_few_conversations_stay_in_this_process(labelled_path) -> None:
    conversations = load(labelled_path).conversations[:50]
    frame = distributed.extract_facets(WhereBackend(), conversations, DEFAULT_FACETS, progress=False)
    assert set(frame["pid"]) == {os.getpid()}
