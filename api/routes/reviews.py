from __future__ import annotations

import re
import tempfile
from collections import Counter
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, UploadFile
from starlette.concurrency import run_in_threadpool

from api.deps import QA, WriteAccess
from api.schemas import ReviewOut
from ingest.loaders import LOADERS
from ingest.pipeline import ingest_paths

router = APIRouter(tags=["reviews"])


def _reviews(qa) -> list[ReviewOut]:  # noqa: ANN001
    view = qa.engine.view
    out = []
    for m in view.metas:
        chunks = view.by_review.get(m.review_id, [])
        out.append(
            ReviewOut(
                review_id=m.review_id,
                title=m.title,
                children=list(m.children),
                boards=list(m.boards),
                year=m.year,
                review_model=m.review_model,
                source_file=m.source_file,
                format=m.format,
                chunks=len(chunks),
                kinds=dict(Counter(c.kind for c in chunks)),
            )
        )
    return sorted(out, key=lambda r: r.title)


@router.get("/reviews")
def list_reviews(qa: QA) -> list[ReviewOut]:
    """Indexed reviews with metadata and chunk counts."""
    return _reviews(qa)


@router.post("/reviews", dependencies=[WriteAccess], status_code=201)
async def upload_review(request: Request, file: UploadFile, qa: QA) -> dict:
    """Upload one review file (txt, md, pdf, docx) and index it. Needs X-API-Key."""
    name = Path(file.filename or "").name
    suffix = Path(name).suffix.lower()
    if suffix not in LOADERS:
        raise HTTPException(
            415,
            f"unsupported file type {suffix or '(none)'!r} for {name!r}; "
            f"use one of {sorted(LOADERS)}",
        )
    limit = qa.settings.max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(413, f"{name!r} is larger than the {limit:,}-byte upload limit")
    safe = re.sub(r"[^A-Za-z0-9._ -]+", "-", name).strip() or f"upload{suffix}"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / safe
        path.write_bytes(data)

        def work():  # noqa: ANN202 - parsing and embedding are CPU work: off the event loop
            with qa.store.lock:
                summary = ingest_paths([path], qa.store, qa.embedder, qa.settings)
            qa.refresh()
            return summary

        summary = await run_in_threadpool(work)
    result = summary.files[0]
    if result.status == "failed":
        raise HTTPException(422, result.error or f"could not ingest {name!r}")
    return result.model_dump()


@router.delete("/reviews/{review_id}", dependencies=[WriteAccess])
def delete_review(review_id: str, qa: QA) -> dict:
    """Remove one review and its chunks from the index. Needs X-API-Key."""
    with qa.store.lock:
        removed = qa.store.delete_review(review_id)
    qa.refresh()
    return {"review_id": review_id, "deleted_chunks": removed}
