"""The index: chunk vectors in Chroma, plus a manifest that says which chunks are live.

Chroma holds vectors and the chunk records. The manifest (``HOME/manifest.json``) is the
commit point: a review's chunks become searchable only when the manifest names them, and
the manifest is replaced atomically (write + rename). So a crash mid-ingest leaves the
previous manifest, and with it the previous index, exactly as it was; a re-run finds the
chunks already embedded and finishes the job.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from rag.config import Settings
from rag.errors import IndexNotFound
from rag.sentences import VERSION as SENTENCES_VERSION
from rag.types import Acronym, Chunk, ReviewMeta

MANIFEST_VERSION = 1


# --- the one place a Chunk is flattened into Chroma's scalar metadata -----------------


def chunk_to_metadata(chunk: Chunk) -> dict[str, Any]:
    """Scalar metadata for filtering, plus the whole record as JSON for reading back."""
    return {
        "review_id": chunk.review_id,
        "kind": chunk.kind,
        "year": chunk.year if chunk.year is not None else -1,
        "section_top": chunk.section_path[0] if chunk.section_path else "",
        "order": chunk.order,
        "record": chunk.model_dump_json(),
    }


def metadata_to_chunk(meta: dict[str, Any]) -> Chunk:
    return Chunk.model_validate_json(meta["record"])


class Manifest:
    """review_id -> {meta, sha256, parser, chunk_ids}; persisted atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.reviews: dict[str, dict[str, Any]] = {}
        if path.exists():
            data = json.loads(path.read_text(encoding="utf-8"))
            self.reviews = data.get("reviews", {})

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(
            json.dumps({"version": MANIFEST_VERSION, "reviews": self.reviews}, indent=1),
            encoding="utf-8",
        )
        os.replace(tmp, self.path)

    def live_ids(self) -> list[str]:
        return [cid for r in self.reviews.values() for cid in r["chunk_ids"]]

    def metas(self) -> list[ReviewMeta]:
        return [ReviewMeta.model_validate(r["meta"]) for r in self.reviews.values()]


class ChunkStore:
    """Chroma collection + manifest. Thread-safe for one writer and many readers."""

    def __init__(self, settings: Settings, client: Any | None = None) -> None:
        self.settings = settings
        self.home = Path(settings.home)
        self.home.mkdir(parents=True, exist_ok=True)
        self._client = client
        self._collection = None
        self._sentences = None
        self.lock = threading.RLock()
        self.manifest = Manifest(self.home / "manifest.json")

    @property
    def client(self) -> Any:
        if self._client is None:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            chroma_settings = ChromaSettings(anonymized_telemetry=False)
            if self.settings.chroma_url:
                u = urlparse(self.settings.chroma_url)
                self._client = chromadb.HttpClient(
                    host=u.hostname or "127.0.0.1",
                    port=u.port or 8000,
                    ssl=u.scheme == "https",
                    settings=chroma_settings,
                )
            else:
                self._client = chromadb.PersistentClient(
                    path=str(self.home / "chroma"), settings=chroma_settings
                )
        return self._client

    @property
    def collection(self) -> Any:
        if self._collection is None:
            # embedding_function=None: Chroma's default embedder downloads a model and
            # fails offline; we always pass vectors ourselves.
            self._collection = self.client.get_or_create_collection(
                self.settings.collection,
                metadata={"hnsw:space": "cosine"},
                embedding_function=None,
            )
        return self._collection

    @property
    def sentence_collection(self) -> Any:
        """One vector per sentence of each chunk (id ``{chunk_id}:{i}``), for sentence-level
        dense search; kept in step with the chunks by ``delete_ids``."""
        if self._sentences is None:
            self._sentences = self.client.get_or_create_collection(
                f"{self.settings.collection}-sentences",
                metadata={"hnsw:space": "cosine"},
                embedding_function=None,
            )
        return self._sentences

    # --- writes ------------------------------------------------------------------

    def chunks_with_sentences(self, chunk_ids: list[str]) -> set[str]:
        """Chunk ids whose sentence vectors are stored (the last one written counts)."""
        out: set[str] = set()
        for i in range(0, len(chunk_ids), 200):
            part = chunk_ids[i : i + 200]
            got = self.sentence_collection.get(
                where={
                    "$and": [
                        {"chunk_id": {"$in": part}},
                        {"last": True},
                        {"v": SENTENCES_VERSION},
                    ]
                },
                include=["metadatas"],
            )
            out.update(m["chunk_id"] for m in got["metadatas"])
        return out

    def delete_sentences(self, chunk_ids: list[str]) -> None:
        for i in range(0, len(chunk_ids), 200):
            self.sentence_collection.delete(where={"chunk_id": {"$in": chunk_ids[i : i + 200]}})

    def upsert_sentences(
        self, rows: list[tuple[str, int, int, int, str, bool]], vectors: list[list[float]]
    ) -> None:
        """rows: (chunk_id, index, start, end, text, is_last). The last row of a chunk is
        flagged, and written last, so a crash part-way leaves the chunk 'not stored'."""
        for i in range(0, len(rows), 256):
            part = rows[i : i + 256]
            self.sentence_collection.upsert(
                ids=[f"{r[0]}:{r[1]}" for r in part],
                embeddings=vectors[i : i + 256],
                documents=[r[4] for r in part],
                metadatas=[
                    {
                        "chunk_id": r[0],
                        "start": r[2],
                        "end": r[3],
                        "last": r[5],
                        "v": SENTENCES_VERSION,
                    }
                    for r in part
                ],
            )

    def sentence_vectors(
        self, chunk_ids: list[str]
    ) -> dict[str, list[tuple[int, int, list[float]]]]:
        """chunk id -> [(start, end, vector)] in text order."""
        out: dict[str, list[tuple[int, int, list[float]]]] = {}
        for i in range(0, len(chunk_ids), 200):
            part = chunk_ids[i : i + 200]
            got = self.sentence_collection.get(
                where={"chunk_id": {"$in": part}}, include=["metadatas", "embeddings"]
            )
            for m, v in zip(got["metadatas"], got["embeddings"], strict=True):
                out.setdefault(m["chunk_id"], []).append((m["start"], m["end"], list(v)))
        for rows in out.values():
            rows.sort(key=lambda r: r[0])
        return out

    def existing_ids(self, ids: list[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(ids), 500):
            found.update(self.collection.get(ids=ids[i : i + 500], include=[])["ids"])
        return found

    def vectors(self, ids: list[str]) -> dict[str, list[float]]:
        """Stored vectors by id. A process killed mid-write can leave ids whose vector
        never reached Chroma's vector segment; those are left out (re-embed them)."""
        out: dict[str, list[float]] = {}
        for i in range(0, len(ids), 200):
            part = ids[i : i + 200]
            try:
                got = self.collection.get(ids=part, include=["embeddings"])
                out.update({k: list(v) for k, v in zip(got["ids"], got["embeddings"], strict=True)})
            except Exception:  # noqa: BLE001 - chromadb raises InternalError; find the bad ids
                for one in part:
                    try:
                        got = self.collection.get(ids=[one], include=["embeddings"])
                        out.update(
                            {k: list(v) for k, v in zip(got["ids"], got["embeddings"], strict=True)}
                        )
                    except Exception:  # noqa: BLE001
                        continue
        return out

    def upsert(self, chunks: list[Chunk], vectors: list[list[float]]) -> None:
        for i in range(0, len(chunks), 256):
            part = chunks[i : i + 256]
            self.collection.upsert(
                ids=[c.id for c in part],
                embeddings=vectors[i : i + 256],
                documents=[c.embed_text for c in part],
                metadatas=[chunk_to_metadata(c) for c in part],
            )

    def delete_ids(self, ids: list[str]) -> None:
        for i in range(0, len(ids), 500):
            self.collection.delete(ids=ids[i : i + 500])
        for i in range(0, len(ids), 200):
            self.sentence_collection.delete(where={"chunk_id": {"$in": ids[i : i + 200]}})

    def commit_review(
        self,
        meta: ReviewMeta,
        parser_version: str,
        chunk_ids: list[str],
        acronyms: Iterable[Acronym] = (),
    ) -> None:
        """Make ``chunk_ids`` the live chunks of ``meta.review_id`` (atomic), then drop
        vectors that no live review references."""
        with self.lock:
            old = self.manifest.reviews.get(meta.review_id, {}).get("chunk_ids", [])
            self.manifest.reviews[meta.review_id] = {
                "meta": meta.model_dump(mode="json"),
                "sha256": meta.sha256,
                "parser": parser_version,
                "chunk_ids": chunk_ids,
                "acronyms": [a.model_dump(mode="json") for a in acronyms],
            }
            self.manifest.save()
            live = set(self.manifest.live_ids())
            self.delete_ids([i for i in old if i not in live])

    def delete_review(self, review_id: str) -> int:
        with self.lock:
            entry = self.manifest.reviews.pop(review_id, None)
            if entry is None:
                raise IndexNotFound(f"no review {review_id!r} in the index")
            self.manifest.save()
            live = set(self.manifest.live_ids())
            self.delete_ids([i for i in entry["chunk_ids"] if i not in live])
            return len(entry["chunk_ids"])

    # --- reads -------------------------------------------------------------------

    def live_chunks(self) -> list[Chunk]:
        """All chunks the manifest names, in review then document order."""
        ids = self.manifest.live_ids()
        chunks: list[Chunk] = []
        for i in range(0, len(ids), 500):
            got = self.collection.get(ids=ids[i : i + 500], include=["metadatas"])
            chunks.extend(metadata_to_chunk(m) for m in got["metadatas"])
        chunks.sort(key=lambda c: (c.review_id, c.order))
        return chunks

    def query(
        self, vector: list[float], k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) for the ``k`` nearest vectors."""
        n = self.collection.count()
        if n == 0:
            return []
        res = self.collection.query(
            query_embeddings=[vector],
            n_results=min(k, n),
            where=where or None,
            include=["distances"],
        )
        return [(i, 1.0 - d) for i, d in zip(res["ids"][0], res["distances"][0], strict=True)]
