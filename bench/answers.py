"""Answer benchmark on eval/questions.jsonl (extractive mode): refusal calibration,
citation validity, answer-fact recall, /ask latency in process; then 16 concurrent
clients against a real uvicorn server on 127.0.0.1 for 30 s.

Run: .venv/bin/python bench/answers.py [--seconds 30] [--clients 16]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from eval.metrics import DATASET, fact_recall, load_questions, mean, percentile  # noqa: E402
from ingest.pipeline import ingest_paths  # noqa: E402
from rag.answer import answer_question, score_candidates, unknown_terms  # noqa: E402
from rag.config import Settings  # noqa: E402
from rag.embeddings import MiniLMEmbedder  # noqa: E402
from rag.service import build_pipeline  # noqa: E402
from rag.store import ChunkStore  # noqa: E402

REVIEWS = ROOT / "data" / "reviews"


def calibration(qa, questions) -> None:  # noqa: ANN001
    """Best evidence score per question, to show where the refusal threshold sits."""
    rows = []
    for q in questions:
        passages = qa.engine.search(q.question, 8)
        best = max((c.match for c in score_candidates(qa, q.question, passages)), default=0.0)
        rows.append((best, q.answerable, bool(unknown_terms(q.question, qa).names), q.id))
    current = qa.settings.refuse_below
    print(
        f"refusal calibration (evidence score and unknown names only; "
        f"Settings.refuse_below = {current}):"
    )
    for t in sorted({0.40, 0.44, 0.46, 0.48, 0.50, 0.52, current}):
        ref_un = sum(1 for b, a, u, _ in rows if not a and (b < t or u))
        ref_ans = sum(1 for b, a, u, _ in rows if a and (b < t or u))
        n_un = sum(1 for r in rows if not r[1])
        n_ans = len(rows) - n_un
        mark = "  <- in use" if t == current else ""
        print(
            f"  t={t:.2f}: unanswerable refused {ref_un}/{n_un}, "
            f"answerable wrongly refused {ref_ans}/{n_ans}{mark}"
        )
    un = sorted(b for b, a, _, _ in rows if not a)
    an = sorted(b for b, a, _, _ in rows if a)
    print(f"  unanswerable scores: {[round(x, 3) for x in un]}")
    print(f"  answerable lowest 8: {[round(x, 3) for x in an[:8]]}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument(
        "--questions", type=Path, default=DATASET, help="question set (default: the dev set)"
    )
    args = ap.parse_args()
    questions = load_questions(args.questions)
    emb = MiniLMEmbedder()
    with tempfile.TemporaryDirectory() as tmp:
        s = Settings(home=Path(tmp) / "home")
        ingest_paths([REVIEWS], ChunkStore(s), emb, s)
        qa = build_pipeline(s, embedder=emb)
        calibration(qa, questions)
        for q in questions[:3]:
            answer_question(qa, q.question)  # warm
        qa.engine.query_cache_size = 0  # time the query embedding on every request
        lat, facts, valid, total_c, refused_un, refused_ans = [], [], 0, 0, 0, 0
        for q in questions:
            t0 = time.perf_counter()
            a = answer_question(qa, q.question)
            lat.append((time.perf_counter() - t0) * 1000)
            by_id = {p.chunk.id: p.chunk.text for p in a.passages}
            for c in a.citations:
                total_c += 1
                valid += c.quote in by_id.get(c.passage_id, "")
            if q.answerable:
                refused_ans += a.refused
                if not a.refused:
                    facts.append(fact_recall(q.facts, a.answer))
                else:
                    facts.append(0.0)
            else:
                refused_un += a.refused
        n_un = sum(not q.answerable for q in questions)
        n_ans = len(questions) - n_un
        print(
            f"\n{len(questions)} questions ({n_ans} answerable, {n_un} unanswerable), extractive mode, {args.questions.name}"
        )
        print(f"unanswerable refused: {refused_un}/{n_un} = {refused_un / max(1, n_un):.1%}")
        print(
            f"answerable wrongly refused: {refused_ans}/{n_ans} = {refused_ans / max(1, n_ans):.1%}"
        )
        print(
            f"citations verbatim in their passage: {valid}/{total_c} = {valid / max(1, total_c):.1%}"
        )
        print(f"answer facts present (lenient, refusals count 0): {mean(facts):.3f}")
        print(
            f"/ask in process, warm: p50 {statistics.median(lat):.0f} ms, p95 {percentile(lat, 95):.0f} ms"
        )
        load_test(qa, [q.question for q in questions], args.seconds, args.clients)


def load_test(qa, qs: list[str], seconds: float, clients: int) -> None:  # noqa: ANN001
    import socket

    import uvicorn

    from api.app import create_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(qa=qa), host="127.0.0.1", port=port, log_level="warning")
    )
    th = threading.Thread(target=server.run, daemon=True)
    th.start()
    while not server.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}/ask"
    lat: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.time() + seconds

    def client(i: int) -> None:
        with httpx.Client(timeout=60) as c:
            n = i
            while time.time() < stop:
                q = qs[n % len(qs)]
                n += clients
                t0 = time.perf_counter()
                try:
                    r = c.post(url, json={"question": q})
                    ok = r.status_code == 200
                except httpx.HTTPError as e:
                    ok, r = False, e
                with lock:
                    lat.append((time.perf_counter() - t0) * 1000)
                    if not ok:
                        errors.append(str(getattr(r, "status_code", r)))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    server.should_exit = True
    th.join(timeout=10)
    print(
        f"\nload: {clients} clients x {seconds:.0f}s on 127.0.0.1: {len(lat)} requests, "
        f"{len(lat) / wall:.1f} req/s, p50 {statistics.median(lat):.0f} ms, "
        f"p95 {percentile(lat, 95):.0f} ms, errors {len(errors)}"
    )


if __name__ == "__main__":
    main()
