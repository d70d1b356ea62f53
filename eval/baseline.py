"""The naive LangChain pipeline we measure ourselves against, built in the same run:
RecursiveCharacterTextSplitter(1000, 200) over each review's raw text, the same MiniLM
embedder, Chroma (cosine), top-k by vector similarity. No section awareness, no BM25."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, cast

from langchain_text_splitters import RecursiveCharacterTextSplitter

from rag.embeddings import Embedder


class NaiveBaseline:
    def __init__(self, reviews_dir: Path, embedder: Embedder) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        self.embedder = embedder
        self.tmp = tempfile.TemporaryDirectory(prefix="reviewqa-baseline-")
        client = chromadb.PersistentClient(
            path=self.tmp.name, settings=ChromaSettings(anonymized_telemetry=False)
        )
        # chromadb's own types end at this edge (as in rag/store.py)
        self.col: Any = cast(
            Any,
            client.get_or_create_collection(
                "baseline", metadata={"hnsw:space": "cosine"}, embedding_function=None
            ),
        )
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        ids, texts, metas = [], [], []
        for f in sorted(reviews_dir.glob("*.txt")):
            raw = f.read_text(encoding="utf-8")
            for i, piece in enumerate(splitter.split_text(raw)):
                ids.append(f"{f.stem}-{i}")
                texts.append(piece)
                metas.append({"review_id": f.stem})
        self.n_chunks = len(texts)
        vecs = embedder.embed(texts)
        for i in range(0, len(ids), 256):
            self.col.add(
                ids=ids[i : i + 256],
                embeddings=vecs[i : i + 256],
                documents=texts[i : i + 256],
                metadatas=metas[i : i + 256],
            )

    def search(self, query: str, k: int = 20) -> list[tuple[str, str]]:
        """(review_id, text) best first."""
        res = self.col.query(
            query_embeddings=self.embedder.embed([query]),
            n_results=k,
            include=["documents", "metadatas"],
        )
        return [
            (m["review_id"], d)
            for d, m in zip(res["documents"][0], res["metadatas"][0], strict=True)
        ]

    def close(self) -> None:
        self.tmp.cleanup()
