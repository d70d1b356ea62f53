"""Footnotes: take note bodies out of the running text and record where they are cited.

Four encodings occur in the genre (CORPUS-NOTES §7.4), one handler each:

- ``docx-ref``: ``[footnoteRef:N]`` markers and ``[N: body]`` bodies, bracket-balanced
  because bodies nest brackets (``[London]``) and span lines.
- ``superscript``: ``¹`` markers and body lines starting with superscript digits.
- ``glyph``: markers deleted by the converter, bodies as unnumbered ``U+FFFD`` lines at
  the end; they are aligned to the places where the deleted markers broke sentences.
- ``pdf``: digits glued to words ('Triborough1') and page-bottom blocks of a bare number
  followed by the body; bare numbers that are not footnotes are page numbers.

Every handler blanks the body lines, strips the markers and appends the note key to
``Line.notes`` of the citing line. Bodies are returned in a dict keyed by note number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.normalise import Line, Profile, is_broken_continuation, squash

_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SUP_TO_DIGIT = str.maketrans(_SUPERSCRIPTS, "0123456789")
_SUP_BODY_RE = re.compile(rf"^([{_SUPERSCRIPTS}]+)\s*(.*)$")
_SUP_MARK_RE = re.compile(rf"(?<=\S)([{_SUPERSCRIPTS}]+)")
_FNREF_RE = re.compile(r"\[footnoteRef:(\d+)\]")
_FNBODY_START_RE = re.compile(r"\[(\d+):")
_INT_LINE_RE = re.compile(r"^\d{1,3}$")
_URL_END_RE = re.compile(r"(https?://\S+|www\.\S+|\.html?|\.aspx|\.pdf|/)$")
_NUMBERED_NOTE_RE = re.compile(r"^(\d{1,2})\s+([A-Z].*)$")
_STRUCT_NUM_RE = re.compile(r"^\d{1,2}(?:\.\d{1,2})*\.(?:\s|$)|^\d{1,2}(?:\.\d{1,2})+(?:\s|$)")
_WORD_RE = re.compile(r"[a-z]{4,}")
_STOP = frozenset(
    "that this with from have were which their there been they when what where about "
    "would could should also into than them then these those such only other more".split()
)


@dataclass
class Notes:
    """Note bodies by key ('1', '2', … or 'e1', … for unnumbered endnotes)."""

    bodies: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # 1-based source lines of each note body, for the 'duplicate of a note' check.
    body_lines: dict[str, tuple[int, int]] = field(default_factory=dict)


def extract_notes(lines: list[Line], prof: Profile) -> Notes:
    """Remove footnote markers and bodies from ``lines`` (in place); return the bodies."""
    notes = Notes()
    handler = {
        "docx-ref": _docx_ref,
        "superscript": _superscript,
        "glyph": _glyph,
        "pdf": _pdf,
    }.get(prof.footnote_style)
    if handler:
        handler(lines, notes, prof)
    _numbered_note_lines(lines, notes)
    if prof.footnote_style == "pdf":
        _drop_note_copies(lines, notes)
    return notes


# --- docx-ref -----------------------------------------------------------------------


def _docx_ref(lines: list[Line], notes: Notes, prof: Profile) -> None:
    i = 0
    while i < len(lines):
        ln = lines[i]
        for ref in _FNREF_RE.finditer(ln.text):
            ln.notes.append(ref.group(1))
        ln.text = _FNREF_RE.sub("", ln.text)
        m = _FNBODY_START_RE.search(ln.text)
        while m:
            key = m.group(1)
            body, end_i, end_pos = _balanced(lines, i, m.end())
            notes.bodies[key] = squash(body)
            notes.body_lines[key] = (ln.line, lines[end_i].line)
            if end_i == i:
                ln.text = (ln.text[: m.start()] + ln.text[end_pos:]).rstrip()
            else:
                ln.text = ln.text[: m.start()].rstrip()
                for k in range(i + 1, end_i):
                    lines[k].text = ""
                    lines[k].flags.add("note_body")
                tail = lines[end_i].text[end_pos:].strip()
                lines[end_i].text = tail
                if not tail:
                    lines[end_i].flags.add("note_body")
            if key not in ln.notes and not any(key in x.notes for x in lines[max(0, i - 3) : i]):
                ln.notes.append(key)
            m = _FNBODY_START_RE.search(ln.text)
        ln.text = ln.text.rstrip()
        i += 1


def _balanced(lines: list[Line], i: int, pos: int) -> tuple[str, int, int]:
    """Scan from lines[i].text[pos:] to the bracket closing the one before ``pos``."""
    depth = 1
    parts: list[str] = []
    j = i
    text = lines[j].text
    start = pos
    while True:
        k = start
        while k < len(text):
            c = text[k]
            if c == "[":
                depth += 1
            elif c == "]":
                depth -= 1
                if depth == 0:
                    parts.append(text[start:k])
                    return " ".join(parts), j, k + 1
            k += 1
        parts.append(text[start:])
        if j + 1 >= len(lines) or j - i > 8:
            return " ".join(parts), j, len(text)
        j += 1
        text = lines[j].text
        start = 0


# --- superscript --------------------------------------------------------------------


def _superscript(lines: list[Line], notes: Notes, prof: Profile) -> None:
    for ln in lines:
        m = _SUP_BODY_RE.match(ln.text)
        if m and m.group(2):
            key = m.group(1).translate(_SUP_TO_DIGIT)
            notes.bodies[key] = squash(m.group(2))
            notes.body_lines[key] = (ln.line, ln.line)
            ln.text = ""
            ln.flags.add("note_body")
            continue
        for mm in _SUP_MARK_RE.finditer(ln.text):
            ln.notes.append(mm.group(1).translate(_SUP_TO_DIGIT))
        ln.text = _SUP_MARK_RE.sub("", ln.text)


# --- glyph endnotes -----------------------------------------------------------------


def _glyph(lines: list[Line], notes: Notes, prof: Profile) -> None:
    bodies: list[tuple[str, int]] = []
    for ln in lines:
        if ln.text.startswith("\ufffd"):
            bodies.append((squash(ln.text.lstrip("\ufffd")), ln.line))
            ln.text = ""
            ln.flags.add("note_body")
        elif "\ufffd" in ln.text:
            ln.text = ln.text.replace("\ufffd", "").rstrip()
    keys = []
    for n, (body, line_no) in enumerate(bodies, start=1):
        key = f"e{n}"
        notes.bodies[key] = body
        notes.body_lines[key] = (line_no, line_no)
        keys.append(key)
    # Marker positions: the deleted markers left a line break, so the next line starts
    # with punctuation, lower case or a stray space; a digit glued after a closing quote
    # may survive ('“welfare check”3').
    positions: list[int] = []
    prev: Line | None = None
    for idx, ln in enumerate(lines):
        if prev is not None and is_broken_continuation(prev, ln):
            positions.append(idx - 1 if not lines[idx - 1].blank else idx)
        if not ln.blank:
            m = re.search(r"([”’\"])(\d{1,2})$", ln.text)
            if m and idx + 1 < len(lines) and is_broken_continuation(ln, lines[idx + 1]):
                ln.text = ln.text[: m.start(2)]
        prev = ln if not ln.blank else None
    if not keys:
        return
    if not positions:
        notes.warnings.append(f"{len(keys)} endnotes could not be linked to any citing text")
        return
    assign = _align(
        [notes.bodies[k] for k in keys],
        [_marker_context(lines, p) for p in positions],
    )
    for key, pos in zip(keys, assign, strict=True):
        lines[positions[pos]].notes.append(key)
    if len(positions) != len(keys):
        notes.warnings.append(
            f"{len(keys)} endnotes for {len(positions)} probable marker positions; "
            "linked by content alignment"
        )


def _marker_context(lines: list[Line], p: int) -> str:
    """The words either side of a deleted marker: the end of line p, the start of p+1."""
    before = " ".join(lines[p].text.split()[-15:])
    after = " ".join(lines[p + 1].text.split()[:15]) if p + 1 < len(lines) else ""
    return f"{before} {after}"


def _words(text: str) -> set[str]:
    return {w for w in _WORD_RE.findall(text.lower()) if w not in _STOP}


def _align(bodies: list[str], contexts: list[str]) -> list[int]:
    """Monotone alignment of notes to marker positions maximising word overlap.

    Needleman-Wunsch style: each note takes one position, in order; positions can be
    skipped (a deleted marker whose note is missing) and, when there are more notes than
    positions, a note can share its predecessor's position.
    """
    m, k = len(bodies), len(contexts)
    bw = [_words(b) for b in bodies]
    cw = [_words(c) for c in contexts]
    score = [[len(bw[a] & cw[b]) + 0.5 for b in range(k)] for a in range(m)]
    neg = float("-inf")
    f = [[neg] * (k + 1) for _ in range(m + 1)]
    back: dict[tuple[int, int], tuple[int, int]] = {}
    for b in range(k + 1):
        f[0][b] = 0.0
    for a in range(1, m + 1):
        for b in range(1, k + 1):
            options = [
                (f[a][b - 1], (a, b - 1)),  # position b unused
                (f[a - 1][b - 1] + score[a - 1][b - 1], (a - 1, b - 1)),  # note a at b
                (f[a - 1][b] + score[a - 1][b - 1] - 1.0, (a - 1, b)),  # share position b
            ]
            best = max(options, key=lambda o: o[0])
            f[a][b] = best[0]
            back[(a, b)] = best[1]
    out = [0] * m
    a, b = m, k
    while a > 0 and b > 0:
        pa, pb = back[(a, b)]
        if pa == a - 1:
            out[a - 1] = b - 1
        a, b = pa, pb
    return out


# --- PDF page-bottom notes ----------------------------------------------------------


def _is_int_line(ln: Line) -> bool:
    return bool(_INT_LINE_RE.match(ln.text))


def _note_like(text: str) -> bool:
    words = text.split()
    return (
        len(words) >= 6
        or "http" in text
        or "www." in text
        or text.lower().startswith("ibid")
        or bool(re.search(r"\b(19|20)\d\d\b", text))
    )


def _pdf(lines: list[Line], notes: Notes, prof: Profile) -> None:
    last = 0
    n = len(lines)
    i = 0
    zones: list[tuple[str, int]] = []
    while i < n:
        ln = lines[i]
        if not _is_int_line(ln):
            i += 1
            continue
        if _in_stacked_run(lines, i):
            i += 1
            continue
        zone = _try_zone(lines, i, last, prof)
        if zone is None:
            # A bare number that opens no footnote block is a page number.
            ln.text = ""
            ln.flags.add("page_number")
            _mark_next(lines, i, "page_break")
            i += 1
            continue
        end, found = zone
        for key, body, first_line, last_line in found:
            notes.bodies[key] = body
            notes.body_lines[key] = (first_line, last_line)
            zones.append((key, i))
            last = max(last, int(key))
        for k in range(i, end):
            if lines[k].text:
                lines[k].flags.add("note_body")
            lines[k].text = ""
        _mark_next(lines, end - 1, "page_break")
        i = end
    for key, z in zones:
        _link_glued_marker(lines, key, z, prof)


def _mark_next(lines: list[Line], i: int, flag: str) -> None:
    for k in range(i + 1, len(lines)):
        if not lines[k].blank:
            lines[k].flags.add(flag)
            return


def _in_stacked_run(lines: list[Line], i: int) -> bool:
    """Bare numbers stacked 1, 2, 3… (a flattened table column or a lost list)."""
    run = [i]
    for direction in (-1, 1):
        k = i + direction
        while 0 <= k < len(lines) and abs(k - i) < 12:
            if lines[k].blank:
                k += direction
                continue
            if _is_int_line(lines[k]) or re.match(r"^\d{1,2}\.$", lines[k].text):
                run.append(k)
                k += direction
                continue
            break
    if len(run) < 3:
        return False
    vals = sorted(int(lines[k].text.rstrip(".")) for k in run)
    return all(b == a + 1 for a, b in zip(vals, vals[1:], strict=False))


def _try_zone(lines: list[Line], i: int, last: int, prof: Profile):
    """A page-bottom footnote block starting at bare number ``lines[i]``, or None.

    Returns (end index, [(key, body, first line, last line)]). The block runs until a
    page start (leading space), a number out of sequence (the page number) or the end.
    """
    n = len(lines)
    first = int(lines[i].text)
    if not last < first <= last + 3:
        return None
    pending: list[int] = []
    found: list[list] = []  # [key, [texts], first_line, last_line]
    j = i
    running = last
    texts = 0
    prev_text: Line | None = None
    after_number = False
    while j < n:
        ln = lines[j]
        if ln.blank:
            j += 1
            continue
        if _is_int_line(ln):
            v = int(ln.text)
            nxt = next((x for x in lines[j + 1 :] if not x.blank), None)
            before_page_start = nxt is None or nxt.lead.startswith(" ")
            if before_page_start:
                if j == i:
                    return None
                j += 1  # a number straight before a page start is that page's number
                break
            if running < v <= running + 3:
                pending.append(v)
                running = v
                after_number = True
                j += 1
                continue
            j += 1  # out of sequence: the page number closes the block
            break
        if j > i and ln.lead.startswith(" ") and texts:
            break  # next page starts
        if _STRUCT_NUM_RE.match(ln.text) and not texts:
            break
        if texts == 0 and not _note_like(ln.text):
            return None
        continues = ln.text[:1].islower() and not re.match(r"(ibid|http|www)", ln.text)
        new_note = (
            not found
            or after_number
            or (prev_text is not None and _ends_note(prev_text.text, prof) and not continues)
        )
        if new_note:
            if pending:
                key = pending.pop(0)
            else:
                key = (int(found[-1][0]) + 1) if found else first
            if any(f[0] == str(key) for f in found):
                key = max(int(f[0]) for f in found) + 1
            found.append([str(key), [ln.text], ln.line, ln.line])
            running = max(running, key)
        else:
            found[-1][1].append(ln.text)
            found[-1][3] = ln.line
        after_number = False
        prev_text = ln
        texts += 1
        if texts > 20 or len(found[-1][1]) > 12:
            return None
        j += 1
    if not found:
        return None
    return j, [(k, _join_wrapped(t), a, b) for k, t, a, b in found]


def _ends_note(text: str, prof: Profile) -> bool:
    if _URL_END_RE.search(text):
        return True
    return text.endswith((".", ")")) and len(text) < 0.7 * max(prof.wrap_width, 60)


def _join_wrapped(parts: list[str]) -> str:
    out = ""
    for p in parts:
        p = p.strip()
        if out.endswith("-") and p[:1].islower():
            out = out + p
        else:
            out = f"{out} {p}" if out else p
    return squash(out)


def _link_glued_marker(lines: list[Line], key: str, zone: int, prof: Profile) -> None:
    """Find the digit glued to a word that cites note ``key`` (same page, above the
    block), strip it and record the note on that line. Staff codes (HV1, SW2) are left
    alone: the word before the digits must not be upper case."""
    pat = re.compile(rf"(?<!\d\.)(?<![\d:/,])({re.escape(key)})(?![\d])")
    for k in range(zone - 1, max(-1, zone - 90), -1):
        ln = lines[k]
        if ln.blank or "note_body" in ln.flags:
            continue
        for m in reversed(list(pat.finditer(ln.text))):
            before = ln.text[: m.start()]
            if not before:
                continue
            tail = re.search(r"(\S*)$", before)  # always matches (possibly empty)
            word = tail.group(1) if tail else ""
            if not word:
                # ' 2' after a closing quote + full stop: "…children’. 2"
                after = ln.text[m.end() :]
                if re.search(r"[\w’”'\")]\.?\s$", before) and re.match(
                    r"^(\s+[A-Z“‘]|\s*$)", after
                ):
                    ln.text = (before.rstrip() + after).rstrip()
                    ln.notes.append(key)
                    return
                continue
            core = word.rstrip(".,;:’”'\")")
            if core and (core.isupper() or core[-1].isdigit()):
                continue  # HV1, SW2, LA2, TM1 and numbers are not markers
            if not re.search(r"[a-z)’”'\"\].,;:]$", word):
                continue
            ln.text = ln.text[: m.start()] + ln.text[m.end() :]
            ln.notes.append(key)
            return
    # No marker found: cite the note from the text just above its block.
    for k in range(zone - 1, -1, -1):
        if not lines[k].blank:
            lines[k].notes.append(key)
            return


# --- numbered note lines (any style) ------------------------------------------------


def _numbered_note_lines(lines: list[Line], notes: Notes) -> None:
    """'21 Working Together 2015' as a line of its own, cited by a digit glued to a
    word a few lines above ('…the actions”21.'): a footnote body left in the text."""
    for i, ln in enumerate(lines):
        m = _NUMBERED_NOTE_RE.match(ln.text)
        if not m or ln.bullet or m.group(1) in notes.bodies:
            continue
        key = m.group(1)
        pat = re.compile(rf"(?<=[a-z”’\"\)])({key})(?=[\s.,;:]|$)")
        for k in range(i - 1, max(-1, i - 15), -1):
            mm = pat.search(lines[k].text)
            if mm:
                lines[k].text = lines[k].text[: mm.start()] + lines[k].text[mm.end() :]
                lines[k].notes.append(key)
                notes.bodies[key] = squash(m.group(2))
                notes.body_lines[key] = (ln.line, ln.line)
                ln.text = ""
                ln.flags.add("note_body")
                break


def _drop_note_copies(lines: list[Line], notes: Notes) -> None:
    """A note body repeated in the running text without its number (003: footnote 24
    again as 29) is dropped from the text."""
    bodies = " ".join(notes.bodies.values())
    dropped = []
    for ln in lines:
        if ln.blank or len(ln.text.split()) < 6:
            continue
        if squash(ln.text) in bodies:
            dropped.append(ln.line)
            ln.text = ""
            ln.flags.add("note_body")
    if dropped:
        notes.warnings.append(
            f"dropped {len(dropped)} line(s) repeating a footnote body (lines "
            f"{dropped[0]}–{dropped[-1]})"
        )
