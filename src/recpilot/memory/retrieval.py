"""Memory retrieval: the earlier turns and feedback most relevant to a new message, by
embedding similarity blended with recency, instead of pasting everything."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from recpilot.memory.store import MemoryEntry, MemoryStore
from recpilot.models.embedders import Embedder

DAY = 86_400.0


@dataclass(frozen=True)
class RetrievalSettings:
    k: int = 3
    recency_weight: float = 0.3  # score = cosine + w · 2^(-age / half_life)
    half_life_s: float = 14 * DAY
    min_similarity: float = 0.05  # below this a memory is not relevant, however recent


@dataclass(frozen=True)
class Retrieved:
    entry: MemoryEntry
    similarity: float
    score: float


class MemoryRetriever:
    """Embeds memories and queries with one embedder; reads only the asking user's rows."""

    def __init__(self, embedder: Embedder, settings: RetrievalSettings | None = None) -> None:
        self.embedder = embedder
        self.settings = settings or RetrievalSettings()

    def vector(self, text: str) -> np.ndarray:
        return np.asarray(self.embedder.encode([text])[0], dtype=np.float32)

    def remember(
        self, store: MemoryStore, user_id: str | None, session_id: str | None, kind: str, text: str
    ) -> str:
        return store.add_memory(user_id, session_id, kind, text, self.vector(text))

    def retrieve(
        self,
        store: MemoryStore,
        user_id: str | None,
        query: str,
        *,
        session_id: str | None = None,
        now: float | None = None,
        exclude_session: str | None = None,
    ) -> list[Retrieved]:
        entries = [
            e
            for e in store.memories(user_id, session_id)
            if exclude_session is None or e.session_id != exclude_session
        ]
        if not entries:
            return []
        now = time.time() if now is None else now
        q = self.vector(query)
        matrix = np.asarray([e.vector for e in entries], dtype=np.float32)
        if matrix.shape[1] != q.shape[0]:  # written by another embedder: compare nothing
            return []
        sims = matrix @ q
        s = self.settings
        out = []
        for entry, sim in zip(entries, sims, strict=True):
            if sim < s.min_similarity:
                continue
            age = max(now - entry.created_at, 0.0)
            recency = math.pow(2.0, -age / s.half_life_s)
            out.append(Retrieved(entry, float(sim), float(sim) + s.recency_weight * recency))
        out.sort(key=lambda r: (-r.score, r.entry.memory_id))
        return out[: s.k]
