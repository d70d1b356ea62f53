"""Deterministic support scorer: does this evidence support this sentence?

No NLI model can be had offline here, so support is decided from signals we can compute
and explain (README "How the support scorer decides"):

1. Lexical coverage: the share of the sentence's content words (stemmed, stopwords out)
   found in the best window of 1-3 consecutive evidence sentences.
2. Semantic similarity (when an embedder is given): cosine of sentence and that window.
3. Specifics must all appear in the evidence: numbers (digits and number words, so
   "two" matches "2"), months, named people ("Mr C", "Child K", capitalised names),
   and quoted phrases. Any one missing makes the sentence unsupported.
4. Polarity: a negation ("not", "never", "no", "failed to", ...) in the sentence but not
   in the window, or the reverse, makes it unsupported.
5. Attribution: a sentence that names a review (its child, board or place) other than
   the one the evidence comes from is unsupported.

Known blind spots: a paraphrase using different words for the same thing can score low
coverage (false "unsupported"); swapped roles with the same names ("Mr B hit Mr C" for
"Mr C hit Mr B") pass the specifics check; negation is judged by presence, not scope.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import Stemmer

from rag.embeddings import Embedder
from rag.sentences import sentences_with_spans

_STEM = Stemmer.Stemmer("english")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*")
STOP = frozenset(
    """a an the and or but if of at by for with about against between into through during
    before after above below to from up down in out on off over under again further then
    once here there when where why how all any both each few more most other some such only
    own same so than too very s t can will just should now is are was were be been being
    have has had having do does did doing i me my we our you your he him his she her it its
    they them their what which who whom this that these those am would could also may might
    must shall as per e g ie eg via within upon whether while""".split()
)
NEGATIONS = frozenset(
    "not no never none nobody nothing neither nor without cannot can't didn't doesn't don't "
    "wasn't weren't isn't aren't hadn't hasn't haven't won't wouldn't couldn't shouldn't "
    "failed fail fails unable lack lacked absence absent".split()
)
NUMBER_WORDS = {
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "thirteen": "13",
    "fourteen": "14",
    "fifteen": "15",
    "sixteen": "16",
    "seventeen": "17",
    "eighteen": "18",
    "nineteen": "19",
    "twenty": "20",
    "thirty": "30",
    "forty": "40",
    "fifty": "50",
    "sixty": "60",
    "hundred": "100",
    "third": "3",
    "fourth": "4",
    "fifth": "5",
    "sixth": "6",
    "seventh": "7",
    "eighth": "8",
    "ninth": "9",
    "tenth": "10",
    "twice": "2",
}
# words for people whose role must match the evidence ("Mother" is not "Father")
ROLES = frozenset(
    "mother father stepfather stepmother grandmother grandfather boyfriend girlfriend partner "
    "sister brother sibling siblings uncle aunt twin twins son daughter".split()
)
MONTHS = (
    "january february march april may june july august september october november december".split()
)
_PERSON = re.compile(
    r"\b(Mr|Ms|Mrs|Miss|Dr|Child|Adult|Sibling|Baby|Mother|Father)\.?\s+([A-Z]\d?|\d)\b"
)
_CODE = re.compile(r"\b([A-Z]{1,4}\d{1,2})\b")  # staff codes: HV1, SW2, TM1
_QUOTED = re.compile(r"(?:“([^”]{6,})”|(?<![A-Za-z])[\"‘]([^\"’‘]{6,})[\"’](?![A-Za-z]))")
_NUM = re.compile(r"(?<![\d.,])(\d+(?:[.,]\d+)*)(?!\d)")
_MONTH_RE = "|".join(
    "january february march april may june july august september october november december".split()
)
_DATE = re.compile(
    rf"\b(?:(\d{{1,2}})\s*(?:st|nd|rd|th)?\s+)?({_MONTH_RE})\.?,?\s+(\d{{4}})\b", re.I
)
# Capitalised words that are not names even mid-sentence.
_NOT_NAMES = frozenset(
    """I The A An In On At By Of For To And But Or It This That These Those There Their
    They He She We Child Children Children's Social Care Services Service Board Boards
    Review Reviews Serious Case Local Safeguarding Police Health Visitor Visitors
    Team Plan Protection Conference Learning Point Recommendation Finding Section
    Appendix Mr Ms Mrs Dr Mother Father Council National Hospital School Court NHS GP
    Trust Agency Agencies Unit Office Working Together Assessment Domestic Abuse Violence
    Multi Agency Risk Hub Initial Strategy Discussion Meeting Family Families Nurse""".split()
)


def content_terms(text: str) -> list[str]:
    # Curly and straight apostrophes are one character here: the reviews write
    # "Laming’s", users type "Laming's", and the stemmer only knows the straight one.
    words = [w.lower().replace("’", "'").strip("'-") for w in _WORD.findall(text)]
    words = [NUMBER_WORDS.get(w, w) for w in words if w and w not in STOP]
    return [t for t in _STEM.stemWords(words) if t]


def _numbers(text: str) -> set[str]:
    nums = {m.group(1).replace(",", "").rstrip(".") for m in _NUM.finditer(text)}
    for w in re.findall(r"[A-Za-z]+", text.lower()):
        if w in NUMBER_WORDS:
            nums.add(NUMBER_WORDS[w])
    return nums


def _dates(text: str) -> set[str]:
    """Full dates as 'day month year' / 'month year' (lower case)."""
    out = set()
    for m in _DATE.finditer(text):
        day, month, year = m.group(1), m.group(2).lower(), m.group(3)
        out.add(f"{int(day)} {month} {year}" if day else f"{month} {year}")
    return out


def _norm(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9]+", " ", text.lower().replace("’", "'")) + " "


def specifics(sentence: str) -> list[tuple[str, str]]:
    """(kind, value) pairs that must appear in supporting evidence."""
    out: list[tuple[str, str]] = []
    for n in sorted(_numbers(sentence)):
        out.append(("number", n))
    low = sentence.lower()
    for mo in MONTHS:
        if re.search(rf"\b{mo}\b", low) and not (
            mo == "may" and not re.search(r"\bMay\b", sentence)
        ):
            out.append(("month", mo))
    for d in sorted(_dates(sentence)):
        out.append(("date", d))
    for w in sorted(set(re.findall(r"[a-z]+", low)) & ROLES):
        out.append(("role", w))
    for m in _PERSON.finditer(sentence):
        out.append(("name", f"{m.group(1)} {m.group(2)}"))
    for m in _CODE.finditer(sentence):
        out.append(("name", m.group(1)))
    words = list(re.finditer(r"\b[A-Z][a-z]{2,}(?:[-'][A-Za-z]+)?\b", sentence))
    for m in words:
        if m.start() == 0 or sentence[: m.start()].rstrip().endswith((".", ":", "“", '"', "(")):
            continue
        w = re.sub(r"['’]s$", "", m.group(0))
        if w in _NOT_NAMES or w.lower() in MONTHS or w.lower() in ROLES:
            continue
        out.append(("name", w))
    for m in _QUOTED.finditer(sentence):
        out.append(("quote", m.group(1) or m.group(2)))
    return list(dict.fromkeys(out))


def _present(kind: str, value: str, evidence: str, ev_numbers: set[str]) -> bool:
    if kind == "number":
        return value in ev_numbers
    if kind == "month":
        return (
            re.search(rf"\b{value}\b", evidence.lower()) is not None
            or value[:3] in _norm(evidence).split()
        )
    if kind == "date":
        ev = _dates(evidence)
        if value.count(" ") == 2:  # day month year: the very date
            return value in ev
        return any(d == value or d.endswith(" " + value) for d in ev)
    if kind == "role":
        have = set(re.findall(r"[a-z]+", evidence.lower()))
        return value in have or value.rstrip("s") in have or value + "s" in have
    if kind == "name":
        return _norm(value) in _norm(evidence) or _norm(value.replace(" ", ". ")) in _norm(evidence)
    return _norm(value).strip() in _norm(evidence)


# "should have been used" says it was not used: counterfactual modals count as negation.
_COUNTERFACTUAL = re.compile(r"\b(?:should|could|would|might|ought to)(?: not)? have(?: been)?\b")


def _cf(text: str) -> str:
    return _COUNTERFACTUAL.sub(" not ", text.lower().replace("’", "'"))


def has_negation(text: str) -> bool:
    words = re.findall(r"[a-z']+", _cf(text))
    return any(w in NEGATIONS or w.endswith("n't") for w in words)


def negation_scope(text: str, width: int = 4) -> tuple[set[str], set[str]]:
    """(terms within ``width`` words after a negation cue, all terms) of ``text``,
    stemmed; the scope stops at punctuation."""
    negated: set[str] = set()
    every: set[str] = set()
    for clause in re.split(r"[.,;:!?()\n]", _cf(text)):
        words = re.findall(r"[a-z0-9']+", clause)
        left = 0
        for w in words:
            is_cue = w in NEGATIONS or w.endswith("n't")
            terms = content_terms(w) if not is_cue else []
            every.update(terms)
            if is_cue:
                left = width
            elif left:
                negated.update(terms)
                left -= 1
    return negated, every


_ENTITY = re.compile(r"\b(?:Mr|Ms|Mrs|Child|Adult|Sibling)\.?\s+[A-Z]\b|\b[A-Z]{2,4}\d\b")


def _entities(text: str) -> list[str]:
    return [re.sub(r"[.\s]+", " ", m.group(0)) for m in _ENTITY.finditer(text)]


def roles_swapped(sentence: str, window: str) -> bool:
    """The sentence's first two people appear in the evidence only in the other order
    ("Adult A assaulted Adult B" against "Adult B assaulted Adult A")."""
    s = list(dict.fromkeys(_entities(sentence)))
    if len(s) < 2:
        return False
    a, b = s[0], s[1]
    for clause in re.split(r"(?<=[.;])\s+", window):
        e = _entities(clause)
        if a in e and b in e:
            if e.index(a) < e.index(b):
                return False
            return True
    return False


def polarity_conflict(sentence: str, window: str) -> bool:
    """True when the sentence negates what the evidence states, or the reverse."""
    s_has, e_has = has_negation(sentence), has_negation(window)
    if s_has == e_has:
        return False  # both or neither negate: scope cannot be compared reliably
    s_neg, s_all = negation_scope(sentence)
    e_neg, e_all = negation_scope(window)
    if s_has:
        return bool(s_neg & e_all)
    return bool(e_neg & s_all)


@dataclass(frozen=True)
class Evidence:
    text: str
    id: str | None = None
    review_id: str | None = None
    review_title: str | None = None


@dataclass
class SupportResult:
    supported: bool
    score: float
    evidence_index: int | None = None
    span: str | None = None
    coverage: float = 0.0
    similarity: float | None = None
    unsupported: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def _best_window(sentence_terms: set[str], text: str) -> tuple[str, float]:
    spans = sentences_with_spans(text) or [(0, len(text))]
    best, best_cov = text, -1.0
    for i in range(len(spans)):
        for w in (1, 2, 3):
            if i + w > len(spans):
                break
            seg = text[spans[i][0] : spans[i + w - 1][1]]
            terms = set(content_terms(seg))
            cov = len(sentence_terms & terms) / max(1, len(sentence_terms))
            if cov > best_cov + 0.05 or (w == 1 and cov >= best_cov and cov > 0):
                best, best_cov = seg, cov
    return best, max(0.0, best_cov)


class SupportScorer:
    """Scores sentences against evidence; thresholds chosen on eval/support_pairs.jsonl."""

    def __init__(
        self,
        embedder: Embedder | None = None,
        aliases: dict[str, set[str]] | None = None,
        min_coverage: float = 0.6,
        min_similarity: float = 0.55,
    ) -> None:
        self.embedder = embedder
        self.aliases = aliases or {}
        self.min_coverage = min_coverage
        self.min_similarity = min_similarity

    def mentioned_reviews(self, sentence: str) -> dict[str, set[str]]:
        low = _norm(sentence)
        return {a: rids for a, rids in self.aliases.items() if f" {a} " in low}

    def score(self, sentence: str, evidence: Sequence[Evidence]) -> SupportResult:
        s_terms = set(content_terms(sentence))
        if not evidence or not s_terms:
            return SupportResult(
                False, 0.0, reasons=["no evidence" if not evidence else "no content words"]
            )
        results = [self._score_one(sentence, s_terms, i, ev) for i, ev in enumerate(evidence)]
        return max(results, key=lambda r: (r.supported, r.score))

    def _score_one(self, sentence: str, s_terms: set[str], i: int, ev: Evidence) -> SupportResult:
        window, cov = _best_window(s_terms, ev.text)
        sim = None
        if self.embedder is not None:
            a, b = self.embedder.embed([sentence, window])
            sim = float(sum(x * y for x, y in zip(a, b, strict=True)))
        ev_numbers = _numbers(ev.text)
        own = {a for a, rids in self.aliases.items() if ev.review_id in rids}
        missing = [
            f"{k} '{v}'"
            for k, v in specifics(sentence)
            if not _present(k, v, ev.text, ev_numbers) and not (k == "name" and v.lower() in own)
        ]
        reasons: list[str] = []
        if polarity_conflict(sentence, window):
            reasons.append("negation differs from the evidence")
        if roles_swapped(sentence, window):
            reasons.append(
                "the people named appear in the other order in the evidence (roles swapped?)"
            )
        if ev.review_id:
            for alias, rids in self.mentioned_reviews(sentence).items():
                if ev.review_id not in rids:
                    reasons.append(
                        f"names '{alias}', but the evidence is from {ev.review_title or ev.review_id}"
                    )
        if missing:
            reasons.append("not in the evidence: " + ", ".join(missing))
        lexical_ok = cov >= self.min_coverage or (
            sim is not None and cov >= self.min_coverage - 0.2 and sim >= self.min_similarity
        )
        if not lexical_ok:
            reasons.append(f"only {cov:.0%} of its content words are in the evidence")
        score = cov if sim is None else 0.6 * cov + 0.4 * max(0.0, sim)
        if missing or len(reasons) > (0 if lexical_ok else 1):
            score = min(score, 0.3)
        supported = lexical_ok and not missing and not reasons
        return SupportResult(
            supported=supported,
            score=round(score, 4),
            evidence_index=i,
            span=window,
            coverage=round(cov, 4),
            similarity=None if sim is None else round(sim, 4),
            unsupported=missing,
            reasons=reasons,
        )
