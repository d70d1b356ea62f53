"""rag/sentence_scorer.py: features of candidate sentences and the fitted model."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from rag.sentence_scorer import FEATURES, MODEL, SentenceModel, features


@dataclass
class _C:
    passage_id: str
    text: str
    rank: int = 0
    dense: float = 0.5
    lexical: float = 0.3
    prior: float = 1.0
    match: float = 0.5


def _row(cands: list[_C], i: int) -> dict[str, float]:
    return dict(zip(FEATURES, features(cands)[i], strict=True))


def test_neighbour_features_stay_inside_one_passage():
    cands = [
        _C("p", "first of p with some words", match=0.9),
        _C("p", "second of p with some words", match=0.2),
        _C("q", "first of q with some words", rank=1, match=0.7),
    ]
    first, second, other = _row(cands, 0), _row(cands, 1), _row(cands, 2)
    assert (first["first"], first["previous"], first["next"]) == (1.0, 0.0, 0.2)
    assert (second["first"], second["previous"], second["next"]) == (0.0, 0.9, 0.0)
    # the next passage's first sentence does not see p's last one
    assert (other["first"], other["previous"], other["rank"]) == (1.0, 0.0, 0.5)


def test_the_model_prefers_matching_words_and_a_sentence_after_a_strong_match():
    def p(cands: list[_C], i: int) -> float:
        return MODEL.score(cands)[i]

    text = "The health visitor did not see the children again for seven weeks."
    assert p([_C("p", text, lexical=0.8)], 0) > p([_C("p", text, lexical=0.1)], 0)
    assert p([_C("p", text, match=0.9), _C("p", text)], 1) > p(
        [_C("p", text, match=0.1), _C("p", text)], 1
    )
    assert all(0.0 < x < 1.0 for x in MODEL.score([_C("p", text), _C("q", text, rank=7)]))


def test_a_model_with_the_wrong_number_of_weights_is_refused():
    with pytest.raises(ValueError, match="needs 8 weights"):
        SentenceModel(weights=(1.0, 2.0), bias=0.0)
