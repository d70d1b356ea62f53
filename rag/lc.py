"""LangChain adapter: ReviewQA's retrieval as a ``BaseRetriever``, so it drops into an
LCEL chain (``retriever | format_docs | prompt | llm``)."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from rag.retrieval import Filters, Retriever
from rag.types import Passage


def to_document(p: Passage) -> Document:
    """A passage as a LangChain Document: evidence text plus its citation metadata."""
    c = p.chunk
    return Document(
        page_content=c.text,
        id=c.id,
        metadata={
            "id": c.id,
            "review_id": c.review_id,
            "review_title": c.review_title,
            "label": c.label,
            "section_path": list(c.section_path),
            "kind": c.kind,
            "paragraphs": list(c.paragraphs),
            "lines": list(c.lines) if c.lines else None,
            "pages": list(c.pages) if c.pages else None,
            "score": p.score,
        },
    )


class ReviewQARetriever(BaseRetriever):
    """Wraps any ReviewQA ``Retriever`` (hybrid by default) for LangChain."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: Any
    k: int = 8
    filters: Filters | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        r: Retriever = self.retriever
        return [to_document(p) for p in r.retrieve(query, self.k, self.filters)]
