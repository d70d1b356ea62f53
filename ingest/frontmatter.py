"""Front matter: the contents page and the title page, taken out of the running text.

Contents entries become ``ParsedReview.contents`` (an outline hint, checked against the
detected headings); title-page lines are left to ingest/metadata.py. Neither is evidence.
"""

from __future__ import annotations

import re

from ingest.normalise import Line, squash

_CONTENTS_HEAD_RE = re.compile(r"^(?:table of )?contents(?: page)?:?$", re.I)
# '1\tIntroduction\t4', '3.2 Findings ........ 12', '\t1. Roles of Professionals\t29'
_ENTRY_RE = re.compile(
    r"^(?:(\d{1,2}(?:\.\d{1,2})*)\.?\s*)?\t*\s*(\S.*?)(?:\t+|\.{3,}|\s{3,})\s*(\d{1,3})\s*$"
)
FRONT_TITLES = re.compile(
    r"^(?:foreword|preface|acknowledge?ments?|executive summary|summary|introduction)$", re.I
)


def strip_contents(lines: list[Line]) -> list[str]:
    """Blank a contents page (in place) and return its entries, e.g. '1 Introduction'."""
    n = len(lines)
    for i, ln in enumerate(lines):
        if ln.blank:
            continue
        heading = _CONTENTS_HEAD_RE.match(ln.text.strip())
        run = 0 if heading else _entry_run(lines, i)
        if not heading and run < 3:
            continue
        entries: list[str] = []
        j = i + 1 if heading else i
        misses = 0
        last_entry = j
        while j < n and misses <= 2:
            t = lines[j]
            if t.blank:
                j += 1
                continue
            m = _ENTRY_RE.match(t.text)
            if m:
                num, title = m.group(1), squash(m.group(2))
                entries.append(f"{num} {title}" if num else title)
                last_entry = j
                misses = 0
            elif ("\t" in t.text or "\t" in t.lead) and len(t.text.split()) <= 6:
                # a group label ('\tAppendices\t') or a column header ('Section\t\t')
                label = squash(t.text.replace("\t", " "))
                if label.lower() not in ("section", "page", "contents"):
                    entries.append(label)
                last_entry = j
            else:
                misses += 1
            j += 1
        if not entries:
            continue
        for k in range(i, last_entry + 1):
            lines[k].text = ""
            lines[k].flags.add("contents")
        return entries
    return []


def _entry_run(lines: list[Line], i: int) -> int:
    run = 0
    for ln in lines[i:]:
        if ln.blank:
            continue
        if not _ENTRY_RE.match(ln.text):
            break
        run += 1
    return run


def mark_title_page(lines: list[Line]) -> list[Line]:
    """Title-page lines: the short lines before the first heading or paragraph (001:
    'Serious Case Review / Child B and Child C / … / July 2016'). They are blanked (in
    place) and returned for metadata."""
    out: list[Line] = []
    for ln in lines:
        if ln.blank:
            continue
        text = ln.text.strip()
        if FRONT_TITLES.match(text) or re.match(r"^\d", text) or len(text.split()) > 10:
            break
        if ln.style and ln.style.lower().startswith("heading"):
            break
        out.append(ln)
        if len(out) > 12:
            return []
    if len(out) < 2:
        return []
    for ln in out:
        ln.flags.add("title_page")
        ln.text = ""
    return out
