"""Retrieval benchmark on eval/questions.jsonl: ReviewQA (and each idea switched off)
against the naive LangChain pipeline, built and scored in the same run; plus search
latency in process (warm). Run: .venv/bin/python bench/retrieval.py [--ablations]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eval.baseline import NaiveBaseline  # noqa: E402
from eval.metrics import (  # noqa: E402
    BUDGETS,
    DATASET,
    load_questions,
    mean,
    percentile,
    score_retrieval,
)
from ingest.pipeline import ingest_paths  # noqa: E402
from rag.config import Settings  # noqa: E402
from rag.embeddings import MiniLMEmbedder  # noqa: E402
from rag.service import build_pipeline  # noqa: E402
from rag.store import ChunkStore  # noqa: E402

REVIEWS = ROOT / "data" / "reviews"


def evaluate(search, questions) -> dict:  # noqa: ANN001
    scores = [score_retrieval(q.gold, search(q.question)) for q in questions]
    out = {f"recall@{b}": mean([s.recall[b] for s in scores]) for b in BUDGETS}
    out["all_found@2000"] = mean([float(s.all_found[2000]) for s in scores])
    out["MRR"] = mean([s.rr for s in scores])
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ablations", action="store_true", help="also score each idea switched off")
    ap.add_argument(
        "--questions", type=Path, default=DATASET, help="question set (default: the dev set)"
    )
    args = ap.parse_args()
    questions = [q for q in load_questions(args.questions) if q.answerable]
    emb = MiniLMEmbedder()
    with tempfile.TemporaryDirectory() as tmp:
        s = Settings(home=Path(tmp) / "home")
        ingest_paths([REVIEWS], ChunkStore(s), emb, s)
        qa = build_pipeline(s, embedder=emb)

        def ours(engine):  # noqa: ANN001, ANN202
            return lambda q: [(p.chunk.review_id, p.chunk.text) for p in engine.search(q, 30)]

        results = {"ReviewQA hybrid": evaluate(ours(qa.engine), questions)}
        if args.ablations:
            variants = {
                "rank fusion (RRF k=10)": dict(fusion="rrf"),
                "BM25 as log(1+score)": dict(bm25_scale="log"),
                "dense only": dict(bm25_weight=0.0, sentence_weight=0.0),
                "bm25 only": dict(dense_weight=0.0, sentence_weight=0.0),
                "with sentence vectors": dict(sentence_weight=1.0),
                "acronyms in dense query too": dict(expand_dense=True),
                "no acronym expansion": dict(use_acronyms=False),
                "no everyday-word expansion": dict(use_register=False),
                "no review mentions": dict(use_mentions=False),
                "no kind boost": dict(use_kinds=False),
                "no cross-review diversity": dict(diversify=False),
                "no neighbour lift": dict(neighbour_weight=0.0),
            }
            for name, cfg in variants.items():
                results[name] = evaluate(ours(qa.engine.with_config(**cfg)), questions)
        base = NaiveBaseline(REVIEWS, emb)
        results["naive LangChain"] = evaluate(lambda q: base.search(q, 30), questions)

        # latency, warm (model loaded), in process, query embedding included every time
        qa.engine.query_cache_size = 0
        qs = [q.question for q in load_questions(args.questions)]
        for q in qs[:5]:
            qa.engine.search(q, 10)
        lat = []
        for _ in range(3):
            for q in qs:
                t0 = time.perf_counter()
                qa.engine.search(q, 10)
                lat.append((time.perf_counter() - t0) * 1000)
        base.close()

    cols = [f"recall@{b}" for b in BUDGETS] + ["all_found@2000", "MRR"]
    print(f"{len(questions)} answerable questions from {args.questions.name}\n")
    print(f"{'':28}" + "".join(f"{c:>16}" for c in cols))
    for name, r in results.items():
        print(f"{name:28}" + "".join(f"{r[c]:>16.3f}" for c in cols))
    ours_r, base_r = results["ReviewQA hybrid"], results["naive LangChain"]
    print(f"{'gain over naive':28}" + "".join(f"{ours_r[c] - base_r[c]:>+16.3f}" for c in cols))
    print(
        f"\nsearch latency (warm, in process, {len(lat)} queries): p50 {statistics.median(lat):.1f} ms, "
        f"p95 {percentile(lat, 95):.1f} ms"
    )


if __name__ == "__main__":
    main()
