"""Query understanding: acronym expansion, review mentions, cross-review intent, and the
kinds of unit a question asks for. Pure functions over the question and index metadata."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.types import Acronym, ReviewMeta

_WORD = re.compile(r"[A-Za-z][A-Za-z&'-]*")


@dataclass(frozen=True)
class QueryPlan:
    text: str
    expanded: str  # the question plus acronym expansions (for BM25)
    review_ids: tuple[str, ...] = ()
    cross_review: bool = False
    kinds: tuple[str, ...] = ()
    expansions: tuple[str, ...] = field(default_factory=tuple)


def build_acronym_table(acronyms: list[Acronym]) -> dict[str, list[str]]:
    """ACRONYM -> distinct expansions (most frequent first)."""
    counts: dict[str, dict[str, int]] = {}
    for a in acronyms:
        key = a.acronym.upper().rstrip("S") if a.acronym.endswith("s") else a.acronym.upper()
        exp = " ".join(a.expansion.split())
        counts.setdefault(key, {})
        norm = exp.lower()
        match = next((e for e in counts[key] if e.lower() == norm), exp)
        counts[key][match] = counts[key].get(match, 0) + 1
    return {k: sorted(v, key=lambda e: -v[e]) for k, v in counts.items()}


def expand_acronyms(question: str, table: dict[str, list[str]]) -> tuple[str, tuple[str, ...]]:
    """Append expansions for acronyms in the question, and acronyms for expansions."""
    added: list[str] = []
    for tok in set(re.findall(r"[A-Za-z&]{2,}", question)):
        key = tok.upper()
        if key.endswith("S") and key[:-1] in table and key not in table:
            key = key[:-1]
        # lower-case words only count when they are not ordinary words ("marac" yes, "fast" no)
        if key in table and (tok.isupper() or len(tok) >= 4 and tok.lower() not in _COMMON):
            for exp in table[key][:2]:
                if exp.lower() not in question.lower():
                    added.append(exp)
    low = _norm(question)
    for acr, exps in table.items():
        for exp in exps:
            if len(exp) > 8 and _norm(exp) in low and f" {acr.lower()} " not in low:
                added.append(acr)
    added = list(dict.fromkeys(added))
    expanded = question + (" (" + "; ".join(added) + ")" if added else "")
    return expanded, tuple(added)


# Everyday words people type and the register the reviews write in. BM25 matches words,
# so "the twins' dad" never reached "the father" lexically; the review's word is added to
# the lexical query (the dense query is left as typed).
_REGISTER: dict[str, str] = {
    **dict.fromkeys(("mum", "mums", "mummy", "mom", "moms", "mam"), "mother"),
    **dict.fromkeys(("dad", "dads", "daddy"), "father"),
    **dict.fromkeys(("kid", "kids"), "children"),
    **dict.fromkeys(("nan", "nana", "nanna", "gran", "granny", "grandma"), "grandmother"),
    **dict.fromkeys(("grandad", "granddad", "grandpa"), "grandfather"),
    **dict.fromkeys(("boyfriend", "girlfriend"), "partner"),
    **dict.fromkeys(("cop", "cops", "copper", "coppers"), "police"),
    **dict.fromkeys(("jail", "jailed", "gaol"), "prison"),
    "criminal record": "convictions",
}
_REGISTER_RE = re.compile(
    r"\b(" + "|".join(sorted((re.escape(k) for k in _REGISTER), key=len, reverse=True)) + r")\b",
    re.I,
)


# Acronyms practitioners type that a review may use without ever defining them (so the
# table mined at ingest lacks them). Used only where the mined table has no entry, and
# matched in capitals only ("LA", not "la").
PRACTICE_ACRONYMS: dict[str, str] = {
    "HV": "health visitor",
    "SW": "social worker",
    "DV": "domestic violence",
    "DA": "domestic abuse",
    "CP": "child protection",
    "A&E": "accident and emergency",
    "LA": "local authority",
    "NFA": "no further action",
    "S47": "section 47",
    "IRO": "independent reviewing officer",
    "LADO": "local authority designated officer",
    "CAMHS": "child and adolescent mental health services",
    "CSE": "child sexual exploitation",
    "PLO": "public law outline",
    "RCPC": "review child protection conference",
    "ICPC": "initial child protection conference",
    "CIN": "child in need",
    "CPP": "child protection plan",
    "YOS": "youth offending service",
    "IDVA": "independent domestic violence advisor",
    "PO": "probation officer",
}
_PRACTICE_RE = re.compile(
    r"(?<![\w&])("
    + "|".join(re.escape(k) for k in sorted(PRACTICE_ACRONYMS, key=len, reverse=True))
    + r")s?(?![\w&])"
)


def register_terms(question: str, mined: dict[str, list[str]] | None = None) -> tuple[str, ...]:
    """The reviews' words for everyday ones in the question ("mum" -> "mother"), and the
    words of practitioners' acronyms the mined table (``mined``) does not define."""
    low = question.lower()
    found = [_REGISTER[m.group(1).lower()] for m in _REGISTER_RE.finditer(question)]
    for m in _PRACTICE_RE.finditer(question):
        if m.group(1) not in (mined or {}):
            found.append(PRACTICE_ACRONYMS[m.group(1)])
    return tuple(dict.fromkeys(w for w in found if not re.search(rf"\b{w}\b", low)))


def _norm(text: str) -> str:
    """' multi agency risk assessment conference ' for 'Multi-Agency Risk Assessment Conference'."""
    return " " + " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split()) + " "


_COMMON = {
    "fast",
    "care",
    "said",
    "team",
    "plan",
    "safe",
    "need",
    "help",
    "time",
    "case",
    "home",
    "child",
    "court",
    "police",
    "chis",
    "salt",
    "mash",
}


def review_aliases(metas: list[ReviewMeta]) -> dict[str, set[str]]:
    """alias (lower case) -> review ids it names. Built from children, boards, title."""
    aliases: dict[str, set[str]] = {}

    def add(alias: str, rid: str) -> None:
        alias = alias.strip().lower()
        if len(alias) >= 4:
            aliases.setdefault(alias, set()).add(rid)

    for m in metas:
        for child in m.children:
            add(child, m.review_id)
        for board in m.boards:
            place = re.split(
                r"\b(?:Local\s+)?(?:Safeguarding|Children'?s?|LSCB|SCB|Council)\b", board
            )[0]
            for part in re.split(r"\s+and\s+|,|&", place):
                if part.strip():
                    add(part, m.review_id)
        inside = re.findall(r"\(([^)]*)\)", m.title)
        for chunk in inside:
            for part in re.split(r",|\s+and\s+", chunk):
                if not re.fullmatch(r"\s*\d{4}\s*", part):
                    add(part, m.review_id)
    return aliases


_PERSON_ID = re.compile(r"\b(?:Mr|Ms|Mrs|Miss|Adult|Child|Baby|Sibling)\.?\s+[A-Z]\b")


def mine_person_aliases(
    texts_by_review: dict[str, list[str]], min_count: int = 5, share: float = 0.9
) -> dict[str, set[str]]:
    """Person identifiers ("Ms A", "Mr C", "Adult B") that belong to one review: seen at
    least ``min_count`` times there and ``share`` of all their uses. "Child B" in two
    reviews maps to neither; the reviews' own child ids are already aliases."""
    counts: dict[str, dict[str, int]] = {}
    for rid, texts in texts_by_review.items():
        for t in texts:
            for m in _PERSON_ID.finditer(t):
                key = re.sub(r"[.\s]+", " ", m.group(0)).lower()
                counts.setdefault(key, {}).setdefault(rid, 0)
                counts[key][rid] += 1
    out: dict[str, set[str]] = {}
    for key, per in counts.items():
        rid, n = max(per.items(), key=lambda kv: kv[1])
        if n >= min_count and n >= share * sum(per.values()):
            out[key] = {rid}
    return out


def find_review_mentions(question: str, aliases: dict[str, set[str]]) -> tuple[str, ...]:
    """Reviews the question names. An alias shared by several reviews ("Child B": Bolton's
    Child A and Child B, Stockport's Child B and Child C) counts only for the reviews the
    question also names unambiguously ("Child A and Child B" is Bolton alone); on its own
    it names them all."""
    low = " " + " ".join(re.sub(r"[^a-z0-9 ]+", " ", question.lower()).split()) + " "
    hits = [(alias, rids) for alias, rids in aliases.items() if f" {alias} " in low]
    sure = {next(iter(rids)) for _, rids in hits if len(rids) == 1}
    found: list[str] = []
    for _, rids in hits:
        shared = rids & sure if len(rids) > 1 else rids
        found.extend(sorted(shared or rids))
    return tuple(dict.fromkeys(found))


_CROSS = re.compile(
    r"\b(across|reviews\s+(agree|differ|compare)|do\s+the\s+reviews|all\s+(the\s+|five\s+|these\s+)?reviews|"
    r"each\s+review|every\s+review|these\s+reviews|both\s+reviews|different\s+reviews|"
    r"compare|comparison|common\s+(themes?|to|across)|in\s+common|recurring|recur|other\s+reviews|"
    r"more\s+than\s+one\s+review|several\s+reviews|which\s+reviews)\b",
    re.I,
)

_KIND_CUES: list[tuple[re.Pattern[str], tuple[str, ...]]] = [
    (re.compile(r"\brecommend", re.I), ("recommendation",)),
    (
        re.compile(r"\b(learning|lessons?|learnt|learned|learn)\b", re.I),
        ("learning_point", "lesson", "finding"),
    ),
    (re.compile(r"\bfindings?\b", re.I), ("finding",)),
    (
        # "what did the review ask / put to the Board": a recommendation, or (SCIE
        # reviews) one of the questions for the board
        re.compile(
            r"\b(ask|asks|asked|put|puts|pose|posed)\b[^.?]*\b(the|each|every|its|their|other)\s+"
            r"(?:[\w-]+\s+){0,3}(board|LSCB|partnership)s?\b(?!\s+games?)",
            re.I,
        ),
        ("recommendation", "questions_for_board"),
    ),
    (
        re.compile(r"\b(questions?\s+for\s+the\s+board|board\s+(should\s+)?consider)\b", re.I),
        ("questions_for_board",),
    ),
    (
        re.compile(
            r"\b(family|mother'?s?\s+view|father'?s?\s+view|relatives?)\b.*\b(view|say|said|feel|felt|think)",
            re.I,
        ),
        ("family_view",),
    ),
    (
        re.compile(
            r"\b(chronology|timeline|when\s+(did|was|were)|what\s+date|sequence\s+of\s+events)\b",
            re.I,
        ),
        ("chronology",),
    ),
]


def wanted_kinds(question: str) -> tuple[str, ...]:
    kinds: list[str] = []
    for pat, ks in _KIND_CUES:
        if pat.search(question):
            kinds.extend(ks)
    return tuple(dict.fromkeys(kinds))


def plan_query(
    question: str,
    *,
    acronyms: dict[str, list[str]],
    aliases: dict[str, set[str]],
    use_acronyms: bool = True,
    use_mentions: bool = True,
    use_kinds: bool = True,
    use_register: bool = True,
) -> QueryPlan:
    expanded, added = expand_acronyms(question, acronyms) if use_acronyms else (question, ())
    if use_register:
        everyday = tuple(w for w in register_terms(question, acronyms) if w not in added)
        if everyday:
            expanded += " (" + "; ".join(everyday) + ")"
            added = (*added, *everyday)
    cross = bool(_CROSS.search(question))
    mentions = find_review_mentions(question, aliases) if use_mentions else ()
    return QueryPlan(
        text=question,
        expanded=expanded,
        review_ids=mentions,
        cross_review=cross,
        kinds=wanted_kinds(question) if use_kinds else (),
        expansions=added,
    )
