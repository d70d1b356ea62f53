"""rag/answer.py: the extractive answerer on the real corpus index."""

from __future__ import annotations

import re

import pytest

from rag.answer import (
    REFUSAL,
    Candidate,
    _follow_on,
    answer_question,
    candidates,
    extractive_answer,
    unknown_terms,
)
from rag.answer_type import gives
from rag.retrieval import Filters
from tests.records import make_passage

pytestmark = pytest.mark.integration

BOLTON = Filters(review_ids=["bolton-child-a-b"])


def _ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_every_sentence_is_a_cited_verbatim_quote(corpus_qa):
    a = answer_question(corpus_qa, "What went wrong with MARAC referrals for Ms A?")
    assert not a.refused and a.mode == "extractive"
    by_id = {p.chunk.id: p.chunk for p in a.passages}
    assert a.citations and len(a.support) == len(a.citations)
    for c in a.citations:
        assert _ws(c.quote) in _ws(by_id[c.passage_id].text)
        assert f"{c.quote} [{c.n}]" in a.answer
        assert c.review_id == "lambeth-child-k"
    assert a.answer.startswith("From the review of Child K")


def test_cross_review_answer_names_and_groups_each_review(corpus_qa):
    a = answer_question(
        corpus_qa,
        "Across these reviews, how did moving between local authorities hurt safeguarding?",
    )
    assert not a.refused
    reviews = {c.review_id for c in a.citations}
    assert len(reviews) >= 2
    assert a.answer.startswith(f"From {len(reviews)} reviews (")
    # grouped: each review's citations are consecutive
    order = [c.review_id for c in a.citations]
    assert all(
        order.index(r) + order.count(r) - 1 == max(i for i, x in enumerate(order) if x == r)
        for r in reviews
    )


def test_a_word_no_review_uses_is_refused_and_named(corpus_qa):
    a = answer_question(
        corpus_qa, "What did the reviews say about the Zorblax assessment framework?"
    )
    assert a.refused and a.answer.startswith(REFUSAL)
    assert "'Zorblax'" in a.answer
    assert a.passages and not a.citations  # nearest passages still returned


def test_where_question_without_a_place_in_the_evidence_is_refused(corpus_qa):
    found = corpus_qa.engine.search(
        "the children were made the subjects of legal proceedings after the assault", 10, BOLTON
    )
    placeless = [p for p in found if not gives(p.chunk.text, "place")][:3]
    assert placeless, "expected Bolton passages that name no place"
    q = "Where did Child A and Child B live after the legal proceedings?"
    a = extractive_answer(corpus_qa, q, placeless)
    assert a.refused
    assert "never give the place the question asks for" in a.answer
    # the same passages answer a question that does not ask for a place
    b = extractive_answer(
        corpus_qa, "What happened to Child A and Child B after the assault?", placeless
    )
    assert not b.refused and b.citations


@pytest.mark.parametrize(
    "question,names,words",
    [
        ("What did the Haringey review say about Ofsted?", ("Haringey",), ()),
        ("For a training slide, a passage on professional curiosity please", (), ("slide",)),
        ("Who are the DSLs in the Child V report?", (), ()),  # plural of an acronym used
        ("What OASys score was Mr C given?", ("OASys",), ("score",)),
        ("Ofsted findings for the Stockport twins review?", (), ()),  # sentence start: not a name
        # an acronym the review only writes out ("Youth Offending Service") is known
        ("How did the parents respond to YOS in the Stockport family?", (), ()),
        ("What did the XQZ say in the Stockport review?", ("XQZ",), ()),
    ],
)
def test_unknown_words_split_into_names_and_ordinary_words(corpus_qa, question, names, words):
    got = unknown_terms(question, corpus_qa)
    assert got.names == names and got.words == words


def test_an_ordinary_word_no_review_uses_adds_a_note_not_a_refusal(corpus_qa):
    a = answer_question(
        corpus_qa,
        "For a training slide, what does the Child K review say about professional curiosity?",
    )
    assert not a.refused and a.citations
    assert a.note and "'slide'" in a.note


_THREE = "First sentence here. Second sentence here. Third sentence here."


def test_follow_on_lifts_the_sentence_after_a_strong_match_in_the_same_passage():
    p, q = make_passage("p", _THREE), make_passage("q", _THREE)
    cands = [
        Candidate(p, 0, 0, 20, "First sentence here.", match=0.9),
        Candidate(p, 0, 21, 42, "Second sentence here.", match=0.2),
        Candidate(p, 0, 43, 63, "Third sentence here.", match=0.5),
        Candidate(q, 1, 0, 20, "First sentence here.", match=0.1),  # other passage
    ]
    _follow_on(cands)
    got = [round(c.score, 4) for c in cands]
    # lifted by its predecessor's own score (0.9), not by a lifted one; never lowered
    assert got == [0.9, round(0.7 * 0.2 + 0.3 * 0.9, 4), 0.5, 0.1]
    # the sentence's own match (the refusal's evidence) is kept apart from the lift
    assert [c.match for c in cands] == [0.9, 0.2, 0.5, 0.1]


def test_table_rows_of_labels_are_not_quotable_but_rows_with_a_statement_are():
    text = (
        "Independent Reviewing Officer | Stockport Metropolitan Borough Council\n"
        "January 2017 | It was decided at the ICPC that the threshold was not met. | CSC"
    )
    got = [c.text for c in candidates([make_passage("t", text, kind="table")])]
    assert got == [
        "January 2017 | It was decided at the ICPC that the threshold was not met. | CSC"
    ]
