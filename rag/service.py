"""The assembled core: settings, store, embedder, search engine and answerer.

Built by ``build_pipeline`` (nothing opens Chroma or loads a model at import time); the
API holds one in its lifespan, the CLI builds one per command.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rag.config import Settings
from rag.embeddings import Embedder, build_embedder
from rag.retrieval import RetrievalConfig, SearchEngine
from rag.store import ChunkStore


@dataclass
class ReviewQA:
    settings: Settings
    store: ChunkStore
    embedder: Embedder
    engine: SearchEngine
    llm: Any | None = None

    def refresh(self) -> None:
        """Call after the index changed (ingest or delete)."""
        self.engine.refresh()


def build_pipeline(
    settings: Settings | None = None,
    *,
    embedder: Embedder | None = None,
    store: ChunkStore | None = None,
    llm: Any | None = None,
    retrieval: RetrievalConfig | None = None,
) -> ReviewQA:
    settings = settings or Settings()
    store = store or ChunkStore(settings)
    embedder = embedder or build_embedder(settings)
    if llm is None and settings.llm_base_url:
        from rag.llm import build_chat_model

        llm = build_chat_model(settings)
    engine = SearchEngine(store, embedder, retrieval)
    return ReviewQA(settings=settings, store=store, embedder=embedder, engine=engine, llm=llm)
