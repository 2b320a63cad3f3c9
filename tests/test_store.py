from __future__ import annotations

import numpy as np
import pandas as pd

from clio_kit.store import RunStore


def test_stage_is_done_only_with_matching_key_and_outputs(tmp_path) -> None:  # noqa: ANN001
    store = RunStore(tmp_path)
    store.mark_started("facets", "k1")
    assert not store.is_done("facets", "k1")  # started, never finished
    name = store.write_table("facets.parquet", pd.DataFrame({"a": [1, 2]}))
    store.mark_done("facets", "k1", seconds=0.5, outputs=[name], counts={"n": 2})
    assert store.is_done("facets", "k1")
    assert not store.is_done("facets", "k2")
    reopened = RunStore(tmp_path)  # the manifest persists
    assert reopened.is_done("facets", "k1")
    (tmp_path / "facets.parquet").unlink()
    assert not reopened.is_done("facets", "k1")  # an output went missing


def test_tables_arrays_and_json_round_trip_atomically(tmp_path) -> None:  # noqa: ANN001
    store = RunStore(tmp_path)
    store.write_array("x.npy", np.arange(6, dtype=np.float32).reshape(2, 3))
    assert store.read_array("x.npy").shape == (2, 3)
    store.write_json("s.json", {"a": 1})
    assert store.read_json("s.json") == {"a": 1}
    store.write_jsonl("r.jsonl", [{"line": 1}, {"line": 2}])
    assert (tmp_path / "r.jsonl").read_text().count("\n") == 2
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary files left behind


def test_invalidate_after_forgets_downstream_stages(tmp_path) -> None:  # noqa: ANN001
    store = RunStore(tmp_path)
    for stage in ("a", "b", "c"):
        store.mark_done(stage, "k", seconds=0, outputs=[])
    store.invalidate_after(["b", "c"])
    assert set(store.manifest["stages"]) == {"a"}
