"""What kind of answer a question asks for, and whether a sentence can give it.

A question that opens with "when", "how many", "how old" or "where" asks for a date, a
number or a place. If none of the sentences picked to answer it holds one, the reviews
talk about the topic but do not say what was asked ("Where did the children end up
living?" answered with "the children were made the subjects of legal proceedings"):
the honest answer is a refusal that says so, with the nearest passages.

Some questions ask for more than "a number" (expected answer types with units, as in
Li and Roth's question classes, COLING 2002):
- "how many working days …" needs a number counting that thing ("15 working days"), not
  any number in the sentence;
- "how long …" needs a length of time ("seven weeks");
- "how much did it cost / did they owe" needs a sum of money;
- "what share / proportion / percentage …" needs one ("half", "one in three", "40%");
- "what sentence did he get / how many years was she sentenced to" needs a custodial
  term (life, or years or months) said of a sentence, not just "a custodial sentence".

Only question-opening wh-words count for date, number and place: "why weren't care
proceedings started when the plan wasn't working?" asks why, not when. "When" asks for a
time only when a verb follows it ("When did…", "When was…"): "When a parent has mental
health problems, what…?" is a condition, not a time question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from rag.support import MONTHS, NUMBER_WORDS

AnswerType = Literal[
    "date", "number", "place", "count", "duration", "money", "custody", "proportion"
]

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
    # "Where did it go wrong / fall down / go beyond …" asks where in the work, not the map.
    (
        re.compile(
            r"^(?:where\b(?![^?]*\b(?:go|goes|went|gone|going|fall|falls|fell|fallen|falling)"
            r"\s+(?:wrong|short|down|beyond|further|astray)\b)|"
            r"in what (?:town|city|area|borough|county)\b)",
            re.I,
        ),
        "place",
    ),
)
_CLAUSE = re.compile(r"[.?!;:,]\s+")
_LEAD = re.compile(
    r"^\s*(?:(?:so|and|but|ok|okay|please|exactly|roughly|approximately|just),?\s+)*", re.I
)

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


_NUMERALS = r"\d+|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r"|one"
_NUM = f"(?:{_NUMERALS})"
_SOME = f"(?:{_NUMERALS}|a|an|several|a few|many)"  # "a year", "several weeks"
_TIME_UNIT = r"(?:hours?|days?|weeks?|months?|years?|fortnight)"
# "how many <thing>": the words after it up to a verb-like or linking word or punctuation.
_COUNT_Q = re.compile(r"^how many\s+([^?,.;:]*)", re.I)
_PLURAL = re.compile(r"^(?:\w{3,}[^s]s|children|people|men|women|staff)$")
_COUNT_STOP = frozenset(
    "did does do was were is are has had have will would could should can might must "
    "after before in on of for from at by with within since during that which who whom "
    "a an the to there they he she it we you i".split()
)
_MONEY_Q = re.compile(
    r"\bhow much\b.*\b(?:cost|money|owe|owed|pay|paid|spend|spent|debts?|rent)\b", re.I
)
_CUSTODY_Q = re.compile(
    r"\b(?:what|which) (?:prison |custodial )?(?:sentence|minimum term)\b|\bsentenced to\b|"
    r"\bsent to (?:prison|jail)\b|\bjailed\b|\bprison (?:sentence|term)\b",
    re.I,
)
_PROPORTION_Q = re.compile(
    r"\bwhat (?:share|proportion|percentage|fraction|per ?cent|rate)\b|\bhow many (?:out )?of (?:the|all)\b",
    re.I,
)
_PROPORTION = re.compile(
    r"%|\bper ?cent\b|\b(?:half|third|quarter|fifth|tenth|majority|minority)\b|"
    r"\bone in \w+|\b\d+ (?:out )?of (?:the )?\d+",
    re.I,
)
_MONEY = re.compile(r"£|\bpounds?\b|\b\d[\d,.]*\s?(?:k|million)\b", re.I)
_CUSTODY = re.compile(r"\b(?:sentenc\w*|imprison\w*|prison|custod\w*|jail\w*|minimum term)\b", re.I)
_TERM = re.compile(r"\blife\b|\b" + _NUM + r"\s+(?:\w+\s+)?(?:years?|months?)\b", re.I)
_DURATION = re.compile(r"\b" + _SOME + r"\s+(?:[\w-]+\s+)?" + _TIME_UNIT + r"\b", re.I)


@dataclass(frozen=True)
class Wanted:
    """The answer a question asks for."""

    kind: AnswerType
    counted: tuple[str, ...] = ()  # for "count": the words naming the counted thing

    def describe(self) -> str:
        return {
            "count": "number of " + " ".join(self.counted),
            "duration": "length of time",
            "money": "sum of money",
            "custody": "sentence length",
            "proportion": "share or proportion",
        }.get(self.kind, self.kind)


def _counted(q: str) -> tuple[str, ...]:
    m = _COUNT_Q.match(q)
    out: list[str] = []
    for w in (m.group(1).split() if m else [])[:4]:
        w = w.strip("'’\"").lower()
        if w in _COUNT_STOP:
            break
        if w:
            out.append(w)
        if _PLURAL.match(w):  # the counted noun ends the phrase: "probation officers"
            break
    return tuple(out)


def _stem(word: str) -> str:
    """Plural ending off, so "days" also finds "day": "working days" -> "working day"."""
    if word.endswith("es") and len(word) > 4:
        return word[:-2]
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def expected_type(question: str) -> Wanted | None:
    """The answer ``question`` asks for. The wh-word may open the question or a clause
    after context ("Under Working Together, how many working days …")."""
    q = _LEAD.sub("", question)
    if _MONEY_Q.search(q):
        return Wanted("money")
    if _PROPORTION_Q.search(q):
        return Wanted("proportion")
    if _CUSTODY_Q.search(q):
        return Wanted("custody")
    for clause in [q, *(_LEAD.sub("", c) for c in _CLAUSE.split(q)[1:])]:
        for pattern, kind in _OPENERS:
            if pattern.match(clause):
                if kind == "number":
                    counted = _counted(clause)
                    if counted and counted[-1] not in ("times", "occasions"):  # any count
                        return Wanted("count", counted)
                    if re.match(r"how long\b", clause, re.I):
                        return Wanted("duration")
                return Wanted(kind)
    return None


def gives(text: str, wanted: Wanted | AnswerType) -> bool:
    """Can ``text`` answer a question asking for ``wanted``?"""
    w = wanted if isinstance(wanted, Wanted) else Wanted(wanted)
    if w.kind == "date":
        return bool(_DATE.search(text))
    if w.kind == "number":
        return bool(_NUMBER.search(text))
    if w.kind == "count":  # a number with the counted thing just after it: "15 working days"
        stems = "|".join(re.escape(_stem(t)) for t in w.counted)
        return bool(re.search(rf"\b{_NUM}\s+(?:[\w'’-]+\s+){{0,3}}?(?:{stems})", text, re.I))
    if w.kind == "duration":
        return bool(_DURATION.search(text))
    if w.kind == "money":
        return bool(_MONEY.search(text))
    if w.kind == "proportion":
        return bool(_PROPORTION.search(text))
    if w.kind == "custody":
        return bool(_CUSTODY.search(text)) and bool(_TERM.search(text))
    return bool(_PLACE.search(text))
