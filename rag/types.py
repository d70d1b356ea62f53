"""Typed records that flow through ReviewQA, in pipeline order.

    SourceDoc (loader) -> ParsedReview[Section[Block]] (parser) -> Chunk (stored in Chroma)
      -> Passage (retrieved, scored) -> Citation -> Answer

Every record is immutable (``frozen=True``) and rejects unknown fields
(``extra="forbid"``), so a typo in a field name fails where the record is built.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal[
    "body",
    "learning_point",
    "recommendation",
    "finding",
    "lesson",
    "questions_for_board",
    "chronology",
    "table",
    "glossary",
    "foreword",
    "family_view",
    "front_matter",
    "notes",
]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --- loader -------------------------------------------------------------------------


class SourceLine(Record):
    """One line of extracted text with where it came from."""

    text: str
    line: int = Field(description="1-based line number in the extracted text")
    page: int | None = Field(default=None, description="1-based page (PDF only)")
    style: str | None = Field(
        default=None, description="DOCX paragraph style, e.g. 'Heading 1', 'List Bullet'"
    )
    bold: bool = Field(default=False, description="whole line is bold in the source")


class SourceDoc(Record):
    """A review file turned into lines of text; no structure yet."""

    review_id: str = Field(description="stable id: the file stem, slugified")
    path: str
    format: Literal["txt", "md", "pdf", "docx"]
    sha256: str = Field(description="sha256 of the raw file bytes")
    lines: tuple[SourceLine, ...]
    footnotes: tuple[str, ...] = Field(
        default=(), description="footnote/endnote bodies the loader found (DOCX parts)"
    )


# --- parser -------------------------------------------------------------------------


class ReviewMeta(Record):
    review_id: str
    title: str = Field(description="human title, e.g. 'Child J (Luton, 2017)'")
    children: tuple[str, ...] = ()
    boards: tuple[str, ...] = ()
    year: int | None = None
    review_model: str | None = None
    source_file: str = ""
    sha256: str = ""
    format: str = "txt"


class Block(Record):
    """The smallest citable unit: a numbered paragraph, a body paragraph with its list,
    a table row, a glossary entry or a labelled unit's text."""

    text: str
    para: str | None = Field(default=None, description="paragraph number, e.g. '2.2.13'")
    line_start: int
    line_end: int
    page_start: int | None = None
    page_end: int | None = None
    notes: tuple[str, ...] = Field(default=(), description="footnote bodies cited here")
    duplicate_of: str | None = Field(
        default=None, description="section path (joined by ' > ') of the first copy"
    )


class Section(Record):
    """A leaf of the section tree with the blocks directly under it, in order."""

    path: tuple[str, ...] = Field(description="e.g. ('6 Analysis', '6.3 Domestic abuse')")
    nums: tuple[str, ...] = Field(default=(), description="section numbers along the path")
    kind: Kind = "body"
    label: str | None = Field(
        default=None, description="labelled unit name, e.g. 'Learning Point 3', 'Finding 2'"
    )
    blocks: tuple[Block, ...] = ()


class Acronym(Record):
    acronym: str
    expansion: str
    review_id: str
    source: str = Field(description="'glossary' or 'inline', with line, e.g. 'inline:78'")


class ParsedReview(Record):
    meta: ReviewMeta
    sections: tuple[Section, ...]
    acronyms: tuple[Acronym, ...] = ()
    contents: tuple[str, ...] = Field(default=(), description="contents-page entries, if any")
    warnings: tuple[str, ...] = Field(default=(), description="quality-check findings")


# --- index --------------------------------------------------------------------------


class Chunk(Record):
    """A token-bounded piece of one section, as stored in the index."""

    id: str = Field(description="sha256 of review id + section path + normalised text")
    review_id: str
    review_title: str
    boards: tuple[str, ...] = ()
    children: tuple[str, ...] = ()
    year: int | None = None
    section_path: tuple[str, ...]
    kind: Kind
    paragraphs: tuple[str, ...] = ()
    text: str = Field(description="the evidence text, as shown and quoted")
    embed_text: str = Field(description="header + text, what the embedder sees")
    lines: tuple[int, int] | None = None
    pages: tuple[int, int] | None = None
    tokens: int
    notes: tuple[str, ...] = ()
    label: str = Field(description="human citation label")
    duplicate_of: str | None = None
    order: int = Field(description="position of the chunk within its review")
    part: tuple[int, int] | None = Field(default=None, description="(k, n) when split")


class Passage(Record):
    """A retrieved chunk with its score."""

    chunk: Chunk
    score: float
    scores: dict[str, float] = Field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.chunk.id


class Citation(Record):
    n: int
    passage_id: str
    review_id: str
    review_title: str
    label: str
    section_path: tuple[str, ...]
    quote: str
    lines: tuple[int, int] | None = None
    pages: tuple[int, int] | None = None


class SentenceSupport(Record):
    sentence: str
    citations: tuple[int, ...] = ()
    supported: bool
    score: float
    unsupported: tuple[str, ...] = Field(
        default=(), description="numbers, dates, names or quotes not found in the evidence"
    )


class Answer(Record):
    question: str
    answer: str
    refused: bool
    mode: Literal["extractive", "llm", "llm-fallback"]
    citations: tuple[Citation, ...] = ()
    passages: tuple[Passage, ...] = ()
    support: tuple[SentenceSupport, ...] = ()
    note: str | None = None
