"""Shared fixtures: real Chroma in tmp dirs, the hash embedder for unit tests, the real
packaged MiniLM for integration tests, and one index of the bundled corpus per session."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REVIEWS = ROOT / "data" / "reviews"
REVIEW_IDS = [
    "bolton-child-a-b",
    "stockport-child-b-c",
    "buckinghamshire-child-v",
    "luton-child-j",
    "lambeth-child-k",
]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def need_binary(ok: bool, what: str) -> None:
    """Skip when an outside binary is missing, except in CI, where that is a failure."""
    if ok:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI (CI=true) but is missing")
    pytest.skip(f"{what} not available")


@pytest.fixture
def settings(tmp_path: Path):
    from rag.config import Settings

    return Settings(home=tmp_path / "home", embedder="hash", api_key="test-key")


@pytest.fixture(scope="session")
def minilm():
    from rag.embeddings import MiniLMEmbedder

    return MiniLMEmbedder()


@pytest.fixture(scope="session")
def corpus_home(tmp_path_factory: pytest.TempPathFactory, minilm) -> Path:
    """The bundled corpus indexed once per session with the real embedder."""
    from ingest.pipeline import ingest_paths
    from rag.config import Settings
    from rag.store import ChunkStore

    home = tmp_path_factory.mktemp("corpus") / "home"
    s = Settings(home=home)
    summary = ingest_paths([REVIEWS], ChunkStore(s), minilm, s)
    assert summary.failed == 0, summary.files
    return home


@pytest.fixture(scope="session")
def corpus_qa(corpus_home: Path, minilm):
    """A read-only pipeline over the session's corpus index (do not write to it)."""
    from rag.config import Settings
    from rag.service import build_pipeline

    return build_pipeline(Settings(home=corpus_home, api_key="test-key"), embedder=minilm)


@pytest.fixture
def corpus_copy(corpus_home: Path, tmp_path: Path, minilm):
    """A writable pipeline over a private copy of the corpus index."""
    from rag.config import Settings
    from rag.service import build_pipeline

    home = tmp_path / "home"
    shutil.copytree(corpus_home, home)
    return build_pipeline(Settings(home=home, api_key="test-key"), embedder=minilm)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, app) -> None:  # noqa: ANN001
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.time() + 30
        while not self.server.started:
            if time.time() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(corpus_qa) -> Iterator[LiveServer]:
    """A real uvicorn server on 127.0.0.1 over the session's corpus index."""
    from api.app import create_app

    with LiveServer(create_app(qa=corpus_qa)) as srv:
        yield srv
