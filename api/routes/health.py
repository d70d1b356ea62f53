from __future__ import annotations

from fastapi import APIRouter

from api.deps import QA
from rag.config import app_version

router = APIRouter(tags=["health"])


@router.get("/health")
def health(qa: QA) -> dict:
    """Liveness plus what is indexed."""
    view = qa.engine.view
    return {
        "status": "ok",
        "version": app_version(),
        "reviews": len(view.metas),
        "chunks": len(view.ordered),
        "embedder": qa.embedder.name,
        "llm": bool(qa.llm),
        "store": "chroma-server" if qa.settings.chroma_url else "chroma-embedded",
    }
