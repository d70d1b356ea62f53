"""Paragraph units: clean working lines -> units (a paragraph, a list item, a table row).

One-paragraph-per-line text (DOCX conversions) gives one unit per line, repaired where a
deleted footnote marker or a page break split a sentence. Hard-wrapped text (PDF) is
rejoined: a line continues the paragraph when the line before it ran to (nearly) the
full width, unless it opens a new numbered item, a bullet, a label or a heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.normalise import Line, Profile, is_broken_continuation, squash

# A numbered item, a lettered item '(a)' / 'a.', a labelled unit or an ALL-CAPS heading
# starts a new unit even in the middle of a wrapped run.
_STRUCT_START_RE = re.compile(
    r"^(?:\d{1,2}(?:\.\d{1,2}){0,4}\.?(?:\s|$)"
    r"|\(?[a-z]\)\s|[a-z]\.(?:\s|$)|\([ivx]+\)\s"
    r"|FINDING\s+\d+|(?:Finding|Learning [Pp]oint|Recommendation|Lesson)\s+\d+\s*[:.]"
    r"|Appendix\s"
    r"|[A-Z][A-Z &,’'\-]{6,}$)"
)
_TERMINAL = (".", "?", "!", ":", ";", "”", "’", '"', ")")
# Sub-headings of the SCIE 'Learning Together' finding template (genre knowledge): in
# hard-wrapped text they wrap ('…unique to this' / 'case?') and must be rejoined whole.
TEMPLATE_HEADINGS = (
    "Introduction",
    "How did the issue manifest in this case?",
    "How do we know it is an underlying issue and not something unique to this case?",
    "How common and widespread is this pattern?",
    "What are the implications for the reliability of the multi-agency child protection system?",
    "QUESTIONS FOR THE BOARD TO CONSIDER",
)
_TEMPLATE_NORM = {re.sub(r"\W+", " ", t.lower()).strip(): t for t in TEMPLATE_HEADINGS}


@dataclass
class Unit:
    """A paragraph, list item or table row with the lines it came from."""

    text: str
    lines: list[Line]
    bullet: bool = False
    kind: str = "text"  # 'text' | 'row' (a rebuilt table row)
    flags: set[str] = field(default_factory=set)
    gap_before: int = 0  # blank lines before this unit
    cells: list[str] = field(default_factory=list)  # for tab-separated rows

    @property
    def first(self) -> Line:
        return self.lines[0]

    @property
    def line_start(self) -> int:
        return self.lines[0].line

    @property
    def line_end(self) -> int:
        return self.lines[-1].line

    @property
    def notes(self) -> list[str]:
        out: list[str] = []
        for ln in self.lines:
            out.extend(k for k in ln.notes if k not in out)
        return out

    @property
    def bold(self) -> bool:
        return all(ln.bold for ln in self.lines)

    @property
    def words(self) -> int:
        return len(self.text.split())


def template_key(text: str) -> str | None:
    """The SCIE template heading ``text`` spells, or None ('…this case?' wraps)."""
    norm = re.sub(r"\W+", " ", text.lower()).strip()
    return _TEMPLATE_NORM.get(norm)


def _template_prefix(text: str) -> bool:
    norm = re.sub(r"\W+", " ", text.lower()).strip()
    return len(norm) > 15 and any(k.startswith(norm) and k != norm for k in _TEMPLATE_NORM)


def _join(a: str, b: str) -> str:
    b = b.strip()
    if not a:
        return b
    if a.endswith("-") and b[:1].islower() and not a.endswith(" -"):
        return a + b
    if b[:1] in ";,.)" or a.endswith("("):
        return a + b
    return f"{a} {b}"


def build_units(
    lines: list[Line], prof: Profile, tables: dict[int, list[Unit]] | None = None
) -> list[Unit]:
    """Group working lines into units. ``tables`` maps id() of a table's first line to its
    rebuilt row units (tables.py); the other lines of the table are skipped."""
    tables = tables or {}
    if prof.hard_wrapped:
        lines = _split_glued_bullets(lines)
    units: list[Unit] = []
    prev: Line | None = None  # previous non-blank line
    gap = 0
    carry: set[str] = set()
    wide = 0.78 * prof.wrap_width if prof.wrap_width else 10**6
    for ln in lines:
        if id(ln) in tables:
            for row in tables[id(ln)]:
                row.gap_before = gap
                units.append(row)
            prev, gap = None, 0
            continue
        if "in_table" in ln.flags:
            continue
        if ln.blank:
            gap += 1
            carry |= ln.flags & {"shape", "page_break"}
            continue
        cur_unit = units[-1] if units and units[-1].kind == "text" and prev is not None else None
        if "\t" in ln.text.strip() and not prof.hard_wrapped:
            ln.flags.add("tab_row")
        if cur_unit is not None and "tab_row" in cur_unit.flags:
            cur_unit = None if not ln.text[:1].islower() else cur_unit
        if cur_unit is None or prev is None:
            joined = False
        elif prof.hard_wrapped:
            joined = _wrapped_joins(prev, ln, cur_unit, gap > 0, wide)
        else:
            joined = (not gap and is_broken_continuation(prev, ln)) or (
                gap > 0 and _page_break_join(cur_unit, ln)
            )
        if joined and cur_unit is not None:
            cur_unit.text = _join(cur_unit.text, ln.text)
            cur_unit.lines.append(ln)
        else:
            flags = set(ln.flags) | {"after_" + f for f in carry}
            units.append(
                Unit(text=ln.text, lines=[ln], bullet=ln.bullet, flags=flags, gap_before=gap)
            )
        carry = set()
        prev, gap = ln, 0
    for u in units:
        if u.kind != "text":
            continue
        if "tab_row" in u.flags:
            cells = [squash(c) for c in u.text.split("\t")]
            u.text = " | ".join(c for c in cells if c)
            u.cells = [c for c in cells if c]
        else:
            u.text = squash(u.text)
    return units


def _page_break_join(unit: Unit, ln: Line) -> bool:
    """'…and as such, it is' / (page break) / 'unlikely that…': a unit that starts lower
    case continues an unfinished body paragraph."""
    if not ln.text[:1].islower() or ln.bullet:
        return False
    last = unit.text.rstrip()
    return bool(last) and not last.endswith((".", "?", "!", ":")) and unit.words > 8


def _wrapped_joins(prev: Line, ln: Line, unit: Unit, gap: bool, wide: float) -> bool:
    text = ln.text
    if ln.bullet or _STRUCT_START_RE.match(text) or template_key(text) or _template_prefix(text):
        return False
    if template_key(unit.text) or "tab_row" in ln.flags:
        return False
    if _template_prefix(unit.text):
        # '…not something unique to this' + 'case?'
        return template_key(_join(unit.text, text)) is not None
    starts_lower = text[:1].islower() or text[:1] in ";,.)"
    if gap:
        if starts_lower and not unit.text.rstrip().endswith((".", "?", "!", ":")):
            return True
        return (
            "page_break" in ln.flags
            and len(prev.text) >= wide
            and not _title_like_short(text, wide)
            and not unit.text.endswith((".", "?", "!", ":"))
        )
    if prev.text.endswith(":") or prev.text.endswith("?") and len(prev.text) < wide:
        return False
    if ln.lead.startswith(" ") and "page_break" not in ln.flags and unit.bullet:
        return False
    if len(prev.text) >= wide or prev.text.endswith("-"):
        if prev.text.endswith(_TERMINAL) and _title_like_short(text, wide):
            return False
        return True
    return starts_lower and not prev.text.endswith((".", "?", "!"))


def _title_like_short(text: str, wide: float) -> bool:
    """A short line without final punctuation that starts upper case: a heading in
    wrapped text, not the last line of a paragraph."""
    return (
        len(text) < wide
        and text[:1].isupper()
        and not text.rstrip().endswith((".", ",", ";", ":", "?", ")"))
        and len(text.split()) <= 14
    )


def _split_glued_bullets(lines: list[Line]) -> list[Line]:
    """PDF text glues a list to its intro: 'young mothers to:  Have a healthy pregnancy'.
    Split at 'colon + two spaces + capital' and treat following space-led lines as items."""
    out: list[Line] = []
    in_list = False
    for ln in lines:
        m = re.search(r":\s{2,}(?=[A-Z])", ln.text)
        if m and not ln.bullet:
            out.append(
                Line(
                    text=ln.text[: m.start() + 1],
                    line=ln.line,
                    page=ln.page,
                    style=ln.style,
                    lead=ln.lead,
                    notes=list(ln.notes),
                    flags=set(ln.flags),
                )
            )
            out.append(
                Line(
                    text=ln.text[m.end() :],
                    line=ln.line,
                    page=ln.page,
                    style=ln.style,
                    lead=" ",
                    bullet=True,
                )
            )
            in_list = True
            continue
        if in_list and ln.lead == " " and not ln.blank and not _STRUCT_START_RE.match(ln.text):
            ln.bullet = True
        elif not ln.blank:
            in_list = ln.bullet and in_list
        out.append(ln)
    return out
