"""Repeated passages: later copies of a block are marked ``duplicate_of``, never deleted.

Reviews repeat themselves (002's learning points in the analysis and again in 'Learning
and Recommendations'; 004's text-box copies; 003's finding statements). Copies drift in
wording ('unnecessary risks' / 'unnecessary risk'), so the test is word-set overlap, not
equality: Jaccard >= 0.8 on lower-cased word sets (CORPUS-NOTES §7.8 suggests 0.85 on
the first 40 tokens; 0.8 on whole blocks also catches 002 LP3's added 'negative').
"""

from __future__ import annotations

import re

from rag.types import Section

_TOKEN_RE = re.compile(r"[a-z0-9]+")
THRESHOLD = 0.8
MIN_TOKENS = 8


def mark_duplicates(sections: list[Section]) -> list[Section]:
    """Return sections with later near-copies of earlier blocks marked."""
    seen: list[tuple[frozenset[str], int, str]] = []  # (tokens, size, path)
    out: list[Section] = []
    for sec in sections:
        if sec.kind in ("chronology", "glossary", "table"):
            out.append(sec)
            continue
        path = " > ".join(sec.path)
        blocks = []
        changed = False
        for b in sec.blocks:
            toks = frozenset(_TOKEN_RE.findall(b.text.lower()))
            first = None
            if len(toks) >= MIN_TOKENS:
                n = len(toks)
                for other, size, opath in seen:
                    if size < 0.7 * n or n < 0.7 * size:
                        continue
                    inter = len(toks & other)
                    if inter / (n + size - inter) >= THRESHOLD:
                        first = opath
                        break
            if first is not None and first != path:
                blocks.append(b.model_copy(update={"duplicate_of": first}))
                changed = True
            else:
                blocks.append(b)
                if len(toks) >= MIN_TOKENS:
                    seen.append((toks, len(toks), path))
        out.append(sec.model_copy(update={"blocks": tuple(blocks)}) if changed else sec)
    return out
