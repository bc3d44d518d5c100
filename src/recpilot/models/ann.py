"""Nearest-neighbour search over item vectors: exact below a size threshold, FAISS above.

:class:`VectorIndex` answers inner-product top-k queries over a fixed matrix of item vectors
(text embeddings, or unit-length item factors for cosine). Up to ``threshold`` items it
searches exactly (``IndexFlatIP``); above, it builds an approximate FAISS index:

* ``ivf`` (default) — inverted lists over ``nlist`` k-means cells (trained on a sample),
  ``nprobe`` cells searched per query; the lists hold 8-bit codes unless ``quantize`` is
  off, so the index costs a quarter of the vectors' memory. Cheap to build.
* ``hnsw`` — a navigable small-world graph; better recall per query-millisecond, but
  building it over a million vectors takes minutes on two cores.

An approximate index can be saved next to the model artifact it indexes
(:meth:`VectorIndex.load_or_build`), so a process pays the build once per artifact.
:func:`recall_at_k` measures it against exact search (``bench/scale.py``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from recpilot.errors import ModelError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AnnSettings:
    """How to index; the defaults give recall@10 ≥ 0.9 on the benchmarks (docs/scale.md)."""

    threshold: int = 50_000  # items from which search is approximate
    kind: Literal["ivf", "hnsw"] = "ivf"
    nlist: int | None = None  # IVF cells; None: about sqrt(items)
    nprobe: int = 24  # IVF cells searched per query
    train_per_list: int = 64  # IVF k-means sample: this many vectors per cell
    quantize: bool = True  # IVF lists hold 8-bit codes (a quarter of the float32 vectors)
    hnsw_m: int = 32  # HNSW links per node
    ef_construction: int = 64
    ef_search: int = 128  # HNSW candidate list per query (at least k)
    seed: int = 0

    def key(self) -> str:
        """A short hash of the settings, for the saved index's file name."""
        payload = json.dumps(asdict(self), sort_keys=True).encode()
        return hashlib.sha256(payload).hexdigest()[:10]


class VectorIndex:
    """Top-k inner-product search over ``vectors`` (rows are items)."""

    def __init__(self, vectors: np.ndarray, settings: AnnSettings | None = None) -> None:
        self.settings = settings or AnnSettings()
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if self.vectors.ndim != 2:
            raise ModelError(f"VectorIndex needs a 2-d matrix, got shape {self.vectors.shape}")
        self._index: Any = None
        self._exact: Any = None

    @property
    def n_items(self) -> int:
        return int(self.vectors.shape[0])

    @property
    def approximate(self) -> bool:
        """Whether searches go through an approximate index (above the threshold)."""
        return self.n_items > self.settings.threshold

    @property
    def method(self) -> str:
        """``exact``, ``faiss-ivf`` or ``faiss-hnsw``: what :meth:`search` uses."""
        return f"faiss-{self.settings.kind}" if self.approximate else "exact"

    # -- building -------------------------------------------------------------------------
    def _build(self) -> Any:
        import faiss

        n, d = self.vectors.shape
        s = self.settings
        started = time.perf_counter()
        index: Any
        if s.kind == "hnsw":
            index = faiss.IndexHNSWFlat(d, s.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = s.ef_construction
            index.add(self.vectors)
        else:
            nlist = s.nlist or max(1, round(float(np.sqrt(n))))
            quantizer = faiss.IndexFlatIP(d)
            if s.quantize:
                index = faiss.IndexIVFScalarQuantizer(
                    quantizer, d, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
                )
            else:
                index = faiss.IndexIVFFlat(quantizer, d, nlist, faiss.METRIC_INNER_PRODUCT)
            sample = min(n, nlist * s.train_per_list)
            rng = np.random.default_rng(s.seed)
            rows = np.sort(rng.choice(n, size=sample, replace=False)) if sample < n else None
            train = self.vectors if rows is None else self.vectors[rows]
            index.cp.seed = s.seed
            index.cp.min_points_per_centroid = 1  # a small sample is deliberate; no warning
            index.train(train)
            index.add(self.vectors)
        log.info(
            "built ann index kind=%s items=%d dim=%d seconds=%.1f",
            s.kind,
            n,
            d,
            time.perf_counter() - started,
        )
        return index

    def _tune(self, index: Any) -> Any:
        if self.settings.kind == "hnsw":
            index.hnsw.efSearch = self.settings.ef_search
        else:
            index.nprobe = self.settings.nprobe
        return index

    def index(self) -> Any:
        """The FAISS index :meth:`search` uses (built on first use)."""
        if self._index is None:
            self._index = self._tune(self._build()) if self.approximate else self.exact_index()
        return self._index

    def exact_index(self) -> Any:
        """A flat (exhaustive) index over the same vectors: the truth for recall."""
        if self._exact is None:
            import faiss

            exact = faiss.IndexFlatIP(self.vectors.shape[1])
            exact.add(self.vectors)
            self._exact = exact
        return self._exact

    def load_or_build(self, path: Path) -> VectorIndex:
        """Read the approximate index saved at ``path`` for these settings, or build and save
        it there (atomically). Exact search has nothing to save. Returns ``self``."""
        if not self.approximate:
            return self
        import faiss

        file = path.with_name(f"{path.name}-{self.settings.key()}.faiss")
        if file.exists():
            try:
                index = faiss.read_index(str(file))
                if index.ntotal == self.n_items and index.d == self.vectors.shape[1]:
                    self._index = self._tune(index)
                    return self
                log.warning("rebuilding ann index: %s holds %d items", file, index.ntotal)
            except RuntimeError as exc:
                log.warning("rebuilding unreadable ann index file=%s (%s)", file, exc)
        index = self.index()
        tmp = file.with_name(f".{file.name}.{os.getpid()}.tmp")
        faiss.write_index(index, str(tmp))
        tmp.replace(file)
        return self

    # -- searching ------------------------------------------------------------------------
    def search(
        self, queries: np.ndarray, k: int, *, exact: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best items per query row: (indices, scores), each ``len(queries) × k``;
        missing slots hold index -1 and score -inf. ``exact`` searches exhaustively."""
        q = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        k = min(k, self.n_items)
        if k <= 0:
            return np.zeros((len(q), 0), np.int64), np.zeros((len(q), 0), np.float32)
        index = self.exact_index() if exact else self.index()
        scores, ids = index.search(q, k)
        scores = np.where(ids >= 0, scores, -np.inf).astype(np.float32)
        return ids.astype(np.int64), scores

    def nearest(
        self, query: np.ndarray, k: int, exclude: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest items to one query vector, ``exclude`` left out: (indices,
        scores), best first."""
        drop = np.zeros(0, np.int64) if exclude is None else np.asarray(exclude, np.int64)
        if k <= 0 or not np.any(query):
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        ids, scores = self.search(query.reshape(1, -1), k + len(drop))
        keep = (ids[0] >= 0) & ~np.isin(ids[0], drop)
        return ids[0][keep][:k], scores[0][keep][:k]


def recall_at_k(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean share of each row's true top-k (``truth``, -1 = none) that ``found`` holds."""
    if len(truth) == 0:
        return 1.0
    hits = 0
    total = 0
    for got, want in zip(found, truth, strict=True):
        want_set = {int(i) for i in want if i >= 0}
        hits += len(want_set & {int(i) for i in got if i >= 0})
        total += len(want_set)
    return hits / total if total else 1.0
