import pytest

from rag.fusion import diversify_by_group, reciprocal_rank_fusion, zscore_fusion


def test_rrf_scores_are_sums_of_reciprocal_ranks_with_k_60():
    scores = reciprocal_rank_fusion([["a", "b"], ["b", "c"]], k=60)
    assert scores == {"a": 1 / 61, "b": 1 / 62 + 1 / 61, "c": 1 / 62}


def test_rrf_prefers_agreement_over_one_first_place():
    scores = reciprocal_rank_fusion([["x", "y", "z"], ["y", "z", "x"]])
    assert max(scores, key=scores.get) == "y"


def test_rrf_weights_scale_each_ranking():
    scores = reciprocal_rank_fusion([["a"], ["b"]], weights=[2.0, 1.0])
    assert scores["a"] == 2 / 61 and scores["b"] == 1 / 61


def test_diversify_shows_each_group_before_a_second_from_any():
    ranked = [("a1", 1.0), ("a2", 0.9), ("a3", 0.8), ("b1", 0.5), ("c1", 0.45)]
    groups = {"a1": "A", "a2": "A", "a3": "A", "b1": "B", "c1": "C"}
    order = [d for d, _ in diversify_by_group(ranked, groups, penalty=1.0)]
    assert order[:3] == ["a1", "b1", "a2"] or set(order[:3]) == {"a1", "b1", "c1"}
    assert order[0] == "a1"
    assert len(order) == 5


def test_zscore_fusion_sums_z_scores_over_the_union():
    dense = [("a", 0.9), ("b", 0.5), ("c", 0.49)]
    lex = [("b", 5.0), ("c", 4.9), ("d", 4.8)]
    fused = zscore_fusion([dense, lex])
    # missing entries take the list's lowest score: dense d = 0.49, lex a = 4.8
    # z sums (by hand): a 0.83, b 0.96, c -0.30, d -1.49
    assert sorted(fused, key=fused.get, reverse=True) == ["b", "a", "c", "d"]
    assert fused["b"] - fused["a"] == pytest.approx(0.13, abs=0.02)
    assert min(fused.values()) == pytest.approx(1e-3)  # shifted above 0 for boosts


def test_zscore_fusion_weights_and_empty_lists():
    a = [("x", 1.0), ("y", 0.0)]
    b = [("y", 1.0), ("x", 0.0)]
    assert max(zscore_fusion([a, b], weights=[2.0, 1.0]).items(), key=lambda t: t[1])[0] == "x"
    assert max(zscore_fusion([a, b], weights=[1.0, 2.0]).items(), key=lambda t: t[1])[0] == "y"
    assert zscore_fusion([[], []]) == {}
    assert zscore_fusion([a, []]) == zscore_fusion([a])
    flat = zscore_fusion([[("p", 0.5), ("q", 0.5)]])
    assert flat["p"] == flat["q"]
