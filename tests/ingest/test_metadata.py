"""Review metadata: overrides win; extraction works without them."""

from __future__ import annotations

import tomllib

import pytest

from ingest.loaders import load_document
from ingest.metadata import extract_meta
from ingest.sections import parse_review
from rag.types import ReviewMeta
from tests.conftest import REVIEWS

OVERRIDES = tomllib.loads((REVIEWS / "reviews.toml").read_text(encoding="utf-8"))

# What the text alone yields (no reviews.toml): (title, children, first board, year, model)
EXTRACTED = {
    "bolton-child-a-b": (
        "Child A and Child B (Bolton, 2009)",
        ("Child A", "Child B"),
        "Bolton Safeguarding Children Board",
        2009,
        "executive summary",
    ),
    "stockport-child-b-c": (
        "Child B and Child C (Stockport, 2016)",
        ("Child B", "Child C"),
        "Stockport Safeguarding Children Board",
        2016,
        "systems review with learning points",
    ),
    # 002 has no date; the latest year it mentions is 2019 (the report is from ~2020).
    "buckinghamshire-child-v": (
        "Child V (Buckinghamshire, 2019)",
        ("Child V",),
        "Buckinghamshire Safeguarding Children Board",
        2019,
        "learning points and recommendations",
    ),
    "luton-child-j": (
        "Child J (Luton, 2017)",
        ("Child J",),
        "Luton Safeguarding Children Board",
        2017,
        "SCIE Learning Together",
    ),
    "lambeth-child-k": (
        "Child K (Lambeth, 2018)",
        ("Child K",),
        "Lambeth Safeguarding Children Board",
        2018,
        "Welsh Child Practice Review",
    ),
}


@pytest.mark.parametrize("review_id", sorted(EXTRACTED))
def test_metadata_is_extracted_without_overrides(review_id: str) -> None:
    doc = load_document(REVIEWS / f"{review_id}.txt")
    meta = extract_meta(doc, None)
    title, children, board, year, model = EXTRACTED[review_id]
    assert (meta.title, meta.children, meta.boards[0], meta.year, meta.review_model) == (
        title,
        children,
        board,
        year,
        model,
    )
    assert meta.review_id == review_id
    assert meta.source_file == f"{review_id}.txt"
    assert meta.sha256 == doc.sha256 and meta.format == "txt"


def test_lambeth_lists_both_commissioning_boards() -> None:
    meta = extract_meta(load_document(REVIEWS / "lambeth-child-k.txt"))
    assert meta.boards[:2] == (
        "Lambeth Safeguarding Children Board",
        "Bromley Safeguarding Children Board",
    )


@pytest.mark.parametrize("review_id", sorted(EXTRACTED))
def test_overrides_win_over_extraction(review_id: str) -> None:
    doc = load_document(REVIEWS / f"{review_id}.txt")
    ov = OVERRIDES[review_id]
    meta = parse_review(doc, ov).meta
    assert meta == ReviewMeta(
        review_id=review_id,
        title=ov["title"],
        children=tuple(ov["children"]),
        boards=tuple(ov["boards"]),
        year=ov["year"],
        review_model=ov["review_model"],
        source_file=f"{review_id}.txt",
        sha256=doc.sha256,
        format="txt",
    )


def test_partial_overrides_fill_only_their_fields() -> None:
    doc = load_document(REVIEWS / "buckinghamshire-child-v.txt")
    meta = extract_meta(doc, {"year": 2020})
    assert meta.year == 2020
    assert meta.children == ("Child V",)
    assert meta.title == "Child V (Buckinghamshire, 2020)"
