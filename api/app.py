"""The FastAPI app, built in a factory; the core pipeline lives in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from rag.config import Settings, app_version
from rag.errors import IndexNotFound, IngestError, ReviewQAError
from rag.service import ReviewQA, build_pipeline

STATIC = Path(__file__).parent / "static"


def _field(loc: tuple) -> str:
    """('body', 'filters', 'kinds') -> 'filters.kinds'; the first element names where
    the input was (body, query string, path, header), not the field."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def create_app(settings: Settings | None = None, qa: ReviewQA | None = None) -> FastAPI:
    """The app; pass ``qa`` to serve an already-built pipeline (tests)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.qa = qa or build_pipeline(settings or Settings())
        yield

    app = FastAPI(
        title="ReviewQA",
        description="Questions over UK Serious Case Reviews, answered with verified citations.",
        version=app_version(),
        lifespan=lifespan,
    )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for e in exc.errors():
            msg = str(e.get("msg", "invalid")).removeprefix("Value error, ")
            if e.get("type") == "extra_forbidden":
                msg = "unknown field"
            errors.append({"field": _field(tuple(e.get("loc", ()))), "message": msg})
        detail = "; ".join(f"{x['field']}: {x['message']}" for x in errors)
        return JSONResponse(status_code=422, content={"detail": detail, "errors": errors})

    @app.exception_handler(IndexNotFound)
    async def _not_found(request: Request, exc: IndexNotFound) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": str(exc)})

    @app.exception_handler(IngestError)
    async def _ingest(request: Request, exc: IngestError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": str(exc)})

    @app.exception_handler(ReviewQAError)
    async def _other(request: Request, exc: ReviewQAError) -> JSONResponse:
        return JSONResponse(status_code=400, content={"detail": str(exc)})

    from api.routes import ask, evaluate, health, reviews, search

    for module in (health, reviews, search, ask, evaluate):
        app.include_router(module.router)

    if STATIC.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC), name="static")

        @app.get("/", include_in_schema=False)
        def index() -> FileResponse:
            return FileResponse(STATIC / "index.html")

    return app
