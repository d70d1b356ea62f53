"""Small hand-made records for unit tests that need a Chunk or Passage but no index."""

from __future__ import annotations

from rag.types import Chunk, Kind, Passage


def make_chunk(
    cid: str,
    text: str,
    *,
    kind: Kind = "body",
    section: tuple[str, ...] = ("S",),
    order: int = 0,
    header: str = "",
) -> Chunk:
    return Chunk(
        id=cid,
        review_id="r",
        review_title="R",
        section_path=section,
        kind=kind,
        text=text,
        embed_text=header + text,
        tokens=len(text.split()),
        label=f"R, {section[-1]}",
        order=order,
    )


def make_passage(cid: str, text: str, **kw: object) -> Passage:
    return Passage(chunk=make_chunk(cid, text, **kw), score=1.0)  # type: ignore[arg-type]
