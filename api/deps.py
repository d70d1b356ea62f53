"""Shared dependencies for route modules."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from rag.service import ReviewQA


def get_qa(request: Request) -> ReviewQA:
    return request.app.state.qa


QA = Annotated[ReviewQA, Depends(get_qa)]


def require_api_key(request: Request, x_api_key: Annotated[str | None, Header()] = None) -> None:
    """Write endpoints need ``X-API-Key`` equal to REVIEWQA_API_KEY (writes are off if unset)."""
    expected = request.app.state.qa.settings.api_key
    if not expected:
        raise HTTPException(401, "writes are disabled: set REVIEWQA_API_KEY on the server")
    if not x_api_key or not secrets.compare_digest(x_api_key, expected):
        raise HTTPException(401, "missing or wrong X-API-Key header")


WriteAccess = Depends(require_api_key)
