"""rag/answer_type.py: the answer a question asks for, and whether a sentence gives it."""

from __future__ import annotations

import pytest

from rag.answer_type import Wanted, expected_type, gives


@pytest.mark.parametrize(
    "question,kind",
    [
        ("When did the family move to Hull?", "date"),
        ("So when was the strategy meeting held?", "date"),
        ("In what year was the first referral?", "date"),
        ("How many home visits did the health visitor make?", "count"),
        ("how many were there?", "number"),
        ("How many times did police attend the house?", "number"),
        ("how old was the baby when he died", "number"),
        ("What age was Child P?", "number"),
        ("Where was the mother living in 2015?", "place"),
        ("In what town did the family settle?", "place"),
        ("Where did the family go after the eviction?", "place"),
        ("Where did that fall down?", None),
        ("Across these reviews, where did professionals go beyond their usual role?", None),
        ("Where did the assessment go wrong?", None),
        ("Why weren't care proceedings started when the plan failed?", None),
        ("What went wrong when the case moved to Luton?", None),
        ("Who chaired the strategy meeting?", None),
        ("When a parent misuses drugs, what should the health visitor do?", None),
        ("When were the children first registered?", "date"),
        ("Under Working Together, how many working days should it take?", "count"),
        ("After the conference, when did anyone visit?", "date"),
        ("Exactly how many children were in the family?", "count"),
        ("How long did Child J go without seeing a health visitor?", "duration"),
        ("How much did the review cost?", "money"),
        ("How much money did the family owe?", "money"),
        ("How much did the school know?", "number"),
        ("Who killed Child K and what sentence did he get?", "custody"),
        ("How many years was the mother sentenced to?", "custody"),
        ("What share of the reviews involved neglect?", "proportion"),
        ("How many of the families were known to police?", "proportion"),
    ],
)
def test_only_question_and_clause_opening_wh_words_set_the_type(question, kind):
    got = expected_type(question)
    assert (got.kind if got else None) == kind


def test_a_count_question_names_the_counted_thing():
    assert expected_type("How many probation officers dealt with Mr C?") == Wanted(
        "count", ("probation", "officers")
    )
    assert expected_type("How many 'yes' answers trigger a referral?") == Wanted(
        "count", ("yes", "answers")
    )


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


_DAYS = Wanted("count", ("working", "days"))


@pytest.mark.parametrize(
    "text,wanted,ok",
    [
        ("The conference should be held within 15 working days.", _DAYS, True),
        ("Three working days later the plan was reviewed.", _DAYS, True),
        ("The conference was held in 2016 after a strategy discussion.", _DAYS, False),
        (
            "Mr C had five different probation officers.",
            Wanted("count", ("probation", "officers")),
            True,
        ),
        (
            "Probation held 3 meetings about Mr C.",
            Wanted("count", ("probation", "officers")),
            False,
        ),
        ("The children were not visited for seven weeks.", Wanted("duration"), True),
        ("The children were not visited for a long time.", Wanted("duration"), False),
        ("The family owed £2,400 in rent arrears.", Wanted("money"), True),
        ("The family owed rent to the council in 2015.", Wanted("money"), False),
        (
            "He was sentenced to life imprisonment with a minimum term of 21 years.",
            Wanted("custody"),
            True,
        ),
        ("Adult B received a custodial sentence.", Wanted("custody"), False),
        ("Fathers were missing from half of the reviews.", Wanted("proportion"), True),
        ("In 2015/16, 40% of plans cited domestic abuse.", Wanted("proportion"), True),
        ("Reviews in 2019 looked at county lines.", Wanted("proportion"), False),
        ("She was charged in 2014 and appeared in court.", Wanted("custody"), False),
    ],
)
def test_gives_wants_the_unit_the_question_asks_for(text, wanted, ok):
    assert gives(text, wanted) is ok
