"""Acronyms mined from glossaries and inline definitions, validated by initials."""

from __future__ import annotations

import re
from functools import cache

import pytest

from ingest.acronyms import matches, mine_acronyms
from ingest.loaders import load_document
from ingest.sections import parse_review
from rag.types import Acronym
from tests.conftest import REVIEW_IDS, REVIEWS

IDS = REVIEW_IDS


@cache
def acronyms(review_id: str) -> tuple[Acronym, ...]:
    return parse_review(load_document(REVIEWS / f"{review_id}.txt")).acronyms


def expansions(review_id: str, acr: str) -> set[str]:
    return {
        re.sub(r"[\s\-]+", " ", a.expansion.lower())
        for a in acronyms(review_id)
        if a.acronym == acr
    }


@pytest.mark.parametrize(
    ("review_id", "acr", "expansion"),
    [
        ("bolton-child-a-b", "MARAC", "multi agency risk assessment conference"),
        ("bolton-child-a-b", "BSCB", "bolton safeguarding children board"),
        ("lambeth-child-k", "MARAC", "multi agency risk assessment conference"),
        ("lambeth-child-k", "DVDS", "domestic violence disclosure scheme"),
        ("lambeth-child-k", "MAPPA", "multi agency public protection arrangements"),
        ("lambeth-child-k", "MASH", "multi agency safeguarding hub"),
        ("luton-child-j", "MASH", "multi agency safeguarding hub"),
        ("luton-child-j", "CAIT", "child abuse investigation team"),
        ("luton-child-j", "ICPC", "initial child protection conference"),
        ("buckinghamshire-child-v", "ICPC", "initial child protection conference"),
        ("buckinghamshire-child-v", "TVP", "thames valley police"),
        ("stockport-child-b-c", "SSCB", "stockport safeguarding children board"),
    ],
)
def test_known_acronyms_are_expanded(review_id: str, acr: str, expansion: str) -> None:
    assert expansion in expansions(review_id, acr)


def test_inconsistent_expansions_are_all_kept() -> None:
    assert expansions("luton-child-j", "RIAT") >= {
        "rapid intervention and assessment team",
        "referral, intervention and assessment team",
    }
    assert expansions("bolton-child-a-b", "MARAC") == {
        "multi agency risk assessment conference",
        "multi agency risk assessment committee",
    }


def test_glossary_and_inline_sources_name_their_line() -> None:
    cait = [a for a in acronyms("luton-child-j") if a.acronym == "CAIT"]
    assert any(a.source == "glossary:2242" for a in cait)
    bscb = next(a for a in acronyms("bolton-child-a-b") if a.acronym == "BSCB")
    assert bscb.source == "inline:22"
    for rid in IDS:
        for a in acronyms(rid):
            assert re.fullmatch(r"(glossary|inline):\d+", a.source), a
            assert a.review_id == rid


@pytest.mark.parametrize("review_id", IDS)
def test_every_expansion_spells_its_acronym(review_id: str) -> None:
    for a in acronyms(review_id):
        assert matches(a.acronym, a.expansion), a


def test_initials_validation() -> None:
    assert matches("MARAC", "Multi Agency Risk Assessment Conference")
    assert matches("CiN", "Child in Need")
    assert matches("NRTPF", "No Recourse to Public Funds")
    assert not matches("SCR", "see above")
    assert not matches("ICPC", "Initial Child Protection")


def test_mining_works_on_sections_alone() -> None:
    sections = parse_review(load_document(REVIEWS / "bolton-child-a-b.txt")).sections
    mined = mine_acronyms("x", sections)
    assert {a.acronym for a in mined} >= {"SCR", "BSCB", "IMRs", "MARAC"}
    assert all(a.review_id == "x" for a in mined)
