"""Bring your own embeddings: vectors computed elsewhere (your cluster, a bigger model), aligned by conversation id.

``Pipeline.run(..., embeddings=...)`` and ``clio-kit run --embeddings FILE`` skip the embedding model and use these
vectors for clustering. Accepted sources:

- ``.parquet``: a ``conversation_id`` column and one vector column (a list of floats per row; named ``embedding``,
  ``vector`` or ``embeddings``, or the only other column);
- ``.npy``: an ``(n, d)`` array, with the conversation ids of its rows in a sidecar text file, one id a line, named
  like the array with ``.ids.txt`` for ``.npy`` (``vectors.npy`` -> ``vectors.ids.txt``) or given as ``ids=``.
  Without ids, row ``i`` belongs to the ``i``-th conversation ingested (input order, after rejected records and
  exact duplicates are set aside), the number of rows must equal the number of conversations, and ``--sample``
  cannot be used;
- in Python, also an array (with ``ids=`` or the same order rule) or a DataFrame shaped like the parquet file.

Every ingested conversation needs a vector (extra vectors are ignored); each must be finite and non-zero, and all
of one dimension. Problems are one-line :class:`~clio_kit.errors.InputError` s naming the conversation. Vectors
are L2-normalised as the pipeline's own embeddings are. ``name`` (``--embedder-name``) says which model made them;
it is recorded in the manifest and shown in the report.

>>> import numpy as np
>>> supplied = SuppliedEmbeddings(np.array([[3.0, 4.0], [1.0, 0.0]]), ids=["b", "a"], name="my-model")
>>> supplied.vectors_for(["a", "b"]).tolist()
[[1.0, 0.0], [0.6000000238418579, 0.800000011920929]]
>>> supplied.vectors_for(["a", "c"])
Traceback (most recent call last):
...
clio_kit.errors.InputError: embeddings: no vector for 1 conversation (first: 'c'); every conversation needs one
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InputError

__all__ = ["SuppliedEmbeddings", "as_supplied"]

_VECTOR_COLUMNS = ("embedding", "vector", "embeddings", "vectors")
_CHECK_ROWS = 65_536  # rows validated and normalised at a time (bounded memory for millions of rows)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


class SuppliedEmbeddings:
    """Embeddings given by the user, looked up by conversation id.

    ``source``: a path (``.npy`` or ``.parquet``), an array or a DataFrame; ``ids``: the row ids of an array or
    ``.npy`` (a sequence, or a path to a one-id-a-line text file); ``name``: the model that made them;
    ``column``: the parquet/DataFrame vector column.
    """

    def __init__(self, source: Any, ids: Sequence[str] | str | os.PathLike[str] | None = None,
                 name: str | None = None, column: str | None = None) -> None:
        self.source = source
        self.ids = ids
        self.name = name
        self.column = column

    def __repr__(self) -> str:
        where = Path(self.source).name if isinstance(self.source, (str, os.PathLike)) else type(self.source).__name__
        return f"SuppliedEmbeddings({where!r}, name={self.name!r})"

    # -- reading ------------------------------------------------------------------------------------------------
    def _path(self) -> Path | None:
        return Path(self.source) if isinstance(self.source, (str, os.PathLike)) else None

    def _sidecar(self) -> Path | None:
        path = self._path()
        if self.ids is not None or path is None or path.suffix != ".npy":
            return None
        candidate = path.with_suffix(".ids.txt")
        return candidate if candidate.exists() else None

    def _load(self) -> tuple[np.ndarray | None, np.ndarray]:
        """``(ids or None, vectors)``; an ``.npy`` is memory-mapped. Cached on the object."""
        loaded = getattr(self, "_loaded", None)
        if loaded is not None:
            return loaded
        path = self._path()
        if path is not None and not path.exists():
            raise InputError(f"embeddings file not found: {path}")
        if path is not None and path.suffix == ".parquet":
            ids, vectors = self._from_table(_read_parquet(path, self.column), str(path.name))
        elif path is not None and path.suffix == ".npy":
            try:
                vectors = np.load(path, mmap_mode="r", allow_pickle=False)
            except (ValueError, OSError) as error:
                raise InputError(f"embeddings file {path.name} is not a readable .npy array ({error})") from None
            ids = self._given_ids()
        elif path is not None:
            raise InputError(f"embeddings file {path.name}: expected .npy or .parquet")
        elif _is_frame(self.source):
            ids, vectors = self._from_table(self.source, "the embeddings frame")
        else:
            vectors = np.asarray(self.source)
            ids = self._given_ids()
        where = path.name if path is not None else "the embeddings"
        if vectors.ndim != 2 or vectors.shape[1] == 0:
            raise InputError(f"{where}: expected a 2-D array of rows x dimensions, got shape {vectors.shape}")
        if not np.issubdtype(vectors.dtype, np.number):
            raise InputError(f"{where}: expected numbers, got dtype {vectors.dtype}")
        if ids is not None:
            if len(ids) != len(vectors):
                raise InputError(f"{where}: {_plural(len(vectors), 'vector')} but {_plural(len(ids), 'id')}")
            _check_unique(ids)
        self._loaded = (ids, vectors)
        return self._loaded

    def _given_ids(self) -> np.ndarray | None:
        ids = self.ids
        sidecar = self._sidecar()
        if sidecar is not None:
            ids = sidecar
        if ids is None:
            return None
        if isinstance(ids, (str, os.PathLike)):
            path = Path(ids)
            if not path.exists():
                raise InputError(f"embedding ids file not found: {path}")
            lines = path.read_text(encoding="utf-8").splitlines()
            while lines and not lines[-1].strip():
                lines.pop()
            return np.asarray([line.strip() for line in lines], dtype=object)
        return np.asarray([str(i) for i in ids], dtype=object)

    def _from_table(self, frame: Any, where: str) -> tuple[np.ndarray, np.ndarray]:
        if "conversation_id" not in frame.columns:
            raise InputError(f"{where}: needs a conversation_id column (found: {', '.join(map(str, frame.columns))})")
        others = [c for c in frame.columns if c != "conversation_id"]
        column = self.column or next((c for c in _VECTOR_COLUMNS if c in others), None)
        if column is None and len(others) == 1:
            column = others[0]
        if column is None or column not in frame.columns:
            raise InputError(f"{where}: name the vector column (one of {', '.join(map(str, others))}); "
                             f"--embedding-column / column=")
        ids = frame["conversation_id"].astype(str).to_numpy(dtype=object)
        return ids, _stack_rows(frame[column], ids, where)

    # -- facts ----------------------------------------------------------------------------------------------
    @property
    def dim(self) -> int:
        return int(self._load()[1].shape[1])

    @property
    def n_vectors(self) -> int:
        return int(len(self._load()[1]))

    @property
    def has_ids(self) -> bool:
        """Whether rows carry conversation ids (parquet, a sidecar or ``ids=``); else they follow input order."""
        return self._load()[0] is not None

    def aligned_to(self, ingested_ids: Sequence[str]) -> "SuppliedEmbeddings":
        """These embeddings with ``ingested_ids`` as the ids of rows that have none (the input-order rule)."""
        ids, vectors = self._load()
        if ids is not None:
            return self
        if len(vectors) != len(ingested_ids):
            raise InputError(f"embeddings: {_plural(len(vectors), 'row')} but {_plural(len(ingested_ids), 'conversation')}"
                             " ingested; without ids rows must match the ingested conversations one to one "
                             "(give ids in a sidecar FILE.ids.txt, one conversation id a line)")
        aligned = SuppliedEmbeddings(self.source, ids=None, name=self.name, column=self.column)
        aligned._loaded = (np.asarray([str(i) for i in ingested_ids], dtype=object), vectors)
        return aligned

    def describe(self) -> dict[str, Any]:
        """What the manifest and the embed stage's key record: the name, source, content hash, shape."""
        described = getattr(self, "_described", None)
        if described is not None and described.get("name") == (self.name or "supplied"):
            return dict(described)  # hashing a large file once per run is enough
        from .hashing import file_sha256, stable_hash

        ids, vectors = self._load()
        path = self._path()
        if path is not None:
            content = {"file": path.name, "sha256": file_sha256(path)}
            sidecar = self._sidecar() or (Path(self.ids) if isinstance(self.ids, (str, os.PathLike)) else None)
            if sidecar is not None:
                content["ids_sha256"] = file_sha256(sidecar)
        else:
            digest = _array_digest(vectors)
            content = {"file": None, "sha256": stable_hash([digest, None if ids is None else
                                                            stable_hash(ids.tolist(), length=32)], length=32)}
        if self.ids is not None and not isinstance(self.ids, (str, os.PathLike)) and path is not None:
            content["ids_sha256"] = stable_hash([str(i) for i in self.ids], length=32)
        self._described = {"name": self.name or "supplied", **content, "n_vectors": int(len(vectors)),
                           "dim": int(vectors.shape[1]),
                           "aligned_by": "conversation_id" if ids is not None else "input order"}
        return dict(self._described)

    # -- alignment ------------------------------------------------------------------------------------------
    def vectors_for(self, conversation_ids: Sequence[str]) -> np.ndarray:
        """Unit rows for ``conversation_ids``, in that order (all at once; see :meth:`iter_vectors`)."""
        chunks = list(self.iter_vectors(conversation_ids))
        return np.concatenate(chunks) if chunks else np.empty((0, self.dim), dtype=np.float32)

    def iter_vectors(self, conversation_ids: Sequence[str], chunk: int = _CHECK_ROWS) -> Iterator[np.ndarray]:
        """Validated, L2-normalised float32 rows for ``conversation_ids``, ``chunk`` rows at a time."""
        positions = self.positions(conversation_ids)
        _, vectors = self._load()
        wanted = np.asarray(conversation_ids, dtype=object)
        for start in range(0, len(positions), chunk):
            rows = np.asarray(vectors[positions[start:start + chunk]], dtype=np.float32)
            bad = ~np.isfinite(rows).all(axis=1)
            if bad.any():
                raise InputError(f"embeddings: the vector for conversation {wanted[start + int(bad.argmax())]!r} "
                                 f"has NaN or infinite values ({_plural(int(bad.sum()), 'such row')} in rows "
                                 f"{start:,}-{start + len(rows) - 1:,})")
            norms = np.linalg.norm(rows, axis=1, keepdims=True)
            zero = norms[:, 0] == 0
            if zero.any():
                raise InputError(f"embeddings: the vector for conversation {wanted[start + int(zero.argmax())]!r} "
                                 f"is all zeros (norm 0; {_plural(int(zero.sum()), 'such row')} in rows "
                                 f"{start:,}-{start + len(rows) - 1:,})")
            yield rows / norms

    def positions(self, conversation_ids: Sequence[str]) -> np.ndarray:
        """Row of each conversation's vector; a one-line error if any is missing."""
        import pandas as pd

        ids, _ = self.aligned_to(list(conversation_ids))._load()
        wanted = pd.Index(np.asarray(conversation_ids, dtype=object).astype(str))
        found = pd.Index(ids).get_indexer(wanted)
        missing = found < 0
        if missing.any():
            raise InputError(f"embeddings: no vector for {_plural(int(missing.sum()), 'conversation')} "
                             f"(first: {wanted[int(missing.argmax())]!r}); every conversation needs one")
        return found


def as_supplied(embeddings: Any, name: str | None = None) -> SuppliedEmbeddings | None:
    """``None`` stays ``None``; a :class:`SuppliedEmbeddings` is kept (``name`` fills a missing name); anything
    else (a path, an array, a DataFrame) is wrapped."""
    if embeddings is None:
        return None
    if isinstance(embeddings, SuppliedEmbeddings):
        if name and not embeddings.name:
            embeddings.name = name
        return embeddings
    return SuppliedEmbeddings(embeddings, name=name)


# -- helpers ----------------------------------------------------------------------------------------------------
def _is_frame(value: Any) -> bool:
    return hasattr(value, "columns") and hasattr(value, "iloc")


def _read_parquet(path: Path, column: str | None) -> Any:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as error:  # noqa: BLE001 - any arrow failure means an unreadable file
        raise InputError(f"embeddings file {path.name} is not a readable parquet file ({type(error).__name__})") \
            from None
    return _ArrowFrame(table)


class _ArrowFrame:
    """The two things ``_from_table`` needs from a table (columns, a column) without converting lists to pandas."""

    def __init__(self, table: Any) -> None:
        self.table = table
        self.columns = list(table.column_names)

    def __getitem__(self, column: str) -> Any:
        return _ArrowColumn(self.table.column(column))


class _ArrowColumn:
    def __init__(self, column: Any) -> None:
        self.column = column

    def astype(self, _: Any) -> "_ArrowColumn":
        import pyarrow as pa

        return _ArrowColumn(self.column.cast(pa.string()))

    def to_numpy(self, dtype: Any = None) -> np.ndarray:
        return np.asarray(self.column.to_pylist(), dtype=dtype)


def _stack_rows(column: Any, ids: np.ndarray, where: str) -> np.ndarray:
    """An ``(n, d)`` float32 array from a list-of-floats column; a one-line error on ragged or missing rows."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(column, _ArrowColumn):
        array = column.column.combine_chunks()
    else:  # a pandas column of lists/arrays
        try:
            array = pa.array([None if v is None else np.asarray(v, dtype=np.float64) for v in column])
        except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError, TypeError):
            raise InputError(f"{where}: the vector column must hold lists of numbers") from None
    if pa.types.is_fixed_size_list(array.type):
        array = array.cast(pa.list_(array.type.value_type))
    if not (pa.types.is_list(array.type) or pa.types.is_large_list(array.type)):
        raise InputError(f"{where}: the vector column must hold lists of numbers, got {array.type}")
    lengths = pc.list_value_length(array).to_numpy(zero_copy_only=False)
    lengths = np.where(np.isnan(lengths.astype(float)), -1, lengths).astype(np.int64)
    if len(lengths) and (lengths < 0).any():
        raise InputError(f"{where}: no vector for conversation {ids[int((lengths < 0).argmax())]!r} (null)")
    if len(lengths) and (lengths != lengths[0]).any():
        odd = int((lengths != lengths[0]).argmax())
        raise InputError(f"{where}: the vector for conversation {ids[odd]!r} has {lengths[odd]:,} dimensions, "
                         f"the first has {lengths[0]:,}; all must have the same")
    if not pa.types.is_floating(array.type.value_type) and not pa.types.is_integer(array.type.value_type):
        raise InputError(f"{where}: the vector column must hold numbers, got {array.type.value_type}")
    flat = pc.list_flatten(array).to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
    dim = int(lengths[0]) if len(lengths) else 0
    return flat.reshape(len(lengths), dim) if dim else np.empty((len(lengths), 0), dtype=np.float32)


def _check_unique(ids: np.ndarray) -> None:
    import pandas as pd

    duplicated = pd.Index(ids).duplicated()
    if duplicated.any():
        raise InputError(f"embeddings: conversation id {ids[int(duplicated.argmax())]!r} has more than one vector")


def _array_digest(vectors: np.ndarray) -> str:
    import hashlib

    digest = hashlib.sha256(str((vectors.shape, str(vectors.dtype))).encode())
    step = 65_536
    for start in range(0, len(vectors), step):
        digest.update(np.ascontiguousarray(vectors[start:start + step]).tobytes())
    return digest.hexdigest()
