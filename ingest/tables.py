"""Tables flattened one cell per line, rebuilt as 'cell | cell | cell' rows.

DOCX converters write each table cell as a tab-led line (002's chronology: ``\\tDATE`` /
``\\tACTIVITY`` / ``\\tAGENCY`` then ``\\tNovember`` / `` 2015`` / ``\\tAntenatal booking…``).
A row starts at a tab-led date cell; a bare year joins it; other tab-led lines start the
next cell; untabbed lines continue the current cell. Cells beyond the header's width are
extra agencies and join the last column.
"""

from __future__ import annotations

import re

from ingest.normalise import Line, squash
from ingest.paragraphs import Unit

_MONTHS = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
).split()
_DATE_RE = re.compile(
    rf"^(?:(?:early|mid|late|end of|beginning of)\s+)?(?:\d{{1,2}}(?:st|nd|rd|th)?\s+)?"
    rf"(?:{'|'.join(_MONTHS)})\b\.?(?:\s+\d{{4}})?$"
    r"|^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$|^(?:19|20)\d\d$",
    re.I,
)
_YEAR_RE = re.compile(r"^(?:19|20)\d\d$")
_END_RE = re.compile(r"^\d{1,2}(?:\.\d{1,2})*\.?\s+[A-Z]")


def _tab_led(ln: Line) -> bool:
    return "\t" in ln.lead


def find_tab_tables(lines: list[Line]) -> tuple[dict[int, list[Unit]], list[tuple[int, int]]]:
    """Find tab-led cell tables; return ({id(first line): row units}, [(line_from, line_to)])."""
    out: dict[int, list[Unit]] = {}
    spans: list[tuple[int, int]] = []
    i = 0
    n = len(lines)
    while i < n:
        header, j = _header(lines, i)
        if not header:
            i += 1
            continue
        end = j
        while end < n:
            ln = lines[end]
            if not ln.blank and not _tab_led(ln) and _END_RE.match(ln.text):
                break
            end += 1
        rows = _rows(lines[i:end], lines[j:end], header)
        if rows:
            out[id(lines[i])] = rows
            spans.append((lines[i].line, lines[end - 1].line))
            for ln in lines[i:end]:
                ln.flags.add("in_table")
        i = end
    return out, spans


def _header(lines: list[Line], i: int) -> tuple[list[str], int]:
    """Two or more consecutive short tab-led cells in capitals ('DATE', 'ACTIVITY')."""
    cells: list[str] = []
    j = i
    while j < len(lines):
        ln = lines[j]
        if ln.blank and not cells:
            return [], i
        if ln.blank:
            j += 1
            break
        if not (_tab_led(ln) and len(ln.text.split()) <= 3 and ln.text.isupper()):
            break
        cells.append(ln.text.strip())
        j += 1
    if len(cells) < 2:
        return [], i
    return cells, j


def _rows(all_lines: list[Line], body: list[Line], header: list[str]) -> list[Unit]:
    width = len(header)
    rows: list[tuple[list[list[str]], list[Line]]] = []
    cells: list[list[str]] = []
    used: list[Line] = []
    for ln in body:
        text = ln.text.strip()
        tab = _tab_led(ln)
        if tab and text and _DATE_RE.match(text):
            if cells:
                rows.append((cells, used))
            cells, used = [[text]], [ln]
            continue
        if not cells:
            continue
        if ln.blank:
            if tab and len(cells) < width:
                cells.append([])  # an empty tab-led line is an empty cell
            continue
        used.append(ln)
        if len(cells) == 1 and len(cells[0]) == 1 and _YEAR_RE.match(text):
            cells[0][0] = f"{cells[0][0]} {text}"
        elif tab:
            cells.append([("- " if ln.bullet else "") + text])
        else:
            cells[-1].append(("- " if ln.bullet else "") + text)
    if cells:
        rows.append((cells, used))
    units = []
    for cells, used in rows:
        cols = [c for c in cells]
        if len(cols) > width:
            cols = cols[: width - 1] + [sum(cols[width - 1 :], [])]
        parts = []
        for k, cell in enumerate(cols):
            sep = "; " if k == width - 1 and k > 0 else " "
            parts.append(_cell_text(cell, sep))
        text = " | ".join(p for p in parts)
        units.append(Unit(text=squash_keep_lists(text), lines=used, kind="row", flags={"row"}))
    return units


def _cell_text(cell: list[str], sep: str) -> str:
    out = ""
    for item in cell:
        if item.startswith("- "):
            out += "\n" + item
        else:
            out = f"{out}{sep if out and not out.endswith(chr(10)) else ''}{item}" if out else item
    return out


def squash_keep_lists(text: str) -> str:
    """Collapse white space but keep the '\\n- ' list breaks."""
    return "\n".join(squash(p) for p in text.split("\n") if squash(p))
