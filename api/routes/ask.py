from __future__ import annotations

import json
from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.deps import QA
from api.schemas import AskRequest, AskResponse, CitationOut, PassageOut, SupportOut
from rag.answer import answer_question
from rag.types import Answer

router = APIRouter(tags=["ask"])


def to_response(a: Answer) -> AskResponse:
    return AskResponse(
        question=a.question,
        answer=a.answer,
        refused=a.refused,
        mode=a.mode,
        note=a.note,
        # core records and public shapes share field names: dump in JSON mode (tuples
        # become lists) and validate into the public model
        citations=[CitationOut.model_validate(c.model_dump(mode="json")) for c in a.citations],
        passages=[PassageOut.from_passage(p) for p in a.passages],
        support=[SupportOut.model_validate(x.model_dump(mode="json")) for x in a.support],
    )


def _sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def sse_events(resp: AskResponse) -> Iterator[str]:
    """Passages first, then the answer sentence by sentence with citations, then the whole."""
    yield _sse("passages", {"passages": [p.model_dump() for p in resp.passages]})
    by_n = {c.n: c for c in resp.citations}
    if resp.refused:
        yield _sse("refusal", {"answer": resp.answer})
    for s in resp.support:
        yield _sse(
            "sentence",
            {
                "sentence": s.sentence,
                "supported": s.supported,
                "citations": [by_n[n].model_dump() for n in s.citations if n in by_n],
            },
        )
    yield _sse("final", resp.model_dump())


@router.post("/ask", response_model=AskResponse)
async def ask(body: AskRequest, qa: QA):  # noqa: ANN201 - JSON or an event stream
    """Answer a question from the reviews; every sentence cites its passage."""
    answer = await run_in_threadpool(
        answer_question, qa, body.question, body.k, body.filters, body.sentences
    )
    resp = to_response(answer)
    if body.stream:
        return StreamingResponse(
            sse_events(resp),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    return resp
