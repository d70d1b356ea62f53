"""Acronyms: a per-review dictionary mined from glossaries and inline definitions.

Sources, in order: glossary entries ('MASH: Multi-agency safeguarding hub. …'),
'Full Name (ACR)', 'ACR (Full Name)', and 'Full Name … ACR' where a capitalised phrase
whose initials spell the acronym sits just before its first use (004: the heading
'Domestic Violence Disclosure Scheme' then 'The DVDS arrangement'). Every expansion is
validated: its word initials must spell the acronym, so 'MARAC (Multi Agency Risk
Assessment Conference)' passes and 'SCR (see above)' does not. Inconsistent expansions
are all kept (003 spells RIAT three ways).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from rag.types import Acronym, Section

_ACR = r"[A-Z][A-Za-z&]{1,9}?[A-Z]s?"
_PAREN_AFTER_RE = re.compile(rf"\(({_ACR})\)")
_PAREN_BEFORE_RE = re.compile(rf"\b({_ACR})\s+\(([^()]{{4,120}})\)")
_TOKEN_RE = re.compile(rf"\b({_ACR})\b")
_STOP = frozenset("of and the for to in on at a an with by or".split())
_WORD_SPLIT_RE = re.compile(r"[\s\-/]+")


def mine_acronyms(
    review_id: str, sections: tuple[Section, ...] | list[Section]
) -> tuple[Acronym, ...]:
    """Acronyms with validated expansions, glossary first, then inline definitions."""
    found: dict[tuple[str, str], Acronym] = {}

    def add(acr: str, expansion: str, source: str) -> None:
        acr = acr.strip()
        expansion = re.sub(r"\s+", " ", expansion).strip(" ,.;:")
        key = (acr, expansion.lower())
        if key not in found:
            found[key] = Acronym(
                acronym=acr, expansion=expansion, review_id=review_id, source=source
            )

    for sec in sections:
        if sec.kind != "glossary":
            continue
        for b in sec.blocks:
            for entry in b.text.split("\n"):
                term, _, definition = entry.partition(":")
                term = term.strip()
                if not definition or not re.fullmatch(_ACR, term.replace(" ", "")):
                    continue
                exp = _leading_expansion(term, definition)
                if exp:
                    add(term, exp, f"glossary:{b.line_start}")

    seen_text: list[tuple[str, int]] = []
    for sec in sections:
        if sec.kind == "glossary":
            continue
        for title in sec.path:
            seen_text.append((title, sec.blocks[0].line_start if sec.blocks else 0))
        for b in sec.blocks:
            text = b.text
            for m in _PAREN_AFTER_RE.finditer(text):
                acr = m.group(1)
                exp = _expansion_before(acr, text[: m.start()])
                if exp:
                    add(acr, exp, f"inline:{_line_at(b, m.start())}")
            for m in _PAREN_BEFORE_RE.finditer(text):
                acr = m.group(1)
                inner = re.sub(
                    r"^(?:a|an|the)\s+", "", m.group(2).split(",")[0].strip(), flags=re.I
                )
                exp = _expansion_prefix(acr, inner)
                if exp:
                    add(acr, exp, f"inline:{_line_at(b, m.start())}")
            seen_text.append((text, b.line_start))
    # Implicit: the acronym used right after a phrase (or heading) that spells it.
    known = {a.acronym for a in found.values()}
    for idx, (text, line) in enumerate(seen_text):
        for m in _TOKEN_RE.finditer(text):
            acr = m.group(1)
            if acr in known or len(_letters(acr)) < 3:
                continue
            window = [text[: m.start()]] + [t for t, _ in seen_text[max(0, idx - 2) : idx]][::-1]
            for k, chunk in enumerate(window):
                exp = _phrase_in(acr, chunk)
                if exp:
                    src_line = line if k == 0 else seen_text[idx - k][1]
                    add(acr, exp, f"inline:{src_line}")
                    known.add(acr)
                    break
    return tuple(found.values())


def _line_at(block, offset: int) -> int:
    """Estimate the source line of a character offset in a (possibly rejoined) block."""
    span = block.line_end - block.line_start
    if span <= 0 or not block.text:
        return block.line_start
    return block.line_start + round(span * offset / len(block.text))


def _letters(acr: str) -> str:
    a = acr[:-1] if len(acr) > 2 and acr.endswith("s") and acr[:-1].isupper() else acr
    return "".join(c for c in a if c.isalpha()).upper()


def _words_of(phrase: str) -> list[str]:
    return [
        w.strip("‘’'\"“”(),.;:") for w in _WORD_SPLIT_RE.split(phrase) if w.strip("‘’'\"“”(),.;:")
    ]


@lru_cache(maxsize=4096)
def matches(acr: str, phrase: str) -> bool:
    """True when the initials of ``phrase`` spell ``acr`` (stop words optional)."""
    letters = _letters(acr)
    words = [w for w in _words_of(phrase) if w != "&"]
    if not letters or not words or words[-1].lower() in _STOP or words[0].lower() in _STOP:
        return False

    @cache
    def go(i: int, j: int) -> bool:
        if i == len(letters):
            return all(w.lower() in _STOP for w in words[j:])
        if j == len(words):
            return False
        w = words[j]
        if w[0].upper() == letters[i]:
            if go(i + 1, j + 1):
                return True
            # a word can give two letters: 'SafeLives', 'MAPPA' from 'Multi-Agency'
            if (
                len(w) > 1
                and i + 1 < len(letters)
                and any(c.upper() == letters[i + 1] and c.isupper() for c in w[1:])
                and go(i + 2, j + 1)
            ):
                return True
        if w.lower() in _STOP:
            return go(i, j + 1)
        return False

    return go(0, 0)


def _expansion_before(acr: str, before: str) -> str | None:
    """'… Bolton Safeguarding Children Board' + '(BSCB)': the shortest run of words
    ending right before the parenthesis whose initials spell the acronym."""
    words = before.rstrip().split()
    n = len(_letters(acr))
    for k in range(max(1, n - 1), min(len(words), n + 4) + 1):
        phrase = " ".join(words[-k:])
        if phrase[:1].islower() and phrase.split()[0].lower() not in _STOP:
            continue
        if matches(acr, phrase):
            return phrase.strip("‘’'\"“”(),.;: ")
    return None


def _expansion_prefix(acr: str, inner: str) -> str | None:
    words = inner.split()
    n = len(_letters(acr))
    for k in range(max(1, n - 1), min(len(words), n + 4) + 1):
        phrase = " ".join(words[:k])
        if matches(acr, phrase):
            return phrase.strip("‘’'\"“”(),.;: ")
    return None


def _leading_expansion(acr: str, definition: str) -> str | None:
    """A glossary definition that starts with the expansion ('Child Abuse Investigation
    Team/Unit[1][2] is a unit…')."""
    d = re.sub(r"\[\d+\]", "", definition).strip()
    first = re.split(r"[.–;(]|\s-\s|\bis\b|\bwhich\b", d, maxsplit=1)[0]
    words = first.split()
    n = len(_letters(acr))
    for k in range(max(1, n - 1), min(len(words), n + 4) + 1):
        phrase = " ".join(words[:k])
        if matches(acr, phrase.replace("/", " / ").split(" / ")[0] if "/" in phrase else phrase):
            return (
                phrase.split("/")[0].strip()
                if "/" in phrase and matches(acr, phrase.split("/")[0])
                else phrase
            )
    return None


def _phrase_in(acr: str, text: str) -> str | None:
    """A capitalised phrase in ``text`` whose initials spell ``acr`` exactly."""
    letters = _letters(acr)
    words = text.split()
    n = len(letters)
    for start in range(len(words) - 1, -1, -1):
        for k in range(n, min(n + 3, len(words) - start) + 1):
            chunk = words[start : start + k]
            caps = [w for w in chunk if w.lower() not in _STOP]
            if not caps or not all(w[:1].isupper() for w in caps):
                continue
            phrase = " ".join(chunk)
            if matches(acr, phrase):
                return phrase.strip("‘’'\"“”(),.;: ")
    return None
