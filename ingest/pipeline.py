"""Ingest pipeline: files -> load -> parse -> chunk -> embed what is new -> upsert -> commit.

- Idempotent: chunk ids are content hashes; an unchanged file (same sha256, same parser
  version) is skipped before parsing, and a changed file embeds only chunks whose text
  is new.
- Failure-isolated: each file is processed on its own; a failure is recorded in the
  summary with the file's name and the reason, and the other files go on.
- Crash-safe: the manifest write in ``ChunkStore.commit_review`` is the only commit
  point (see rag/store.py); vectors are upserted in batches before it, so a killed run
  leaves the old index live and a re-run reuses the vectors already stored.
"""

from __future__ import annotations

import time
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ingest.chunker import chunk_review
from ingest.loaders import LOADERS, load_document, review_id_for
from ingest.sections import parse_review
from rag.config import Settings
from rag.embeddings import Embedder
from rag.errors import IngestError, ReviewQAError
from rag.sentences import VERSION as SENTENCES_VERSION
from rag.sentences import sentence_units
from rag.store import ChunkStore
from rag.types import Chunk, ParsedReview

# Bump when the parser or chunker changes what they produce: every review is re-chunked.
PARSER_VERSION = f"2026-11-22.2+sentences{SENTENCES_VERSION}"
EMBED_BATCH = 64


class FileResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    review_id: str | None = None
    status: Literal["indexed", "unchanged", "failed"]
    sections: int = 0
    chunks: int = 0
    embedded: int = 0
    error: str | None = None
    warnings: list[str] = []


class IngestSummary(BaseModel):
    model_config = ConfigDict(extra="forbid")

    files: list[FileResult]
    reviews: int
    sections: int
    chunks: int
    embedded: int
    skipped_unchanged: int
    failed: int
    seconds: float

    @property
    def ok(self) -> bool:
        return self.failed == 0


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Expand folders into the supported files they hold (sorted); keep files as given."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(
                f for f in sorted(p.iterdir()) if f.is_file() and f.suffix.lower() in LOADERS
            )
        else:
            out.append(p)
    return out


def load_overrides(path: Path) -> dict[str, Any]:
    """Metadata overrides for a file from ``reviews.toml`` in its folder, if present."""
    toml = path.parent / "reviews.toml"
    if not toml.exists():
        return {}
    try:
        data = tomllib.loads(toml.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise IngestError(str(toml), f"invalid metadata file: {e}") from e
    entry = data.get(review_id_for(path), {})
    return entry if isinstance(entry, dict) else {}


def prepare(path: str | Path, settings: Settings) -> tuple[ParsedReview, list[Chunk]]:
    """Load, parse and chunk one file, touching no index (CLI `outline` and `chunks`)."""
    p = Path(path)
    doc = load_document(p)
    parsed = parse_review(doc, load_overrides(p))
    chunks = chunk_review(
        parsed, target=settings.chunk_target_tokens, max_tokens=settings.chunk_max_tokens
    )
    return parsed, chunks


def _unchanged(store: ChunkStore, review_id: str, sha: str) -> bool:
    entry = store.manifest.reviews.get(review_id)
    return entry is not None and entry["sha256"] == sha and entry.get("parser") == PARSER_VERSION


def embed_sentences(chunks: list[Chunk], store: ChunkStore, embedder: Embedder) -> int:
    """Store one vector per sentence of each chunk that lacks them (sentence-level dense
    search, and the answerer's sentence scores without embedding at question time)."""
    done = store.chunks_with_sentences([c.id for c in chunks])
    todo = [c for c in chunks if c.id not in done]
    store.delete_sentences([c.id for c in todo])  # rows of an older split, if any
    rows = []
    for c in todo:
        units = sentence_units(c.text) or [(0, len(c.text))]
        for n, (s, e) in enumerate(units):
            rows.append((c.id, n, s, e, c.text[s:e], n == len(units) - 1))
    for i in range(0, len(rows), EMBED_BATCH * 4):
        part = rows[i : i + EMBED_BATCH * 4]
        store.upsert_sentences(part, embedder.embed([r[4] for r in part]))
    return len(rows)


def ingest_file(
    path: Path, store: ChunkStore, embedder: Embedder, settings: Settings
) -> FileResult:
    doc = load_document(path)
    entry = store.manifest.reviews.get(doc.review_id)
    if entry and entry["meta"].get("source_file") not in (None, "", path.name):
        raise IngestError(
            str(path),
            f"review id {doc.review_id!r} is already used by {entry['meta']['source_file']!r}; "
            "rename the file or delete that review first",
        )
    if _unchanged(store, doc.review_id, doc.sha256):
        return FileResult(
            path=str(path),
            review_id=doc.review_id,
            status="unchanged",
            chunks=len(entry["chunk_ids"]) if entry else 0,
        )
    parsed = parse_review(doc, load_overrides(path))
    chunks = chunk_review(
        parsed, target=settings.chunk_target_tokens, max_tokens=settings.chunk_max_tokens
    )
    live = [c for c in chunks if c.duplicate_of is None]
    if not live:
        raise IngestError(str(path), "no indexable text was found after parsing")
    ids = [c.id for c in live]
    with store.lock:
        have = store.vectors(sorted(store.existing_ids(ids)))
    new = [c for c in live if c.id not in have]
    # Vectors we already hold are reused; their records are rewritten (line numbers and
    # labels may have moved even when the embedded text did not).
    old = [c for c in live if c.id in have]
    if old:
        store.upsert(old, [have[c.id] for c in old])
    for i in range(0, len(new), EMBED_BATCH):
        batch = new[i : i + EMBED_BATCH]
        store.upsert(batch, embedder.embed([c.embed_text for c in batch]))
    embed_sentences(live, store, embedder)
    store.commit_review(parsed.meta, PARSER_VERSION, ids, parsed.acronyms)
    return FileResult(
        path=str(path),
        review_id=parsed.meta.review_id,
        status="indexed",
        sections=len(parsed.sections),
        chunks=len(live),
        embedded=len(new),
        warnings=list(parsed.warnings),
    )


def ingest_paths(
    paths: Iterable[str | Path],
    store: ChunkStore,
    embedder: Embedder,
    settings: Settings,
    progress: Callable[[Path, FileResult], None] | None = None,
) -> IngestSummary:
    """Ingest every file under ``paths``; failures are reported, never raised."""
    t0 = time.perf_counter()
    results: list[FileResult] = []
    for path in discover(paths):
        try:
            res = ingest_file(path, store, embedder, settings)
        except ReviewQAError as e:
            res = FileResult(path=str(path), status="failed", error=str(e))
        except Exception as e:  # noqa: BLE001 - one bad file must not stop the others
            res = FileResult(
                path=str(path), status="failed", error=f"{path.name!r}: {type(e).__name__}: {e}"
            )
        results.append(res)
        if progress:
            progress(path, res)
    ok = [r for r in results if r.status != "failed"]
    return IngestSummary(
        files=results,
        reviews=len(ok),
        sections=sum(r.sections for r in ok),
        chunks=sum(r.chunks for r in ok),
        embedded=sum(r.embedded for r in ok),
        skipped_unchanged=sum(r.status == "unchanged" for r in results),
        failed=sum(r.status == "failed" for r in results),
        seconds=round(time.perf_counter() - t0, 2),
    )
