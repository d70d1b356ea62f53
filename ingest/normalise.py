"""Line clean-up: SourceDoc lines -> working lines with conversion debris removed.

The first parser stage. It never changes words; it only removes debris that converters
leave behind (``[bookmark: _GoBack]``, ``SHAPE \\* MERGEFORMAT`` field codes, markdown
``**``, table separators, raw HTML cells) and maps bullet glyphs to a canonical ``- ``.
A source line can become several working lines (an HTML table cell holds several
paragraphs); each keeps the source line number so citations stay exact.

It also profiles the document (hard-wrapped PDF text or one-paragraph-per-line text),
because later stages choose their rules from the profile.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from typing import TypedDict

from rag.types import SourceDoc

BULLET_GLYPHS = "·•\uf0b7▪◦●\uf0a7\u2022"
_BULLET_RE = re.compile(rf"^\s*(?:[{BULLET_GLYPHS}]|-(?=\s)|–(?=\s))\s*")
_BOOKMARK_RE = re.compile(r"\[bookmark:[^\]]*\]")
_SHAPE_RE = re.compile(r"\bSHAPE\s+\\\*\s*MERGEFORMAT\b")
_MD_SEPARATOR_RE = re.compile(r"^\s*-{2,}(?:\t+-{2,})+\s*$")
_TAG_RE = re.compile(r"<[^>]+>")
_HTML_ROW_HEADING_RE = re.compile(r"^\s*(\d{1,2})\.?\t\s*<p>(?:<[^>]+>)*(.*?)(?:<[^>]+>)*</p>(.*)$")
_MULTILEVEL_NUM_RE = re.compile(r"^\d{1,2}(?:\.\d{1,2})+\.?(?:\s|$)")
_WS_RE = re.compile(r"[ \t\u00a0\u2002\u2003\u2009\u200a\u202f]+")


class Origin(TypedDict):
    """Where a working line came from in the source document."""

    line: int
    page: int | None
    style: str | None


@dataclass
class Line:
    """One working line. ``text`` is cleaned; ``lead`` keeps the leading white space of
    the source line because a leading space marks a PDF page start and a leading tab a
    table cell."""

    text: str
    line: int
    page: int | None = None
    style: str | None = None
    bold: bool = False
    lead: str = ""
    bullet: bool = False
    notes: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)

    @property
    def blank(self) -> bool:
        return not self.text


@dataclass
class Profile:
    """What kind of text this is; chosen once per document."""

    hard_wrapped: bool
    wrap_width: float
    footnote_style: str  # 'docx-ref' | 'superscript' | 'glyph' | 'pdf' | 'none'
    has_pages: bool


def squash(text: str) -> str:
    """Collapse runs of white space (tabs, NBSP) to single spaces and strip."""
    return _WS_RE.sub(" ", text).strip()


def strip_bullet(text: str) -> tuple[bool, str]:
    """('- item' or '· item') -> (True, 'item'); other text -> (False, text)."""
    m = _BULLET_RE.match(text)
    if m and len(text) > m.end():
        return True, text[m.end() :]
    return False, text


def _html_segments(cell: str) -> list[str]:
    """An HTML table cell -> its paragraphs and list items ('- item')."""
    s = re.sub(r"</?p>|<ul[^>]*>|</ul>|</li>", "\n", cell)
    s = s.replace("<li>", "\n- ").replace("•", "\n- ")
    s = _TAG_RE.sub("", s)
    out = []
    for part in s.split("\n"):
        part = part.strip()
        if part and part != "-":
            out.append(part)
    return out


def _clean_text(raw: str) -> tuple[str, bool, set[str]]:
    """Remove inline debris from one source line; return (text, whole_line_bold, flags)."""
    flags: set[str] = set()
    text = raw.replace("\u00a0", " ").replace("\u200b", "").replace("\ufeff", "")
    text = _BOOKMARK_RE.sub("", text)
    if _SHAPE_RE.search(text):
        flags.add("shape")
        text = _SHAPE_RE.sub("", text)
    if _MD_SEPARATOR_RE.match(text):
        return "", False, flags | {"separator"}
    bold = False
    if "**" in text:
        body = re.sub(r"^\s*(?:[-·•]\s*)?\d+(?:\.\d+)*\.?\s*", "", text).strip()
        bold = body.startswith("**") and body.rstrip(":").endswith("**") and len(body) > 4
        if not bold:
            flags.add("partial_bold")
        text = text.replace("**", "")
    return text.rstrip(), bold, flags


def _lead(raw: str) -> str:
    m = re.match(r"^[ \t\u00a0]*", raw)
    return m.group(0).replace("\u00a0", " ") if m else ""


def clean_lines(doc: SourceDoc) -> list[Line]:
    """SourceDoc lines -> working lines, debris removed, bullets canonical."""
    out: list[Line] = []
    for sl in doc.lines:
        raw = sl.text
        text, bold, flags = _clean_text(raw)
        lead = _lead(raw)
        base: Origin = {"line": sl.line, "page": sl.page, "style": sl.style}
        bold = bold or sl.bold
        if "<" in text and re.search(r"</?(?:p|ul|li|u)\b", text):
            out.extend(_split_html(text, lead, base, flags))
            continue
        stripped = text.strip()
        bullet, body = strip_bullet(stripped)
        if bullet and _MULTILEVEL_NUM_RE.match(body):
            # '- 1.1. Twins…': a numbered paragraph converted as a list item (001).
            bullet, stripped = False, body
        if sl.style and sl.style.lower().startswith("list") and not bullet:
            bullet, body = True, stripped
        out.append(
            Line(
                text=body if bullet else stripped,
                lead=lead,
                bold=bold,
                bullet=bullet,
                flags=flags,
                **base,
            )
        )
    return out


def _split_html(text: str, lead: str, base: Origin, flags: set[str]) -> list[Line]:
    """One source line holding an HTML table row -> working lines (same line number)."""
    out: list[Line] = []
    m = _HTML_ROW_HEADING_RE.match(text)
    if m and len(squash(_TAG_RE.sub("", m.group(2))).split()) > 15:
        # a one-cell row: 'N.\t<p>long paragraph</p>' is a numbered paragraph
        cell = " ".join(_html_segments(text.split("\t", 1)[1]))
        return [Line(text=f"{m.group(1)}. {cell}", lead="", flags=flags | {"html"}, **base)]
    if m:
        # 'N.\t<p>Title</p> <p>cell…</p>': a numbered framework row; its first
        # paragraph is the row's title.
        title = squash(_TAG_RE.sub("", m.group(2)))
        out.append(
            Line(text=f"{m.group(1)}. {title}", lead="", flags=flags | {"row_heading"}, **base)
        )
        rest = m.group(3)
    else:
        head, sep, rest = text.partition("\t")
        head = head.strip()
        if sep and head and "<" not in head:
            # 'Term\t<p>definition…</p>': a two-column (glossary-like) row.
            segs = _html_segments(rest)
            cell = " ".join(s if not s.startswith("- ") else s for s in segs)
            out.append(Line(text=f"{head}\t{cell}", lead="", flags=flags | {"tab_row"}, **base))
            return out
        if not sep:
            rest = text
    for seg in _html_segments(rest):
        bullet, body = strip_bullet(seg)
        out.append(
            Line(
                text=body,
                lead="\t" if not out else "",
                bullet=bullet,
                flags=flags | {"html"},
                **base,
            )
        )
    return out


def profile(lines: list[Line], doc: SourceDoc) -> Profile:
    """Decide hard-wrapped vs one-paragraph-per-line, and the footnote encoding."""
    lengths = [len(ln.text) for ln in lines if len(ln.text) > 30]
    hard = False
    p90 = 0.0
    if len(lengths) >= 20:
        lengths.sort()
        med = statistics.median(lengths)
        p90 = lengths[int(0.9 * (len(lengths) - 1))]
        # Hard-wrapped PDF text: most lines end near one width (003: median 77, p90 87);
        # DOCX text has one paragraph per line, so its long lines run to hundreds.
        hard = 55 <= med <= 100 and p90 <= 110
    raw = "\n".join(sl.text for sl in doc.lines)
    if "[footnoteRef:" in raw:
        style = "docx-ref"
    elif re.search(r"^\s*[¹²³⁴⁵⁶⁷⁸⁹⁰]+\s", raw, re.M):
        style = "superscript"
    elif re.search(r"^\s*\ufffd", raw, re.M):
        style = "glyph"
    elif hard:
        style = "pdf"
    else:
        style = "none"
    has_pages = any(sl.page is not None for sl in doc.lines)
    return Profile(
        hard_wrapped=hard or doc.format == "pdf" and hard,
        wrap_width=p90,
        footnote_style=style,
        has_pages=has_pages,
    )


_CONTINUATION_START_RE = re.compile(r"^[;,.)\]:]|^[a-z]")


def is_broken_continuation(prev: Line, cur: Line) -> bool:
    """True when ``cur`` continues the sentence of ``prev`` across a deleted footnote
    marker (004: 'referred Ms A to MARAC' / ' (a Multi-Agency…') in one-paragraph-per-line
    text: the line starts with punctuation, lower case, or a stray leading space."""
    if prev.blank or cur.blank or cur.bullet or "tab_row" in cur.flags:
        return False
    if "\t" in cur.lead or "\t" in prev.lead:
        return False
    text = cur.text
    if _CONTINUATION_START_RE.match(text):
        return True
    if cur.lead.startswith(" ") and len(cur.lead) <= 2 and not re.match(r"^\d", text):
        return not prev.text.endswith((":",))
    return False
