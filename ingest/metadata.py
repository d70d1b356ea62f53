"""Review metadata: title, children, boards, year, review model.

Overrides (data/reviews/reviews.toml, one table per review id) win; everything else is
read from the text. Reviews often have no title page (000, 002, 003), so each field has a
fallback: the children named most often, the boards named in 'X Safeguarding Children
Board' phrases, the year of a signature or title-page date, else the latest plausible
year the text mentions.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

from rag.types import ReviewMeta, SourceDoc

_CHILD_RE = re.compile(r"\bChild(?:ren)?\s+([A-Z])(?:\s*(?:,|and|&)\s*(?:Child\s+)?([A-Z]))?\b")
_PLACE = r"(?:[A-Z][a-z]+(?:[ -](?:and|&|upon|on)?[ -]?[A-Z][a-z]+)*)"
_BOARD_RE = re.compile(
    rf"\b({_PLACE})\s+(?:Local\s+)?(?:Safeguarding\s+Children(?:[’']s)?|Children[’']s\s+Safeguarding)"
    r"\s+Boards?\b"
)
_LSCB_RE = re.compile(rf"\b({_PLACE})\s+LSCBs?\b")
_BOARD_WORDS = {
    "Safeguarding",
    "Children",
    "Children's",
    "Children’s",
    "Board",
    "Boards",
    "Local",
    "LSCB",
    "LSCBs",
}
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE_LINE_RE = re.compile(
    rf"^\s*(?:\d{{1,2}}(?:st|nd|rd|th)?\s+)?(?:{_MONTHS})\s+((?:19|20)\d\d)\.?\s*$"
)
_YEAR_RE = re.compile(r"\b((?:19|20)\d\d)\b")
_NOT_PLACES = {
    "The",
    "This",
    "Local",
    "Each",
    "All",
    "Both",
    "Independent",
    "Joint",
    "Chair",
    "National",
    "Two",
    "Three",
    "Other",
    "Respective",
}
_MODELS = (
    (re.compile(r"Learning Together", re.I), "SCIE Learning Together"),
    (
        re.compile(r"Welsh Child Practice Review|Child Practice Review", re.I),
        "Welsh Child Practice Review",
    ),
    (re.compile(r"\bExecutive Summary of the Serious Case Review", re.I), "executive summary"),
    (
        re.compile(r"hybrid methodology|systems review|systems approach", re.I),
        "systems review with learning points",
    ),
)


def extract_meta(doc: SourceDoc, overrides: dict | None = None) -> ReviewMeta:
    """Metadata for one review; ``overrides`` (from reviews.toml) win over extraction."""
    ov = dict(overrides or {})
    text_lines = [ln.text for ln in doc.lines]
    text = "\n".join(text_lines)
    children = ov.get("children") or _children(text)
    boards = ov.get("boards") or _boards(text)
    year = ov.get("year") or _year(text_lines)
    model = ov.get("review_model") or _model(text)
    title = ov.get("title") or _title(children, boards, year, doc)
    return ReviewMeta(
        review_id=doc.review_id,
        title=title,
        children=tuple(children),
        boards=tuple(boards),
        year=year,
        review_model=model,
        source_file=Path(doc.path).name,
        sha256=doc.sha256,
        format=doc.format,
    )


def _children(text: str) -> list[str]:
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for m in _CHILD_RE.finditer(text):
        for g in m.groups():
            if g:
                counts[g] += 1
                first.setdefault(g, m.start())
    if not counts:
        return []
    top = counts.most_common(1)[0][1]
    # The subjects are named throughout; siblings mentioned in passing are not.
    keep = [c for c, n in counts.items() if n >= max(2, 0.6 * top)]
    return [f"Child {c}" for c in sorted(keep, key=lambda c: first[c])]


def _boards(text: str) -> list[str]:
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for rx in (_BOARD_RE,):
        for m in rx.finditer(text):
            for place in re.split(r"\s+(?:and|&)\s+", m.group(1)):
                words = [w for w in place.split() if w not in _BOARD_WORDS]
                while words and words[0] in _NOT_PLACES:
                    words = words[1:]
                if not words:
                    continue
                name = " ".join(words)
                counts[name] += 1
                first.setdefault(name, m.start())
    if not counts:
        for m in _LSCB_RE.finditer(text):
            name = m.group(1).split()[-1]
            if name not in _NOT_PLACES:
                counts[name] += 1
                first.setdefault(name, m.start())
    ranked = sorted(counts, key=lambda p: (-counts[p], first[p]))
    return [f"{p} Safeguarding Children Board" for p in ranked[:3]]


def _year(lines: list[str]) -> int | None:
    this_year = date.today().year
    # A date alone on a line near the start (title page) or in a signature block.
    head = lines[:60]
    for ln in head:
        if "\t" in ln:
            continue
        m = _DATE_LINE_RE.match(ln)
        if m and 1990 <= int(m.group(1)) <= this_year:
            return int(m.group(1))
    years = [int(y) for y in _YEAR_RE.findall("\n".join(lines)) if 1990 <= int(y) <= this_year]
    return max(years) if years else None


def _model(text: str) -> str | None:
    for rx, name in _MODELS:
        if rx.search(text):
            return name
    has_lp = re.search(r"^\s*Learning [Pp]oint \d", text, re.M)
    has_rec = re.search(r"^\s*(?:\d[\d.]*\s+)?Recommendation \d", text, re.M)
    if has_lp and has_rec:
        return "learning points and recommendations"
    if has_lp:
        return "learning points"
    return None


def _title(children: list[str], boards: list[str], year: int | None, doc: SourceDoc) -> str:
    who = " and ".join(children) if children else doc.review_id
    place = boards[0].replace(" Safeguarding Children Board", "") if boards else ""
    inside = ", ".join(x for x in (place, str(year) if year else "") if x)
    return f"{who} ({inside})" if inside else who
