"""rag/answer_type.py: the answer a question asks for, and whether a sentence gives it."""

from __future__ import annotations

import pytest

from rag.answer_type import expected_type, gives


@pytest.mark.parametrize(
    "question,kind",
    [
        ("When did the family move to Hull?", "date"),
        ("So when was the strategy meeting held?", "date"),
        ("In what year was the first referral?", "date"),
        ("How many home visits did the health visitor make?", "number"),
        ("how old was the baby when he died", "number"),
        ("What age was Child P?", "number"),
        ("Where was the mother living in 2015?", "place"),
        ("In what town did the family settle?", "place"),
        ("Why weren't care proceedings started when the plan failed?", None),
        ("What went wrong when the case moved to Luton?", None),
        ("Who chaired the strategy meeting?", None),
        ("When a parent misuses drugs, what should the health visitor do?", None),
        ("When were the children first registered?", "date"),
    ],
)
def test_only_question_opening_wh_words_set_the_type(question, kind):
    assert expected_type(question) == kind


@pytest.mark.parametrize(
    "text,kind,ok",
    [
        ("The conference was held on 3rd March 2016.", "date", True),
        ("Two days later the social worker visited again.", "date", True),
        ("The social worker visited again and found the home cold.", "date", False),
        ("There were 14 recorded incidents.", "number", True),
        ("Several referrals were made by the school.", "number", True),
        ("The school made referrals about the children.", "number", False),
        ("Mother moved with the baby to Luton.", "place", True),
        ("The children were placed with their grandmother.", "place", True),
        ("The children were found living in poor conditions.", "place", False),
        ("The case was the subject of legal proceedings.", "place", False),
    ],
)
def test_gives_recognises_dates_numbers_and_places(text, kind, ok):
    assert gives(text, kind) is ok
