"""Chunker: a parsed review -> token-bounded chunks that never cross a section boundary.

Sizes are counted with tiktoken (cl100k_base). The embedder (all-MiniLM-L6-v2) reads at
most 256 word pieces and silently ignores the rest, so the embedded text (a ~25-token
header plus the chunk) must stay under that: 180 target / 220 max text tokens leaves
room, and a chunk of 180 tokens is about one or two numbered SCR paragraphs (60-250
words each), which is also the precision an answer wants to cite ("¶2.2.13-2.2.14").
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from rag.tokens import count_tokens
from rag.types import Block, Chunk, ParsedReview, ReviewMeta, Section

_SENT = re.compile(r"(?<=[.!?”’\"])\s+(?=[A-Z“‘\"(])")
_WS = re.compile(r"\s+")


def normalise(text: str) -> str:
    return _WS.sub(" ", text).strip().lower()


def chunk_id(review_id: str, embed_text: str, occurrence: int = 0) -> str:
    """Content hash of what is embedded, so the same id always means the same vector.
    ``occurrence`` separates identical texts within one review."""
    h = hashlib.sha256()
    h.update(review_id.encode() + b"\x00" + normalise(embed_text).encode())
    if occurrence:
        h.update(f"\x00{occurrence}".encode())
    return h.hexdigest()[:32]


def block_text(b: Block) -> str:
    return f"{b.para} {b.text}" if b.para else b.text


def _split_long(b: Block, max_tokens: int) -> list[Block]:
    """Split an over-long block at sentence boundaries (then words), keeping its number."""
    if count_tokens(block_text(b)) <= max_tokens:
        return [b]
    pieces: list[str] = []
    cur = ""
    for sent in _split_units(b.text, max_tokens):
        cand = f"{cur} {sent}".strip() if cur else sent
        if cur and count_tokens(cand) > max_tokens - 8:
            pieces.append(cur)
            cur = sent
        else:
            cur = cand
    if cur:
        pieces.append(cur)
    return [b.model_copy(update={"text": p}) for p in pieces]


def _split_units(text: str, max_tokens: int) -> Iterable[str]:
    for line in text.split("\n"):
        for sent in _SENT.split(line):
            if count_tokens(sent) <= max_tokens - 8:
                yield sent
                continue
            words = sent.split(" ")
            step = max(20, int(len(words) * (max_tokens - 8) / max(1, count_tokens(sent))))
            for i in range(0, len(words), step):
                yield " ".join(words[i : i + step])


def _pack(blocks: list[Block], target: int, max_tokens: int) -> list[list[Block]]:
    """Greedy packing of consecutive blocks up to ``target`` tokens."""
    groups: list[list[Block]] = []
    cur: list[Block] = []
    cur_tokens = 0
    for b in blocks:
        for piece in _split_long(b, max_tokens):
            t = count_tokens(block_text(piece))
            same_dup = not cur or (cur[-1].duplicate_of is None) == (piece.duplicate_of is None)
            if cur and (cur_tokens + t > target or not same_dup):
                groups.append(cur)
                cur, cur_tokens = [], 0
            cur.append(piece)
            cur_tokens += t
    if cur:
        groups.append(cur)
    return groups


def _para_range(paras: list[str]) -> str:
    if not paras:
        return ""
    return paras[0] if len(paras) == 1 else f"{paras[0]}–{paras[-1]}"


def _short(title: str, limit: int = 60) -> str:
    """A section title cut at a word boundary for labels ("5.4 The management of…")."""
    title = title.rstrip(". ")
    if len(title) <= limit:
        return title
    return title[:limit].rsplit(" ", 1)[0].rstrip(",;:–- ") + "…"


def make_label(
    meta: ReviewMeta, section: Section, paras: list[str], part: tuple[int, int] | None
) -> str:
    """Citation label, e.g. 'Child J (Luton, 2017) §2.6 Findings in Detail > Finding 2, ¶2.6.14'."""
    path = [_short(p) for p in section.path]
    tail = " > ".join(path[-2:]) if len(path) > 1 and not re.match(r"^\d", path[-1]) else path[-1]
    label = f"{meta.title} §{tail}"
    if paras:
        label += f", ¶{_para_range(paras)}"
    if part:
        label += f" (part {part[0]}/{part[1]})"
    return label


def embed_header(meta: ReviewMeta, section: Section) -> str:
    path = " > ".join(p[:70] for p in section.path[-3:])
    return f"[{meta.title}] {path}"


def chunk_review(parsed: ParsedReview, *, target: int = 180, max_tokens: int = 220) -> list[Chunk]:
    """All chunks of one review, in document order."""
    meta = parsed.meta
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for section in parsed.sections:
        blocks = [b for b in section.blocks if b.text.strip()]
        if not blocks:
            continue
        heading = section.path[-1] if section.path else ""
        # A long heading is itself a statement (a lesson, a finding): it leads the
        # section's first chunk so it can be found and quoted as evidence.
        lead = heading if len(heading.split()) >= 6 and heading[:40] not in blocks[0].text else None
        groups = _pack(blocks, max(40, target - (count_tokens(lead) if lead else 0)), max_tokens)
        n = len(groups)
        for k, group in enumerate(groups, start=1):
            text = "\n\n".join(block_text(b) for b in group)
            if lead and k == 1:
                text = f"{lead}\n{text}"
            paras = [b.para for b in group if b.para]
            paras = list(dict.fromkeys(paras))
            part = (k, n) if n > 1 else None
            header = embed_header(meta, section)
            lines = (min(b.line_start for b in group), max(b.line_end for b in group))
            pages_s = [b.page_start for b in group if b.page_start is not None]
            pages_e = [b.page_end for b in group if b.page_end is not None]
            dups = [b.duplicate_of for b in group if b.duplicate_of]
            notes = tuple(dict.fromkeys(n_ for b in group for n_ in b.notes))
            embed_text = f"{header}\n{text}"
            base = chunk_id(meta.review_id, embed_text)
            seen[base] = seen.get(base, -1) + 1
            chunks.append(
                Chunk(
                    id=chunk_id(meta.review_id, embed_text, seen[base]),
                    review_id=meta.review_id,
                    review_title=meta.title,
                    boards=meta.boards,
                    children=meta.children,
                    year=meta.year,
                    section_path=section.path,
                    kind=section.kind,
                    paragraphs=tuple(paras),
                    text=text,
                    embed_text=embed_text,
                    lines=lines,
                    pages=(min(pages_s), max(pages_e)) if pages_s and pages_e else None,
                    tokens=count_tokens(text),
                    notes=notes,
                    label=make_label(meta, section, paras, part),
                    duplicate_of=dups[0] if len(dups) == len(group) else None,
                    order=len(chunks),
                    part=part,
                )
            )
    return chunks
