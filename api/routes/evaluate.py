from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, HTTPException
from starlette.concurrency import run_in_threadpool

from api.deps import QA
from api.schemas import EvaluateRequest, EvaluateResponse, SentenceVerdictOut
from rag.answer import evidence_of, make_scorer
from rag.faithfulness import evaluate_answer
from rag.support import Evidence

router = APIRouter(tags=["evaluate"])


def run_evaluation(qa, body: EvaluateRequest) -> EvaluateResponse:  # noqa: ANN001
    if body.passages:
        evidence = []
        for p in body.passages:
            chunk = qa.engine.get(p.id) if p.id else None
            evidence.append(
                Evidence(
                    text=p.text,
                    id=p.id,
                    review_id=chunk.review_id if chunk else None,
                    review_title=chunk.review_title if chunk else None,
                )
            )
    elif body.citations:
        evidence = []
        for c in sorted(body.citations, key=lambda c: c.n):
            chunk = qa.engine.get(c.passage_id) if c.passage_id else None
            if chunk is None:
                raise HTTPException(
                    422, f"citations: unknown passage_id {c.passage_id!r} for [{c.n}]"
                )
            evidence.append(
                Evidence(
                    text=chunk.text,
                    id=chunk.id,
                    review_id=chunk.review_id,
                    review_title=chunk.review_title,
                )
            )
    else:
        evidence = evidence_of(qa.engine.search(body.question + "\n" + body.answer, 10))
    answer = body.answer
    if body.citations and body.passages:
        # map the answer's marker numbers onto positions in the given passages by id
        pos = {p.id: i + 1 for i, p in enumerate(body.passages) if p.id}
        for c in body.citations:
            if c.passage_id in pos:
                answer = answer.replace(f"[{c.n}]", f"[{pos[c.passage_id]}]")
    elif body.citations:
        order = {c.n: i + 1 for i, c in enumerate(sorted(body.citations, key=lambda c: c.n))}
        for n, i in order.items():
            answer = answer.replace(f"[{n}]", f"[{i}]")
    judge = None
    if qa.llm is not None:
        from rag.llm import judge_support

        def judge(sentence: str, text: str) -> float | None:
            return judge_support(qa, sentence, text)

    report = evaluate_answer(answer, evidence, make_scorer(qa), judge=judge)
    return EvaluateResponse(
        question=body.question,
        faithfulness=report.faithfulness,
        citation_recall=report.citation_recall,
        citation_precision=report.citation_precision,
        llm_judge=report.llm_judge,
        sentences=[
            SentenceVerdictOut(**{k: v for k, v in asdict(s).items() if k != "precise_citations"})
            for s in report.sentences
        ],
        passages=[
            {"n": i + 1, "id": e.id, "review_id": e.review_id, "text": e.text}
            for i, e in enumerate(evidence)
        ],
    )


@router.post("/evaluate")
async def evaluate(body: EvaluateRequest, qa: QA) -> EvaluateResponse:
    """Score any answer's faithfulness to the reviews, sentence by sentence."""
    return await run_in_threadpool(run_evaluation, qa, body)
