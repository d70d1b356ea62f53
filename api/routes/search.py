from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query

from api.deps import QA
from api.schemas import PassageContext, PassageOut, SearchRequest, SearchResponse

router = APIRouter(tags=["search"])


@router.post("/search")
def search(body: SearchRequest, qa: QA) -> SearchResponse:
    """Passages that best match the query, best first."""
    passages = qa.engine.search(body.query, body.k, body.filters)
    plan = qa.engine.plan(body.query)
    return SearchResponse(
        query=body.query,
        passages=[PassageOut.from_passage(p) for p in passages],
        plan={
            "expansions": list(plan.expansions),
            "review_ids": list(plan.review_ids),
            "cross_review": plan.cross_review,
            "kinds": list(plan.kinds),
        },
    )


@router.get("/passages/{passage_id}")
def passage(
    passage_id: str, qa: QA, context: int = Query(default=0, ge=0, le=10)
) -> PassageContext:
    """One passage with up to ``context`` neighbouring passages each side."""
    chunk = qa.engine.get(passage_id)
    if chunk is None:
        raise HTTPException(404, f"no passage with id {passage_id!r}")
    before, after = qa.engine.neighbours(chunk, context)
    return PassageContext(
        passage=PassageOut.of(chunk),
        before=[PassageOut.of(c) for c in before],
        after=[PassageOut.of(c) for c in after],
    )
