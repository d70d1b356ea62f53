"""rag/query.py: review mentions in a question (pure functions, no index)."""

from __future__ import annotations

import pytest

from rag.query import find_review_mentions, plan_query, register_terms, wanted_kinds

ALIASES = {
    "child a": {"bolton"},
    "child b": {"bolton", "stockport"},
    "child c": {"stockport"},
    "bolton": {"bolton"},
    "stockport": {"stockport"},
    "luton": {"luton"},
}


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How old were Child A and Child B?", ("bolton",)),
        ("What happened to Child B and Child C?", ("stockport",)),
        ("What happened to Child B?", ("bolton", "stockport")),  # genuinely ambiguous
        ("Was Child B in Bolton or in Stockport seen?", ("bolton", "stockport")),
        ("Child B in the Luton review?", ("bolton", "stockport", "luton")),
        ("What did the Luton review find?", ("luton",)),
        ("What went wrong with MARAC referrals?", ()),
    ],
)
def test_review_mentions(question, expected):
    assert set(find_review_mentions(question, ALIASES)) == set(expected)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Did the Stockport twins' dad have a criminal record?", ("father", "convictions")),
        ("What did mum tell the HV about the kids?", ("mother", "children", "health visitor")),
        ("Was his nan or his grandad ever asked?", ("grandmother", "grandfather")),
        ("Was the boyfriend ever jailed?", ("partner", "prison")),
        # the review's word is already there, or a word merely contains an everyday one
        ("What did the mother say about her mum?", ()),
        ("Did the midwife or the Madame Tussauds trip matter?", ()),
    ],
)
def test_register_terms_give_the_reviews_words_for_everyday_ones(question, expected):
    assert register_terms(question) == expected


def test_practitioners_acronyms_are_spelled_out_unless_the_review_defines_them():
    assert register_terms("HV here: did the SW tell A&E?", {}) == (
        "health visitor",
        "social worker",
        "accident and emergency",
    )
    assert register_terms("Which POs and HVs saw him?", {}) == (
        "probation officer",
        "health visitor",
    )
    # the table mined from the reviews wins; lower case is an ordinary word
    assert register_terms("What did the HV do?", {"HV": ["Health Visitor"]}) == ()
    assert register_terms("la la land, a cp of tea", {}) == ()


def test_everyday_words_reach_the_lexical_query_only():
    plan = plan_query("What did the twins' dad say?", acronyms={}, aliases={})
    assert plan.text == "What did the twins' dad say?"  # the dense query stays as typed
    assert plan.expanded.endswith("(father)") and plan.expansions == ("father",)
    off = plan_query("What did the twins' dad say?", acronyms={}, aliases={}, use_register=False)
    assert off.expanded == off.text and off.expansions == ()


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        (
            "What did the Child J review ask the Board to consider?",
            ("recommendation", "questions_for_board"),
        ),
        (
            "What questions did it put to the LSCB about adults who are violent?",
            ("recommendation", "questions_for_board"),
        ),
        ("Did anyone ask the mother about the board games?", ()),  # not a board of a review
        ("What did the police ask the neighbour?", ()),
    ],
)
def test_asking_the_board_wants_recommendations_or_questions_for_the_board(question, kinds):
    assert wanted_kinds(question) == kinds
