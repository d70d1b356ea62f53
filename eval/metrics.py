"""Retrieval and answer metrics, shared by `reviewqa eval`, the benchmarks and CI floors.

Retrieval is scored inside a token budget so chunk size cannot buy recall: passages are
taken in rank order and counted with tiktoken until the budget is spent (the last one is
cut to fit). A gold quote's coverage is the share of its word 3-grams found in that text
(3-grams, not exact match, so a quote split across two chunks still counts).

A gold item may list ``alternates``: the same evidence stated elsewhere in the review
(the summary repeating a finding, a foreword restating the verdict). The item counts as
covered by whichever of its wordings is covered best. Alternates come from blind pooled
judging (see eval/README.md), never from one system's output alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rag.tokens import encoding

BUDGETS = (500, 1000, 2000)
FOUND = 0.8  # a gold quote counts as found when 80% of its 3-grams are retrieved
HIT = 0.5  # a passage "hits" for MRR when it holds half of some gold quote

_TOK = re.compile(r"[a-z0-9]+")
DATASET = Path(__file__).resolve().parent / "questions.jsonl"
HELDOUT = DATASET.parent / "heldout.jsonl"  # written blind; see eval/README.md


@dataclass(frozen=True)
class Gold:
    review_id: str
    quote: str
    alternates: tuple[str, ...] = ()

    @property
    def wordings(self) -> tuple[str, ...]:
        return (self.quote, *self.alternates)


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    type: str
    answerable: bool
    reviews: tuple[str, ...]
    gold: tuple[Gold, ...]
    facts: tuple[str, ...]


def load_questions(path: Path = DATASET) -> list[Question]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}:{n}: not JSON ({e.msg})") from e
        out.append(
            Question(
                id=d["id"],
                question=d["question"],
                type=d["type"],
                answerable=bool(d.get("answerable", True)),
                reviews=tuple(d.get("reviews", [])),
                gold=tuple(
                    Gold(g["review_id"], g["quote"], tuple(g.get("alternates", [])))
                    for g in d.get("gold", [])
                ),
                facts=tuple(d.get("facts", [])),
            )
        )
    return out


def words(text: str) -> list[str]:
    return _TOK.findall(text.lower().replace("’", "'").replace("'", ""))


def ngrams(ws: Sequence[str], n: int = 3) -> set[tuple[str, ...]]:
    if len(ws) < n:
        return {tuple(ws)} if ws else set()
    return {tuple(ws[i : i + n]) for i in range(len(ws) - n + 1)}


def within_budget(texts: Sequence[str], budget: int) -> list[str]:
    """The texts in order, until ``budget`` tokens are used (the last one is cut)."""
    enc = encoding()
    out, used = [], 0
    for t in texts:
        toks = enc.encode(t, disallowed_special=())
        if used + len(toks) <= budget:
            out.append(t)
            used += len(toks)
        else:
            rest = budget - used
            if rest > 0:
                out.append(enc.decode(toks[:rest]))
            break
    return out


def gold_coverage(gold: Gold, texts: Sequence[str]) -> float:
    """Coverage of a gold item: its best-covered wording."""
    return max(coverage(w, texts) for w in gold.wordings)


def coverage(quote: str, texts: Sequence[str]) -> float:
    q = ngrams(words(quote))
    if not q:
        return 0.0
    have: set[tuple[str, ...]] = set()
    for t in texts:
        have |= ngrams(words(t))
    return len(q & have) / len(q)


@dataclass
class RetrievalScore:
    recall: dict[int, float] = field(default_factory=dict)  # budget -> mean quote coverage
    all_found: dict[int, bool] = field(default_factory=dict)  # budget -> every quote found
    rr: float = 0.0  # reciprocal rank of the first hit passage


def score_retrieval(gold: Sequence[Gold], ranked: Sequence[tuple[str, str]]) -> RetrievalScore:
    """``ranked``: (review_id, text) of retrieved passages, best first."""
    s = RetrievalScore()
    texts = [t for _, t in ranked]
    for b in BUDGETS:
        kept = within_budget(texts, b)
        covs = [gold_coverage(g, kept) for g in gold]
        s.recall[b] = sum(covs) / len(covs) if covs else 0.0
        s.all_found[b] = all(c >= FOUND for c in covs)
    for rank, (rid, text) in enumerate(ranked, 1):
        if any(g.review_id == rid and gold_coverage(g, [text]) >= HIT for g in gold):
            s.rr = 1.0 / rank
            break
    return s


def fact_recall(facts: Sequence[str], answer: str) -> float:
    """Lenient word match: a fact is present when 2/3 of its words (all, if 1-2 words)
    appear in the answer."""
    if not facts:
        return 0.0
    have = set(words(answer))
    hits = 0
    for f in facts:
        fw = [
            w
            for w in words(f)
            if w not in {"the", "a", "an", "of", "to", "and", "in", "was", "were"}
        ]
        if not fw:
            continue
        need = len(fw) if len(fw) <= 2 else -(-2 * len(fw) // 3)
        hits += sum(w in have for w in fw) >= need
    return hits / len(facts)


def mean(xs: Sequence[float]) -> float:
    return sum(xs) / len(xs) if xs else 0.0


def percentile(xs: Sequence[float], p: float) -> float:
    if not xs:
        return 0.0
    ys = sorted(xs)
    i = min(len(ys) - 1, max(0, round(p / 100 * (len(ys) - 1))))
    return ys[i]
