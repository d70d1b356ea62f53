"""The indexing pipeline: idempotence, replacement, failure isolation, crash safety,
offline operation, and the same pipeline against a real `chroma run` server."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ingest.pipeline import ingest_paths
from rag.embeddings import HashEmbedder
from rag.retrieval import SearchEngine
from rag.store import ChunkStore
from tests.conftest import REVIEWS, ROOT, free_port, need_binary


class CountingEmbedder(HashEmbedder):
    """The real hash embedder, counting the texts it is asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def embed(self, texts):  # noqa: ANN001, ANN201
        self.calls += len(texts)
        return super().embed(texts)


@pytest.fixture
def two_reviews(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    for name in ("bolton-child-a-b.txt", "stockport-child-b-c.txt"):
        shutil.copy(REVIEWS / name, d / name)
    return d


def test_reingesting_unchanged_reviews_does_no_embedding_work(settings, two_reviews):
    emb = CountingEmbedder()
    first = ingest_paths([two_reviews], ChunkStore(settings), emb, settings)
    # one vector per chunk, plus one per sentence for sentence-level search
    assert first.failed == 0 and first.reviews == 2 and emb.calls > first.chunks > 0
    emb.calls = 0
    store = ChunkStore(settings)
    again = ingest_paths([two_reviews], store, emb, settings)
    assert emb.calls == 0
    assert again.skipped_unchanged == 2 and again.embedded == 0
    assert len(store.live_chunks()) == first.chunks


def test_changed_review_replaces_its_old_chunks(settings, two_reviews):
    emb = CountingEmbedder()
    store = ChunkStore(settings)
    ingest_paths([two_reviews], store, emb, settings)
    path = two_reviews / "bolton-child-a-b.txt"
    old_ids = set(store.manifest.reviews["bolton-child-a-b"]["chunk_ids"])
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("stabbed", "fatally stabbed"), encoding="utf-8")
    emb.calls = 0
    res = ingest_paths([path], store, emb, settings)
    new_ids = set(store.manifest.reviews["bolton-child-a-b"]["chunk_ids"])
    assert res.files[0].status == "indexed"
    assert 0 < res.embedded < len(new_ids)  # only the edited chunks were embedded again
    assert old_ids != new_ids
    # the old versions are gone from Chroma, not just from the manifest
    gone = old_ids - new_ids
    assert gone and store.existing_ids(sorted(gone)) == set()
    texts = [c.text for c in store.live_chunks() if c.review_id == "bolton-child-a-b"]
    assert any("fatally stabbed" in t for t in texts)


def test_a_failing_file_fails_alone_and_is_named(settings, two_reviews):
    (two_reviews / "broken.pdf").write_bytes(b"%PDF-1.4\n garbage garbage")
    (two_reviews / "empty.txt").write_bytes(b"")
    res = ingest_paths([two_reviews], ChunkStore(settings), HashEmbedder(), settings)
    assert res.reviews == 2 and res.failed == 2
    failed = {Path(f.path).name: f.error for f in res.files if f.status == "failed"}
    assert set(failed) == {"broken.pdf", "empty.txt"}
    assert all(name in err for name, err in failed.items())


def test_delete_removes_a_review_and_its_vectors(settings, two_reviews):
    store = ChunkStore(settings)
    ingest_paths([two_reviews], store, HashEmbedder(), settings)
    ids = store.manifest.reviews["stockport-child-b-c"]["chunk_ids"]
    n = store.delete_review("stockport-child-b-c")
    assert n == len(ids)
    assert store.existing_ids(ids) == set()
    assert {c.review_id for c in store.live_chunks()} == {"bolton-child-a-b"}


def test_bm25_index_is_persisted_and_kept_in_step(settings, two_reviews):
    store = ChunkStore(settings)
    ingest_paths([two_reviews], store, HashEmbedder(), settings)
    engine = SearchEngine(store, HashEmbedder())
    assert (Path(settings.home) / "bm25" / "ids.json").exists()
    assert engine.search("MARAC", 3, mode="bm25")[0].chunk.review_id == "bolton-child-a-b"
    store.delete_review("bolton-child-a-b")
    engine.refresh()
    hits = engine.search("MARAC Bolton", 5, mode="bm25")
    assert all(p.chunk.review_id == "stockport-child-b-c" for p in hits)


CRASH_SCRIPT = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {root!r})
    import ingest.pipeline as pipeline
    from rag.config import Settings
    from rag.embeddings import HashEmbedder
    from rag.store import ChunkStore

    class Slow(HashEmbedder):
        def embed(self, texts):
            print("batch", flush=True)
            time.sleep(0.4)
            return super().embed(texts)

    pipeline.EMBED_BATCH = 4
    s = Settings(home={home!r}, embedder="hash")
    pipeline.ingest_paths([{path!r}], ChunkStore(s), Slow(), s)
    print("done", flush=True)
    """
)


def test_kill_mid_ingest_leaves_previous_index_searchable_and_rerun_completes(
    settings, two_reviews
):
    store = ChunkStore(settings)
    ingest_paths([two_reviews], store, HashEmbedder(), settings)
    before = store.manifest.reviews["bolton-child-a-b"]["chunk_ids"]
    path = two_reviews / "bolton-child-a-b.txt"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(" the ", " the the "), encoding="utf-8")  # every chunk changes
    script = CRASH_SCRIPT.format(root=str(ROOT), home=str(settings.home), path=str(path))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    seen = 0
    while seen < 3:  # let it upsert a few batches, then kill it hard
        line = proc.stdout.readline()
        assert line, "ingest subprocess ended early"
        seen += line.startswith("batch")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)

    store = ChunkStore(settings)  # as a fresh process would see it
    assert store.manifest.reviews["bolton-child-a-b"]["chunk_ids"] == before
    engine = SearchEngine(store, HashEmbedder())
    hits = engine.search("MARAC referral domestic violence", 5, filters=None)
    assert hits and all(h.chunk.id in set(before) | set(store.manifest.live_ids()) for h in hits)
    assert {c.id for c in store.live_chunks()} >= set(before)

    emb = CountingEmbedder()
    res = ingest_paths([path], store, emb, settings)
    after = store.manifest.reviews["bolton-child-a-b"]["chunk_ids"]
    assert res.files[0].status == "indexed", res.files[0].error
    assert after != before
    assert res.files[0].embedded < len(after)  # vectors stored before the kill were reused
    assert store.existing_ids(before) == set(before) & set(after)  # old versions dropped


OFFLINE_SCRIPT = textwrap.dedent(
    """
    import socket, sys
    sys.path.insert(0, {root!r})
    _connect = socket.socket.connect
    def guard(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("127.0.0.1", "::1", "localhost") and not host.startswith("/"):
            raise OSError(f"network is unreachable (test guard): {{address}}")
        return _connect(self, address)
    socket.socket.connect = guard
    socket.create_connection = lambda *a, **k: (_ for _ in ()).throw(OSError("network is unreachable (test guard)"))

    from ingest.pipeline import ingest_paths
    from rag.config import Settings
    from rag.service import build_pipeline
    from rag.store import ChunkStore
    from rag.answer import answer_question
    s = Settings(home={home!r})
    qa = build_pipeline(s)
    res = ingest_paths([{path!r}], qa.store, qa.embedder, s)
    assert res.failed == 0, res
    qa.refresh()
    hits = qa.engine.search("MARAC referral", 3)
    a = answer_question(qa, "What went wrong with the MARAC referral?")
    print("OK", len(hits), hits[0].chunk.review_id, a.refused)
    """
)


@pytest.mark.integration
def test_pipeline_runs_with_the_network_unreachable(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIKTOKEN")}
    env |= {
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TIKTOKEN_CACHE_DIR": str(tmp_path / "tiktoken"),
    }  # empty: must be seeded offline
    script = OFFLINE_SCRIPT.format(
        root=str(ROOT), home=str(tmp_path / "home"), path=str(REVIEWS / "bolton-child-a-b.txt")
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=600
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "OK 3 bolton-child-a-b False" in out.stdout


@pytest.mark.integration
def test_same_pipeline_against_a_real_chroma_server(tmp_path, two_reviews):
    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    need_binary(Path(chroma).exists(), "the `chroma` server command (pip chromadb)")
    port = free_port()
    proc = subprocess.Popen(
        [
            chroma,
            "run",
            "--path",
            str(tmp_path / "server"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    try:
        deadline = time.time() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.time() < deadline, "chroma server did not start"
                time.sleep(0.3)
        from rag.config import Settings

        s = Settings(home=tmp_path / "home", chroma_url=f"http://127.0.0.1:{port}", embedder="hash")
        store = ChunkStore(s)
        res = ingest_paths([two_reviews], store, HashEmbedder(), s)
        assert res.failed == 0 and res.reviews == 2
        assert store.collection.count() == res.chunks
        engine = SearchEngine(store, HashEmbedder())
        from rag.retrieval import Filters

        hits = engine.search(
            "twins skull fractures", 5, Filters(review_ids=["stockport-child-b-c"])
        )
        assert hits and {h.chunk.review_id for h in hits} == {"stockport-child-b-c"}
        again = ingest_paths([two_reviews], ChunkStore(s), HashEmbedder(), s)
        assert again.skipped_unchanged == 2
        store.delete_review("bolton-child-a-b")
        assert store.collection.count() == len(store.manifest.live_ids())
    finally:
        proc.terminate()
        proc.wait(timeout=20)
