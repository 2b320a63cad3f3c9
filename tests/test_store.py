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


def test_array_written_in_chunks_is_a_memory_mapped_npy(tmp_path) -> None:  # noqa: ANN001
    store = RunStore(tmp_path)
    full = np.random.default_rng(0).normal(size=(10, 4))
    blocks = (full[i:i + 3] for i in range(0, 10, 3))  # float64 blocks, stored as float32
    store.write_array_chunks("e.npy", blocks, n_rows=10)
    back = store.read_array("e.npy")
    assert isinstance(back, np.memmap) and back.dtype == np.float32
    assert np.array_equal(back, full.astype(np.float32))
    assert np.array_equal(np.load(tmp_path / "e.npy"), full.astype(np.float32))  # a plain .npy file
    assert not list(tmp_path.glob(".*.tmp"))


def test_failed_chunked_writes_leave_nothing_behind(tmp_path) -> None:  # noqa: ANN001
    import pytest

    store = RunStore(tmp_path)

    def dying():
        yield np.ones((2, 3))
        raise KeyboardInterrupt  # a killed run

    with pytest.raises(KeyboardInterrupt):
        store.write_array_chunks("e.npy", dying(), n_rows=4)
    with pytest.raises(ValueError, match="held 2 rows, expected 4"):
        store.write_array_chunks("e.npy", iter([np.ones((2, 3))]), n_rows=4)
    with pytest.raises(ValueError, match="does not fit"):
        store.write_array_chunks("e.npy", iter([np.ones((2, 3)), np.ones((2, 2))]), n_rows=4)

    def dying_frames():
        yield pd.DataFrame({"a": [1]})
        raise RuntimeError("input broke")

    with pytest.raises(RuntimeError):
        store.write_table_batches("t.parquet", dying_frames())
    with pytest.raises(ValueError, match="no rows"):
        store.write_table_batches("t.parquet", iter([]))
    assert list(tmp_path.iterdir()) == []  # neither finished files nor temporary ones


def test_table_written_in_pieces_keeps_one_schema(tmp_path) -> None:  # noqa: ANN001
    import pyarrow as pa
    import pyarrow.parquet as pq

    store = RunStore(tmp_path)
    pieces = [pd.DataFrame({"id": ["a", "b"], "user": [None, None], "n": [1, 2]}),  # user all missing at first
              pd.DataFrame({"id": ["c"], "user": ["u1"], "n": [3]})]
    store.write_table_batches("t.parquet", iter(pieces))
    assert pq.ParquetFile(tmp_path / "t.parquet").metadata.num_row_groups == 2
    back = store.read_table("t.parquet")
    assert back["id"].tolist() == ["a", "b", "c"] and back["n"].tolist() == [1, 2, 3]
    assert back["user"].isna().tolist() == [True, True, False] and back["user"].iloc[2] == "u1"
    schema = pa.schema([("id", pa.string())])
    store.write_table_batches("empty.parquet", iter([]), schema=schema)
    assert len(store.read_table("empty.parquet")) == 0
