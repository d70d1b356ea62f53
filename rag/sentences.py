"""Sentence spans: one splitter shared by the index (sentence vectors), the answerer
and the support scorer, so a span means the same thing everywhere."""

from __future__ import annotations

import re

_SENT_SPLIT = re.compile(r"(?<=[.!?”\"])\s+(?=[A-Z“‘\"(\d])|\n+")
MAX_SENTENCES = 40  # per chunk; a 220-token chunk rarely has more than 15


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
    out = []
    for s, e in spans:
        seg = text[s:e]
        lead = len(seg) - len(seg.lstrip())
        trail = len(seg) - len(seg.rstrip())
        if seg.strip():
            out.append((s + lead, e - trail))
    return out


def sentence_units(text: str) -> list[tuple[int, int]]:
    """Spans worth embedding: sentences of at least 4 words, at most MAX_SENTENCES."""
    return [(s, e) for s, e in sentences_with_spans(text) if len(text[s:e].split()) >= 4][
        :MAX_SENTENCES
    ]
