"""The section parser on the five bundled reviews (real files, no mocks)."""

from __future__ import annotations

import re
from functools import cache

import pytest

from ingest.loaders import load_document
from ingest.sections import outline_lines, parse_review
from rag.types import Block, ParsedReview, Section, SourceDoc, SourceLine
from tests.conftest import REVIEW_IDS, REVIEWS

IDS = REVIEW_IDS


@cache
def parsed(review_id: str) -> ParsedReview:
    return parse_review(load_document(REVIEWS / f"{review_id}.txt"))


@cache
def raw_lines(review_id: str) -> list[str]:
    return (REVIEWS / f"{review_id}.txt").read_text(encoding="utf-8").splitlines()


def blocks(review_id: str) -> list[tuple[Section, Block]]:
    return [(s, b) for s in parsed(review_id).sections for b in s.blocks]


def norm_title(title: str) -> str:
    t = re.sub(r"^(?:\d+(?:\.\d+)*\.?\s+)", "", title.strip().lower())
    return re.sub(r"[\s.:]+$", "", re.sub(r"\s+", " ", t))


# CORPUS-NOTES "Top-level sections", one list per document (front matter such as
# 001's Acknowledgements is kind front_matter and not part of the outline there).
TOP_LEVEL = {
    "bolton-child-a-b": [
        "introduction/reason for the review",
        "the review process",
        "terms of reference",
        "case details/ summary of what came out of the review",
        "what does research tell us about these cases?",
        "lessons learned from this serious case review",
        "recommendations",
        "response from bolton safeguarding children board",
    ],
    "stockport-child-b-c": [
        "introduction",
        "predictability and preventability",
        "scope and framework for the review",
        "background and family history",
        "chronology of significant events",
        "involvement of professionals and multi-agency working",
        "analysis and learning",
        "conclusions",
        "appendix 1 roles of professionals interviewed",
        "appendix 2 framework document",
        "appendix 3: glossary",
    ],
    "buckinghamshire-child-v": [
        "introduction",
        "methodology",
        "the family",
        "background information",
        "agency involvement between november 2015 and december 2018",
        "analysis",
        "good practice",
        "context",
        "conclusion",
        "learning and recommendations",
    ],
    "luton-child-j": [
        "introduction",
        "the findings",
        "appendix 1 – methodology",
        "appendix 2 glossary",
    ],
    "lambeth-child-k": [
        "foreword",
        "why this case was reviewed",
        "the review team",
        "history of professional involvement & significant events: a summary",
        "the views of family members",
        "analysis and appraisal of practice: identifying key learning issues",
        "recommendations",
        "appendix 1: terms of reference for the scr",
    ],
}


@pytest.mark.parametrize("review_id", IDS)
def test_every_review_yields_its_top_level_sections_in_order(review_id: str) -> None:
    tops: list[str] = []
    for s in parsed(review_id).sections:
        if s.kind == "front_matter" or s.path[0].startswith("["):
            continue
        if s.path[0] not in tops:
            tops.append(s.path[0])
    assert [norm_title(t) for t in tops] == TOP_LEVEL[review_id]


@pytest.mark.parametrize("review_id", IDS)
def test_no_block_text_contains_conversion_debris(review_id: str) -> None:
    for s, b in blocks(review_id):
        for debris in (
            "[footnoteRef",
            "<p>",
            "</p>",
            "SHAPE",
            "MERGEFORMAT",
            "\ufffd",
            "**",
            "[bookmark",
            "<ul",
        ):
            assert debris not in b.text, (s.path, b.line_start, debris)
        assert "\t" not in b.text, (s.path, b.line_start)
        assert b.text == b.text.strip() and "  " not in b.text


@pytest.mark.parametrize("review_id", IDS)
def test_sections_are_leaves_with_blocks_and_valid_paths(review_id: str) -> None:
    for s in parsed(review_id).sections:
        assert s.blocks, s.path
        assert s.path and all(p.strip() for p in s.path)
        assert len(s.path) <= 5, s.path
        for num in s.nums:
            assert re.fullmatch(r"\d+(\.\d+)*", num), s.path


@pytest.mark.parametrize("review_id", IDS)
def test_line_ranges_point_at_the_block_text(review_id: str) -> None:
    raw = raw_lines(review_id)
    misses = []
    for s, b in blocks(review_id):
        assert 1 <= b.line_start <= b.line_end <= len(raw), (s.path, b.line_start)
        first_line = b.text.split("\n")[0]
        cells = s.kind in ("chronology", "table", "glossary")  # cells come from several lines
        words = [w for w in re.split(r"[\s|]+", first_line) if re.search(r"\w", w)][
            : 1 if cells else 2
        ]
        source = re.sub(r"\s+", " ", raw[b.line_start - 1].replace("**", ""))
        if not all(w.strip("‘’“”\"'()[],.;:-") in source for w in words):
            misses.append((b.line_start, b.text[:40]))
    assert not misses


@pytest.mark.parametrize("review_id", IDS)
def test_outline_lists_every_leaf_with_its_block_count(review_id: str) -> None:
    out = outline_lines(parsed(review_id))
    assert len(out) >= len({s.path for s in parsed(review_id).sections})
    assert all(
        re.search(r"\(\d+ blocks", line) or not line.endswith(")") or "(" in line for line in out
    )


# --- contents and front matter ------------------------------------------------------


def test_contents_page_is_not_indexed() -> None:
    p = parsed("stockport-child-b-c")
    assert p.contents[:3] == (
        "1 Introduction",
        "2 Predictability and Preventability",
        "3 Scope and Framework for the Review",
    )
    assert "1 Roles of Professionals interviewed" in p.contents
    for _s, b in blocks("stockport-child-b-c"):
        assert not 5 <= b.line_start <= 38 or b.line_start >= 16 and b.line_end <= 22


def test_title_page_lines_are_not_indexed() -> None:
    for _s, b in blocks("stockport-child-b-c"):
        assert b.line_start > 14


# --- labelled units -----------------------------------------------------------------


def test_bolton_recommendation_8_is_a_unit_under_section_7_not_a_section() -> None:
    recs = [s for s in parsed("bolton-child-a-b").sections if s.label == "Recommendation 8"]
    assert len(recs) == 1
    rec = recs[0]
    assert rec.kind == "recommendation"
    assert rec.path == ("7 RECOMMENDATIONS", "7.3 Domestic Violence", "Recommendation 8")
    assert rec.blocks[0].text.startswith("The local Domestic Violence Partnership")
    assert rec.blocks[0].line_start == 466
    eight = [s for s in parsed("bolton-child-a-b").sections if s.path[0].startswith("8 ")]
    assert eight[0].path == ("8 RESPONSE FROM BOLTON SAFEGUARDING CHILDREN BOARD",)
    assert [b.para for b in eight[0].blocks] == ["8.1", "8.2", "8.3"]


def test_bolton_has_ten_recommendations_and_five_lessons() -> None:
    labels = [s.label for s in parsed("bolton-child-a-b").sections if s.label]
    assert [x for x in labels if x.startswith("Recommendation")] == [
        f"Recommendation {n}" for n in range(1, 11)
    ]
    assert [x for x in labels if x.startswith("Lesson")] == [f"Lesson {n}" for n in range(1, 6)]
    lesson4 = next(s for s in parsed("bolton-child-a-b").sections if s.label == "Lesson 4")
    assert lesson4.kind == "lesson"
    assert lesson4.nums == ("6", "6.3.4")


def test_luton_findings_are_eight_separate_units() -> None:
    units = [s for s in parsed("luton-child-j").sections if s.path[-1].startswith("Finding ")]
    assert [s.label for s in units] == [f"Finding {n}" for n in range(1, 9)]
    assert all(s.kind == "finding" for s in units)
    assert units[0].path == ("2 The Findings", "2.6 Findings in Detail", "Finding 1")
    assert units[0].blocks[0].text.startswith("In line with national policy, current transfer")
    manifest = next(
        s
        for s in parsed("luton-child-j").sections
        if s.label == "Finding 2" and s.path[-1] == "How did the issue manifest in this case?"
    )
    assert manifest.path == (
        "2 The Findings",
        "2.6 Findings in Detail",
        "Finding 2",
        "How did the issue manifest in this case?",
    )
    questions = [s for s in parsed("luton-child-j").sections if s.kind == "questions_for_board"]
    assert len(questions) == 8


def test_luton_summary_table_jumble_is_not_indexed() -> None:
    for s, b in blocks("luton-child-j"):
        assert not 823 <= b.line_start <= 901, (s.path, b.text[:60])
    assert any("column-major table" in w for w in parsed("luton-child-j").warnings)


def test_luton_boxed_restatements_are_marked_duplicates() -> None:
    restated = [
        (s, b)
        for s, b in blocks("luton-child-j")
        if s.path[-1] == "Restatement" and b.text.startswith("In line with national policy")
    ]
    assert len(restated) == 1
    assert restated[0][1].duplicate_of == "2 The Findings > 2.6 Findings in Detail > Finding 1"


def test_lambeth_learning_points_are_separate_units_with_follow_on_paragraphs() -> None:
    lps = [
        s
        for s in parsed("lambeth-child-k").sections
        if s.kind == "learning_point" and not s.path[0].startswith("[")
    ]
    assert [s.label for s in lps] == [f"Learning Point {n}" for n in range(1, 16)]
    assert all(s.path[-2] == "5.18.5 Learning Point summary" for s in lps)
    lp1 = lps[0]
    assert lp1.blocks[0].text.startswith("When offenders are known to have been domestically")
    assert lp1.blocks[1].text.startswith("The possible risk to Mr. C’s sister’s children")
    assert all(b.duplicate_of is None for s in lps for b in s.blocks)


def test_lambeth_text_box_copies_are_duplicates_not_filed_under_the_appendix() -> None:
    copies = [
        s
        for s in parsed("lambeth-child-k").sections
        if s.kind == "learning_point" and s.path[0] == "[floating text box]"
    ]
    assert [s.label for s in copies] == [f"Learning Point {n}" for n in range(1, 16)]
    for s in copies:
        assert all(b.duplicate_of and b.duplicate_of.endswith(s.label) for b in s.blocks)
    for s in parsed("lambeth-child-k").sections:
        if s.path[0].startswith("Appendix 1"):
            assert all(b.line_end <= 381 for b in s.blocks), s.path


def test_lambeth_recommendations_keep_their_outcome_lines() -> None:
    recs = [s for s in parsed("lambeth-child-k").sections if s.kind == "recommendation"]
    assert [s.label for s in recs] == [f"Recommendation {n}" for n in range(1, 6)]
    assert recs[0].blocks[0].para == "6.1"
    assert any(b.text.startswith("Outcome:") for b in recs[0].blocks)


def test_buckinghamshire_learning_points_and_recommendations_are_units() -> None:
    secs = parsed("buckinghamshire-child-v").sections
    lps = [s for s in secs if s.kind == "learning_point" and s.path[0] == "6 Analysis"]
    assert [s.label for s in lps] == [f"Learning Point {n}" for n in range(1, 10)]
    recs = [s for s in secs if s.kind == "recommendation"]
    assert [s.label for s in recs] == [f"Recommendation {n}" for n in range(1, 11)]
    assert all(s.path[0] == "Learning and Recommendations" for s in recs)
    assert recs[0].blocks[0].text.startswith("The Safeguarding Partnership to seek assurance")


def test_buckinghamshire_learning_point_copies_are_marked_duplicate() -> None:
    secs = parsed("buckinghamshire-child-v").sections
    copies = [s for s in secs if s.kind == "learning_point" and s.path[0] != "6 Analysis"]
    assert len(copies) == 9
    marked = [s.label for s in copies if s.blocks[0].duplicate_of]
    # LP8 was reworded in the second copy (CORPUS-NOTES §3), so it is not a copy.
    assert marked == [f"Learning Point {n}" for n in (1, 2, 3, 4, 5, 6, 7, 9)]
    lp1 = next(s for s in copies if s.label == "Learning Point 1")
    assert lp1.blocks[0].duplicate_of == (
        "6 Analysis > Quality and effectiveness of assessments and decision making"
        " > Learning Point 1"
    )


def test_buckinghamshire_chronology_rows_are_rebuilt() -> None:
    rows = [b for s, b in blocks("buckinghamshire-child-v") if s.kind == "chronology"]
    assert len(rows) >= 25
    assert rows[0].text.startswith("November 2015 | Antenatal booking, Referral to consultant")
    assert rows[0].text.endswith("| BHT maternity")
    assert (rows[0].line_start, rows[0].line_end) == (47, 50)
    assert all(re.match(r"^\w+( \d{4})? \| ", b.text) for b in rows)
    may = next(b for b in rows if b.text.startswith("May 2016 |"))
    assert may.text.endswith("| BHT maternity; CSC; BHT maternity")
    assert not any(b.text == "TRIGGER INCIDENT" for _s, b in blocks("buckinghamshire-child-v"))


# --- text repair --------------------------------------------------------------------


def test_luton_hard_wrapped_lines_are_rejoined() -> None:
    b = next(b for _s, b in blocks("luton-child-j") if b.para == "1.2.1")
    assert b.text.startswith("This review concerns services provided to Child J and his family.")
    assert "For the first few weeks of his life Child J lived with his mother" in b.text
    assert (b.line_start, b.line_end) == (21, 24)


def test_luton_page_numbers_are_removed_and_split_sentences_rejoined() -> None:
    b = next(b for _s, b in blocks("luton-child-j") if b.para == "2.2.7")
    assert "Ealing Childrens Integrated Response Service (ECIRS) to complete" in b.text
    b = next(b for _s, b in blocks("luton-child-j") if b.para == "2.2.13")
    assert b.text.startswith("An Ealing social worker (SW1) was allocated")
    assert "SW1 felt that there were still areas that needed further exploration" in b.text


def test_luton_footnotes_move_from_text_to_notes() -> None:
    body = "Safe Lives Dash assessment model means that all police services"
    assert not any(body in b.text for _s, b in blocks("luton-child-j"))
    cited = [b for _s, b in blocks("luton-child-j") if any(n.startswith(body) for n in b.notes)]
    assert len(cited) == 1
    assert "assessment process and is victim focused" in cited[0].text  # marker 'process9' gone
    assert not any(
        "Government defines domestic abuse" in b.text for _s, b in blocks("luton-child-j")
    )


def test_luton_staff_codes_are_not_stripped() -> None:
    text = " ".join(b.text for _s, b in blocks("luton-child-j"))
    for code in ("HV1", "HV2", "SW1", "SW2"):
        assert code in text
    assert "TM1" in text or "TM" in text


def test_stockport_superscript_footnotes_are_notes() -> None:
    b = next(b for _s, b in blocks("stockport-child-b-c") if b.para == "1.4")
    assert "Working Together states that:" in b.text
    assert b.notes == ("Working Together to Safeguard Children HM Govt. March 2015",)
    assert not any("See glossary re" in b.text for _s, b in blocks("stockport-child-b-c"))


def test_stockport_page_break_split_sentence_is_rejoined() -> None:
    b = next(b for _s, b in blocks("stockport-child-b-c") if b.para == "2.5")
    assert "and as such, it is unlikely that anything short of removal" in b.text
    assert b.line_end == 83


def test_buckinghamshire_bracketed_footnotes_are_notes() -> None:
    b = next(b for _s, b in blocks("buckinghamshire-child-v") if b.para == "6.30")
    assert "(Brandon, 2011)." in b.text or "(Brandon, 2011)" in b.text
    assert any(n.startswith("Brandon, M. et al. (2011)") and "[London]" in n for n in b.notes)


def test_lambeth_endnotes_are_linked_not_indexed() -> None:
    assert not any(
        "Approved Premises are accommodation" in b.text for _s, b in blocks("lambeth-child-k")
    )
    marac = next(b for _s, b in blocks("lambeth-child-k") if b.para == "3.6.2")
    assert "to MARAC (a Multi-Agency Risk Assessment Conference" in marac.text
    assert any(n.startswith("MARAC, Multi-Agency") for n in marac.notes)


def test_bullets_stay_with_the_paragraph_that_introduces_them() -> None:
    b = next(b for _s, b in blocks("bolton-child-a-b") if b.para == "2.4")
    assert b.text.startswith("Paragraph 8.3 of this guidance states")
    assert b.text.count("\n- ") == 3
    b = next(b for _s, b in blocks("stockport-child-b-c") if b.para == "3.1")
    assert b.text.endswith(
        "- Ensure improvement is sustained so that findings make a real impact "
        "on improving outcomes for children and young people."
    )


@pytest.mark.parametrize(
    ("review_id", "para", "start"),
    [
        ("luton-child-j", "2.2.13", "An Ealing social worker (SW1)"),
        ("lambeth-child-k", "5.13.1", "The DVDS arrangement"),
        ("bolton-child-a-b", "1.1", "This report is an Executive Summary"),
        ("stockport-child-b-c", "1.1", "Twins B and C are the youngest"),
        ("buckinghamshire-child-v", "6.25", "Concerns about parental mental health"),
    ],
)
def test_paragraph_numbers_are_recorded_not_repeated(review_id: str, para: str, start: str) -> None:
    found = [b for _s, b in blocks(review_id) if b.para == para]
    assert len(found) == 1
    assert found[0].text.startswith(start)


def test_special_kinds_are_assigned() -> None:
    kinds = {rid: {s.kind for s in parsed(rid).sections} for rid in IDS}
    assert "foreword" in kinds["lambeth-child-k"]
    assert "family_view" in kinds["lambeth-child-k"]
    assert "family_view" in kinds["luton-child-j"]
    assert "glossary" in kinds["luton-child-j"] and "glossary" in kinds["stockport-child-b-c"]
    assert "table" in kinds["stockport-child-b-c"]
    views = next(s for s in parsed("luton-child-j").sections if s.kind == "family_view")
    assert views.path == ("2 The Findings", "2.3 Views of the Family")


def test_glossary_entries_are_term_and_definition() -> None:
    gloss = [b for s, b in blocks("luton-child-j") if s.kind == "glossary"]
    assert gloss[0].text.startswith("CAIT: Child Abuse Investigation Team")
    assert any(b.text == "ICPC: Initial Child Protection Conference" for b in gloss)
    assert gloss[-1].text == "TM: Team manager"


def test_appendix_numbering_is_its_own_scope() -> None:
    paths = [s.path for s in parsed("lambeth-child-k").sections]
    assert ("Appendix 1: Terms of Reference for the SCR", "1 The Purpose of the Review") in paths
    assert ("Appendix 1: Terms of Reference for the SCR", "3 Process") in paths


def test_docx_heading_styles_set_the_levels() -> None:
    body = (
        "The review considered the work of all agencies with the family over three years and"
        " met the practitioners involved."
    )
    rows = [
        ("Serious Case Review: Child Z", "Title"),
        ("Introduction", "Heading 1"),
        (body, None),
        ("Background", "Heading 2"),
        (body, None),
        ("Family history", "Heading 3"),
        (body, "Normal"),
        ("Agencies involved were:", None),
        ("Police", "List Bullet"),
        ("Health visiting", "List Bullet"),
        ("Findings", "Heading 1"),
        (body, None),
    ]
    doc = SourceDoc(
        review_id="child-z",
        path="child-z.docx",
        format="docx",
        sha256="0" * 64,
        lines=tuple(
            SourceLine(text=t, line=n, style=st) for n, (t, st) in enumerate(rows, start=1)
        ),
    )
    p = parse_review(doc)
    assert [s.path for s in p.sections] == [
        ("Introduction",),
        ("Introduction", "Background"),
        ("Introduction", "Background", "Family history"),
        ("Findings",),
    ]
    assert p.sections[2].blocks[1].text == "Agencies involved were:\n- Police\n- Health visiting"


def test_a_date_alone_on_a_line_is_not_a_heading() -> None:
    body = (
        "The panel met several times and agreed the terms of reference for the review, "
        "including the period it would cover and the agencies it would ask to contribute."
    )
    rows = ["1. Introduction", "", body, "", "24.6.2106", "", body, "", "2. Findings", "", body]
    doc = SourceDoc(
        review_id="child-y",
        path="child-y.txt",
        format="txt",
        sha256="0" * 64,
        lines=tuple(SourceLine(text=t, line=n) for n, t in enumerate(rows, start=1)),
    )
    p = parse_review(doc)
    assert [s.path for s in p.sections] == [("1 Introduction",), ("2 Findings",)]
    assert [b.text for b in p.sections[0].blocks][1] == "24.6.2106"  # kept as text
