"""What kind of answer a question asks for, and whether a sentence can give it.

A question that opens with "when", "how many", "how old" or "where" asks for a date, a
number or a place. If none of the sentences picked to answer it holds one, the reviews
talk about the topic but do not say what was asked ("Where did the children end up
living?" answered with "the children were made the subjects of legal proceedings"):
the honest answer is a refusal that says so, with the nearest passages.

Only question-opening wh-words count: "why weren't care proceedings started when the plan
wasn't working?" asks why, not when. "When" asks for a time only when a verb follows it
("When did…", "When was…"): "When a parent has mental health problems, what…?" is a
condition, not a time question.
"""

from __future__ import annotations

import re
from typing import Literal

from rag.support import MONTHS, NUMBER_WORDS

AnswerType = Literal["date", "number", "place"]

_OPENERS: tuple[tuple[re.Pattern[str], AnswerType], ...] = (
    (
        re.compile(
            r"^(?:when\s+(?:did|does|do|was|were|is|are|has|had|have|will|would|could|should|"
            r"can|might)\b|on what (?:date|day)|in what year|what (?:date|year))\b",
            re.I,
        ),
        "date",
    ),
    (re.compile(r"^(?:how (?:many|much|often|long|old)|what age)\b", re.I), "number"),
    (re.compile(r"^(?:where|in what (?:town|city|area|borough|county))\b", re.I), "place"),
)
_LEAD = re.compile(r"^\s*(?:(?:so|and|but|ok|okay|please),?\s+)*", re.I)

_DATE = re.compile(
    r"\b(?:" + "|".join(MONTHS) + r"|(?:19|20)\d\d|\d{1,2}[./]\d{1,2}[./]\d{2,4}|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|"
    r"(?:the )?(?:next|following|same|previous) (?:day|week|month|year|morning|evening)|"
    r"(?:days?|weeks?|months?|years?) (?:later|earlier|after|before)|"
    r"at the (?:time|point)|(?:before|after|during|until) (?:the|his|her|their)\b)",
    re.I,
)
_NUMBER = re.compile(
    r"\b(?:\d+|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r"|one|several|"
    r"a (?:few|number|dozen)|many|numerous|weekly|monthly|daily)\b",
    re.I,
)
# A capitalised word after a place preposition ("moved to Luton", "in Nottinghamshire"),
# or a kind of place ("placed in a refuge", "lived with her grandmother"). Verbs such as
# "living" or "moved" alone name no place.
_PLACE = re.compile(
    r"\b(?:in|to|at|from|into|near|back to)\s+(?:the\s+)?[A-Z][a-z]+|"
    r"\b(?:address|home|house|flat|hostel|refuge|hospital|prison|accommodation|foster|"
    r"relatives?|grandparents?|grandmother|grandfather|aunt|uncle|borough)\b",
)


def expected_type(question: str) -> AnswerType | None:
    q = _LEAD.sub("", question)
    for pattern, kind in _OPENERS:
        if pattern.match(q):
            return kind
    return None


def gives(text: str, kind: AnswerType) -> bool:
    """Can ``text`` answer a question asking for ``kind``?"""
    if kind == "date":
        return bool(_DATE.search(text))
    if kind == "number":
        return bool(_NUMBER.search(text))
    return bool(_PLACE.search(text))
