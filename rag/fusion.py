"""Fusion of ranked lists: pure functions."""

from __future__ import annotations

import math
from collections.abc import Sequence


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[str]], k: int = 60, weights: Sequence[float] | None = None
) -> dict[str, float]:
    """Reciprocal rank fusion: score(d) = sum_r w_r / (k + rank_r(d)), ranks from 1.

    Cormack, Clarke and Buettcher, "Reciprocal Rank Fusion outperforms Condorcet and
    individual Rank Learning Methods", SIGIR 2009. k=60 is the paper's constant: it damps
    the head of each list so one ranker's first place cannot outvote consistent agreement.
    """
    weights = weights or [1.0] * len(rankings)
    scores: dict[str, float] = {}
    for ranking, w in zip(rankings, weights, strict=True):
        for rank, doc in enumerate(ranking, start=1):
            scores[doc] = scores.get(doc, 0.0) + w / (k + rank)
    return scores


def zscore_fusion(
    scored: Sequence[Sequence[tuple[str, float]]], weights: Sequence[float] | None = None
) -> dict[str, float]:
    """Normalised score fusion over the union of the lists' candidates.

    Each list's scores are turned into z-scores over the union (a candidate a list did not
    return gets that list's lowest returned score), weighted and summed; the result is
    shifted so the weakest candidate scores just above 0, so multiplicative boosts keep
    their meaning. Unlike rank fusion it keeps how far ahead a ranker's first hit is
    (Fox and Shaw's CombSUM, TREC-2, 1994, with z-score normalisation).
    """
    weights = weights or [1.0] * len(scored)
    union: list[str] = list(dict.fromkeys(doc for lst in scored for doc, _ in lst))
    if not union:
        return {}
    total = dict.fromkeys(union, 0.0)
    for lst, w in zip(scored, weights, strict=True):
        if not lst or not w:
            continue
        got = dict(lst)
        low = min(got.values())
        vals = [got.get(d, low) for d in union]
        mu = sum(vals) / len(vals)
        sd = math.sqrt(sum((v - mu) ** 2 for v in vals) / len(vals))
        for d, v in zip(union, vals, strict=True):
            total[d] += w * ((v - mu) / sd if sd > 1e-12 else 0.0)
    floor = min(total.values())
    return {d: s - floor + 1e-3 for d, s in total.items()}


def diversify_by_group(
    ranked: Sequence[tuple[str, float]], group_of: dict[str, str], penalty: float = 0.35
) -> list[tuple[str, float]]:
    """Greedy re-ranking that divides a document's score by (1 + penalty * n), where n is
    how many documents of its group (review) are already selected: a cross-review question
    then sees the best passage of each review before a second one of any."""
    remaining = list(ranked)
    taken: dict[str, int] = {}
    out: list[tuple[str, float]] = []
    while remaining:
        best_i = max(
            range(len(remaining)),
            key=lambda i: remaining[i][1] / (1 + penalty * taken.get(group_of[remaining[i][0]], 0)),
        )
        doc, score = remaining.pop(best_i)
        g = group_of[doc]
        out.append((doc, score / (1 + penalty * taken.get(g, 0))))
        taken[g] = taken.get(g, 0) + 1
    return out
