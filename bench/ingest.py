"""Ingest benchmark on the bundled corpus: ReviewQA vs a naive LangChain pipeline.

Prints chunks, tokens, seconds cold, seconds for an unchanged re-ingest, embedding
tokens/s and peak memory (RSS high-water mark of this process), for both, and ratios.
Run: .venv/bin/python bench/ingest.py
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eval.baseline import NaiveBaseline  # noqa: E402
from ingest.pipeline import ingest_paths  # noqa: E402
from rag.config import Settings  # noqa: E402
from rag.embeddings import MiniLMEmbedder  # noqa: E402
from rag.store import ChunkStore  # noqa: E402
from rag.tokens import count_tokens  # noqa: E402

REVIEWS = ROOT / "data" / "reviews"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    emb = MiniLMEmbedder()
    emb.embed(["warm up"])  # load the model outside the timings
    print(f"model loaded; peak RSS {peak_mb():.0f} MB")
    with tempfile.TemporaryDirectory() as tmp:
        s = Settings(home=Path(tmp) / "home")
        store = ChunkStore(s)
        t0 = time.perf_counter()
        summary = ingest_paths([REVIEWS], store, emb, s)
        cold = time.perf_counter() - t0
        chunks = store.live_chunks()
        tokens = sum(c.tokens for c in chunks)
        embed_tokens = sum(count_tokens(c.embed_text) for c in chunks)
        t0 = time.perf_counter()
        again = ingest_paths([REVIEWS], ChunkStore(s), emb, s)
        warm = time.perf_counter() - t0
        mem_rq = peak_mb()
    assert summary.failed == 0 and again.skipped_unchanged == summary.reviews

    t0 = time.perf_counter()
    base = NaiveBaseline(REVIEWS, emb)
    base_cold = time.perf_counter() - t0
    got = base.col.get(include=["documents"])["documents"]
    base_tokens = sum(count_tokens(d) for d in got)
    base.close()

    rows = [
        ("chunks", summary.chunks, base.n_chunks),
        ("tokens (chunk text)", tokens, base_tokens),
        ("seconds cold", round(cold, 1), round(base_cold, 1)),
        ("seconds unchanged re-ingest", round(warm, 2), "n/a (no dedupe)"),
        ("embedded tokens/s", round(embed_tokens / cold), round(base_tokens / base_cold)),
        ("chunks embedded on re-ingest", again.embedded, "all"),
    ]
    print(f"\n{'':32} {'ReviewQA':>12} {'naive LC':>16}")
    for name, a, b in rows:
        print(f"{name:32} {a!s:>12} {b!s:>16}")
    print(f"\ncold-ingest time ratio ReviewQA/naive: {cold / base_cold:.2f}")
    print(f"peak RSS after ReviewQA ingest: {mem_rq:.0f} MB; after both: {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
