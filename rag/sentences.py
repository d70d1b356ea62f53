"""Sentence spans: one splitter shared by the index (sentence vectors), the answerer
and the support scorer, so a span means the same thing everywhere."""

from __future__ import annotations

import re

# Sentence ends, line breaks, and inline list items: "… missed opportunities: - From mid
# 2014 …. - The reviewing officer …" (a bullet list the source flowed into one line).
# A closing quote ends a sentence only after a full stop, "?" or "!" inside it: a
# "team around the child" (TAC) process is one sentence.
_END = r"(?:(?<=[.!?])|(?<=[.!?][”\"’]))"
_SENT_SPLIT = re.compile(
    _END + r"\s+(?=[A-Z“‘\"(\d])|\n+|(?:" + _END + r"|(?<=[:;]))\s+(?=[-•·▪]\s+[A-Z“‘\"(\d])"
)
MAX_SENTENCES = 40  # per chunk; a 160-token chunk rarely has more than 12
# Bump when the splitter changes: stored sentence vectors of another version are redone.
VERSION = 5
# A full stop after these is not the end of a sentence ("Ms. A", "e.g. the", "para. 5").
# Single initials are not on the list: reviews end many sentences with "Ms. A." / "Mr. C."
_ABBREV = re.compile(
    r"\b(?:Mr|Ms|Mrs|Miss|Dr|Prof|St|Cllr|Nos|para|paras|pp|vol|approx|cf|al|"
    r"e\.g|i\.e|viz)\.$"
)


def sentences_with_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character spans of the sentences of ``text`` (verbatim slices)."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in _SENT_SPLIT.finditer(text):
        if m.start() > pos:
            spans.append((pos, m.start()))
        pos = m.end()
    if pos < len(text):
        spans.append((pos, len(text)))
    out: list[tuple[int, int]] = []
    for s, e in spans:
        seg = text[s:e]
        lead = len(seg) - len(seg.lstrip())
        trail = len(seg) - len(seg.rstrip())
        if not seg.strip():
            continue
        s, e = s + lead, e - trail
        prev = out[-1] if out else None
        if prev and "\n" not in text[prev[1] : s] and _ABBREV.search(text[prev[0] : prev[1]]):
            out[-1] = (prev[0], e)  # "Ms." + " A said…" is one sentence
        else:
            out.append((s, e))
    return out


def sentence_units(text: str) -> list[tuple[int, int]]:
    """Spans worth embedding: sentences of at least 4 words, at most MAX_SENTENCES."""
    return [(s, e) for s, e in sentences_with_spans(text) if len(text[s:e].split()) >= 4][
        :MAX_SENTENCES
    ]
