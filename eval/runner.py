"""Run every eval question through search and ask, and score both.

Retrieval: recall of gold quotes within 500/1000/2000 tokens, all-gold-found rate, MRR.
Answers: citation validity (quote verbatim in its passage), sentence support rate and
ALCE citation recall/precision (rag/faithfulness.py with ReviewQA's own support scorer),
answer-fact recall, refusal accuracy on unanswerable questions, false refusals.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from eval.metrics import (
    BUDGETS,
    FOUND,
    Question,
    fact_recall,
    gold_coverage,
    mean,
    percentile,
    score_retrieval,
)
from rag.answer import answer_question, make_scorer
from rag.faithfulness import evaluate_answer
from rag.service import ReviewQA
from rag.support import Evidence

SEARCH_K = 30


@dataclass
class QuestionResult:
    id: str
    question: str
    type: str
    answerable: bool
    reviews: list[str]
    recall: dict[str, float] = field(default_factory=dict)
    all_found: dict[str, bool] = field(default_factory=dict)
    rr: float = 0.0
    refused: bool = False
    citations: int = 0
    citations_valid: int = 0
    sentences: int = 0
    supported: int = 0
    citation_recall: float | None = None
    citation_precision: float | None = None
    fact_recall: float | None = None
    missed_quotes: list[str] = field(default_factory=list)
    answer: str = ""
    search_ms: float = 0.0
    ask_ms: float = 0.0
    baseline_recall: dict[str, float] = field(default_factory=dict)
    baseline_rr: float | None = None


def run_question(qa: ReviewQA, q: Question, baseline: Any | None = None) -> QuestionResult:
    r = QuestionResult(
        id=q.id, question=q.question, type=q.type, answerable=q.answerable, reviews=list(q.reviews)
    )
    t0 = time.perf_counter()
    passages = qa.engine.search(q.question, SEARCH_K)
    r.search_ms = (time.perf_counter() - t0) * 1000
    ranked = [(p.chunk.review_id, p.chunk.text) for p in passages]
    if q.answerable:
        s = score_retrieval(q.gold, ranked)
        r.recall = {str(b): s.recall[b] for b in BUDGETS}
        r.all_found = {str(b): s.all_found[b] for b in BUDGETS}
        r.rr = s.rr
        texts = [t for _, t in ranked]
        r.missed_quotes = [g.quote for g in q.gold if gold_coverage(g, texts[:10]) < FOUND]
        if baseline is not None:
            b = score_retrieval(q.gold, baseline.search(q.question, SEARCH_K))
            r.baseline_recall = {str(x): b.recall[x] for x in BUDGETS}
            r.baseline_rr = b.rr
    t0 = time.perf_counter()
    a = answer_question(qa, q.question)
    r.ask_ms = (time.perf_counter() - t0) * 1000
    r.refused, r.answer = a.refused, a.answer
    texts_by_id = {p.chunk.id: p.chunk for p in a.passages}
    r.citations = len(a.citations)
    r.citations_valid = sum(
        c.quote in texts_by_id[c.passage_id].text
        for c in a.citations
        if c.passage_id in texts_by_id
    )
    if a.citations:
        evidence = [
            Evidence(
                text=texts_by_id[c.passage_id].text,
                id=c.passage_id,
                review_id=c.review_id,
                review_title=c.review_title,
            )
            for c in a.citations
        ]
        report = evaluate_answer(a.answer, evidence, make_scorer(qa))
        r.sentences = len(report.sentences)
        r.supported = sum(v.supported for v in report.sentences)
        r.citation_recall = report.citation_recall
        r.citation_precision = report.citation_precision
    if q.answerable:
        r.fact_recall = 0.0 if a.refused else fact_recall(q.facts, a.answer)
    return r


def run_eval(
    qa: ReviewQA,
    questions: list[Question],
    baseline: Any | None = None,
    progress: Callable[[QuestionResult], None] | None = None,
) -> dict[str, Any]:
    results = []
    for q in questions:
        res = run_question(qa, q, baseline)
        results.append(res)
        if progress:
            progress(res)
    return summarise(results, with_baseline=baseline is not None)


def _retrieval(rs: list[QuestionResult], key: str = "recall") -> dict[str, float]:
    out = {f"recall@{b}": mean([getattr(r, key)[str(b)] for r in rs]) for b in BUDGETS}
    if key == "recall":
        out["all_found@2000"] = mean([float(r.all_found["2000"]) for r in rs])
        out["mrr"] = mean([r.rr for r in rs])
    else:
        out["mrr"] = mean([r.baseline_rr or 0.0 for r in rs])
    return out


def summarise(results: list[QuestionResult], with_baseline: bool = False) -> dict[str, Any]:
    ans = [r for r in results if r.answerable]
    una = [r for r in results if not r.answerable]
    cited = [r for r in results if r.citations]
    summary: dict[str, Any] = {
        "questions": len(results),
        "answerable": len(ans),
        "unanswerable": len(una),
        "retrieval": _retrieval(ans) if ans else {},
        "answers": {
            "citation_validity": (
                sum(r.citations_valid for r in results) / max(1, sum(r.citations for r in results))
            ),
            "citations": sum(r.citations for r in results),
            "sentence_support_rate": sum(r.supported for r in results)
            / max(1, sum(r.sentences for r in results)),
            "citation_recall": mean(
                [r.citation_recall for r in cited if r.citation_recall is not None]
            ),
            "citation_precision": mean(
                [r.citation_precision for r in cited if r.citation_precision is not None]
            ),
            "fact_recall": mean([r.fact_recall or 0.0 for r in ans]),
            "unanswerable_refused": (sum(r.refused for r in una) / len(una)) if una else None,
            "false_refusals": (sum(r.refused for r in ans) / len(ans)) if ans else None,
        },
        "latency_ms": {
            "search_p50": percentile([r.search_ms for r in results], 50),
            "search_p95": percentile([r.search_ms for r in results], 95),
            "ask_p50": percentile([r.ask_ms for r in results], 50),
            "ask_p95": percentile([r.ask_ms for r in results], 95),
        },
    }
    by_type: dict[str, list[QuestionResult]] = defaultdict(list)
    by_review: dict[str, list[QuestionResult]] = defaultdict(list)
    for r in ans:
        by_type[r.type].append(r)
        for rid in r.reviews:
            by_review[rid].append(r)
    summary["by_type"] = {
        t: _retrieval(rs) | {"n": len(rs), "fact_recall": mean([x.fact_recall or 0 for x in rs])}
        for t, rs in sorted(by_type.items())
    }
    summary["by_review"] = {
        t: _retrieval(rs) | {"n": len(rs)} for t, rs in sorted(by_review.items())
    }
    if with_baseline and ans:
        summary["baseline"] = _retrieval(ans, key="baseline_recall")
        summary["baseline_by_type"] = {
            t: _retrieval(rs, key="baseline_recall") for t, rs in sorted(by_type.items())
        }
    worst = sorted(ans, key=lambda r: (r.recall["1000"], r.rr))[:8]
    wrong_refusals = [r for r in ans if r.refused]
    missed_refusals = [r for r in una if not r.refused]
    summary["worst"] = [asdict(r) for r in worst]
    summary["wrong_refusals"] = [r.id for r in wrong_refusals]
    summary["unanswerable_answered"] = [r.id for r in missed_refusals]
    summary["results"] = [asdict(r) for r in results]
    return summary
