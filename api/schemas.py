"""Request and response bodies of the HTTP API (the public shapes of the core records)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rag.retrieval import Filters
from rag.types import Chunk, Passage

MAX_QUERY_CHARS = 2000


def _clean_query(v: str, name: str) -> str:
    if not v or not v.strip():
        raise ValueError(f"{name} must not be empty")
    if len(v) > MAX_QUERY_CHARS:
        raise ValueError(f"{name} is {len(v)} characters; the limit is {MAX_QUERY_CHARS}")
    return v.strip()


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(description="what to look for, in your own words")
    k: int = Field(default=10, ge=1, le=50, description="number of passages (1-50)")
    filters: Filters | None = None

    @field_validator("query")
    @classmethod
    def _q(cls, v: str) -> str:
        return _clean_query(v, "query")


class PassageOut(BaseModel):
    id: str
    text: str
    review_id: str
    review_title: str
    label: str
    section_path: list[str]
    kind: str
    paragraphs: list[str]
    lines: list[int] | None = None
    pages: list[int] | None = None
    notes: list[str] = []
    score: float | None = None

    @classmethod
    def of(cls, c: Chunk, score: float | None = None) -> PassageOut:
        return cls(
            id=c.id,
            text=c.text,
            review_id=c.review_id,
            review_title=c.review_title,
            label=c.label,
            section_path=list(c.section_path),
            kind=c.kind,
            paragraphs=list(c.paragraphs),
            lines=list(c.lines) if c.lines else None,
            pages=list(c.pages) if c.pages else None,
            notes=list(c.notes),
            score=score,
        )

    @classmethod
    def from_passage(cls, p: Passage) -> PassageOut:
        return cls.of(p.chunk, p.score)


class SearchResponse(BaseModel):
    query: str
    passages: list[PassageOut]
    plan: dict[str, Any] = {}


class PassageContext(BaseModel):
    passage: PassageOut
    before: list[PassageOut]
    after: list[PassageOut]


class ReviewOut(BaseModel):
    review_id: str
    title: str
    children: list[str]
    boards: list[str]
    year: int | None
    review_model: str | None
    source_file: str
    format: str
    chunks: int
    kinds: dict[str, int]


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str
    k: int = Field(default=8, ge=1, le=50)
    filters: Filters | None = None
    stream: bool = False
    sentences: int | None = Field(
        default=None,
        ge=1,
        le=10,
        description="at most this many quoted sentences in an extractive answer "
        "(default 5, 7 across reviews); a shorter answer for a quick read",
    )

    @field_validator("question")
    @classmethod
    def _q(cls, v: str) -> str:
        return _clean_query(v, "question")


class CitationOut(BaseModel):
    n: int
    passage_id: str
    review_id: str
    review_title: str
    label: str
    section_path: list[str]
    quote: str
    lines: list[int] | None = None
    pages: list[int] | None = None


class SupportOut(BaseModel):
    sentence: str
    citations: list[int]
    supported: bool
    score: float
    unsupported: list[str] = []


class AskResponse(BaseModel):
    question: str
    answer: str
    refused: bool
    mode: str
    note: str | None = None
    citations: list[CitationOut]
    passages: list[PassageOut]
    support: list[SupportOut]


class EvidenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str | None = None
    text: str = Field(min_length=1, max_length=20000)


class CitationIn(BaseModel):
    # extra fields are ignored so /ask's citations can be passed back as they are
    model_config = ConfigDict(extra="ignore")

    n: int = Field(ge=1, description="the marker number used in the answer, e.g. 2 for [2]")
    passage_id: str | None = None
    quote: str | None = None


class EvaluateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str
    answer: str = Field(max_length=20000)
    passages: list[EvidenceIn] | None = Field(
        default=None,
        max_length=50,
        description="evidence to judge against; omitted = ReviewQA retrieves it",
    )
    citations: list[CitationIn] | None = Field(
        default=None,
        description="what the answer's [n] markers point to (as returned by /ask); "
        "without it, [n] means the n-th passage",
    )

    @field_validator("question")
    @classmethod
    def _q(cls, v: str) -> str:
        return _clean_query(v, "question")

    @field_validator("answer")
    @classmethod
    def _a(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("answer must not be empty")
        return v


class SentenceVerdictOut(BaseModel):
    sentence: str
    citations: list[int]
    supported: bool
    score: float
    evidence_id: str | None
    evidence_n: int | None
    span: str | None
    unsupported: list[str]
    reasons: list[str]
    citation_supported: bool | None
    llm_judge: float | None = None


class EvaluateResponse(BaseModel):
    question: str
    faithfulness: float
    citation_recall: float | None
    citation_precision: float | None
    llm_judge: float | None = None
    sentences: list[SentenceVerdictOut]
    passages: list[dict[str, Any]]
