"""Retrieval contract tests, run against every retriever (dense, BM25, hybrid), plus
filters, query understanding and the LangChain adapter, on the real corpus index."""

from __future__ import annotations

import pytest

from rag.retrieval import BM25Retriever, DenseRetriever, Filters, HybridRetriever

MAKERS = {"dense": DenseRetriever, "bm25": BM25Retriever, "hybrid": HybridRetriever}


@pytest.fixture(params=list(MAKERS), scope="module")
def retriever(request, corpus_qa):
    return MAKERS[request.param](corpus_qa.engine)


class TestEveryRetriever:
    def test_returns_at_most_k_distinct_passages_best_first(self, retriever):
        got = retriever.retrieve("health visitor missed neglect", 7)
        assert 0 < len(got) <= 7
        assert len({p.id for p in got}) == len(got)
        assert [p.score for p in got] == sorted((p.score for p in got), reverse=True)

    def test_finds_the_passage_that_names_the_topic(self, retriever):
        got = retriever.retrieve("Domestic Violence Disclosure Scheme Clare's Law", 5)
        assert any("Clare" in p.chunk.text for p in got)

    def test_review_filter_is_respected(self, retriever):
        got = retriever.retrieve("assessment", 10, Filters(review_ids=["luton-child-j"]))
        assert got and {p.chunk.review_id for p in got} == {"luton-child-j"}

    def test_kind_filter_is_respected(self, retriever):
        got = retriever.retrieve("information sharing", 10, Filters(kinds=["recommendation"]))
        assert got and {p.chunk.kind for p in got} == {"recommendation"}

    def test_year_range_is_respected(self, retriever):
        got = retriever.retrieve("neglect", 10, Filters(year_from=2017, year_to=2018))
        assert got and all(2017 <= p.chunk.year <= 2018 for p in got)

    def test_section_prefix_is_respected(self, retriever):
        got = retriever.retrieve("father", 10, Filters(section_prefix=["2 The Findings", "2.6"]))
        assert got
        for p in got:
            assert p.chunk.section_path[0].startswith("2 The Findings")
            assert p.chunk.section_path[1].startswith("2.6")

    def test_no_match_for_an_impossible_filter(self, retriever):
        assert retriever.retrieve("anything", 5, Filters(review_ids=["no-such-review"])) == []

    def test_duplicates_are_not_indexed(self, retriever):
        got = retriever.retrieve("learning point", 30)
        assert all(p.chunk.duplicate_of is None for p in got)


def test_review_mention_restricts_to_that_review(corpus_qa):
    got = corpus_qa.engine.search("What did the Bolton review say about MARAC?", 10)
    assert {p.chunk.review_id for p in got} == {"bolton-child-a-b"}
    got = corpus_qa.engine.search("What happened to Ms A's housing?", 10)
    assert {p.chunk.review_id for p in got} == {"lambeth-child-k"}  # a mined person alias


def test_cross_review_question_is_diversified(corpus_qa):
    got = corpus_qa.engine.search("Across these reviews, how was domestic abuse assessed?", 10)
    assert len({p.chunk.review_id for p in got[:5]}) >= 3


def test_acronym_is_expanded_both_ways(corpus_qa):
    plan = corpus_qa.engine.plan("what is the DVDS?")
    assert any("Domestic Violence Disclosure Scheme" in e for e in plan.expansions)
    plan = corpus_qa.engine.plan("Was a Multi-Agency Risk Assessment Conference held?")
    assert "MARAC" in plan.expansions


def test_recommendation_questions_surface_recommendations(corpus_qa):
    got = corpus_qa.engine.search("What did the Lambeth review recommend about probation?", 5)
    assert got[0].chunk.kind == "recommendation" or any(
        p.chunk.kind == "recommendation" for p in got[:3]
    )


def test_neighbours_are_the_adjacent_passages_of_the_same_review(corpus_qa):
    e = corpus_qa.engine
    mid = e.view.by_review["luton-child-j"][10]
    before, after = e.neighbours(mid, 2)
    assert [c.order for c in before] == [mid.order - 2, mid.order - 1]
    assert [c.order for c in after] == [mid.order + 1, mid.order + 2]


def test_langchain_retriever_drops_into_an_lcel_chain(corpus_qa):
    from langchain_core.runnables import RunnableLambda

    from rag.lc import ReviewQARetriever

    lc = ReviewQARetriever(retriever=HybridRetriever(corpus_qa.engine), k=3)
    chain = (
        RunnableLambda(lambda q: q.strip())
        | lc
        | RunnableLambda(
            lambda docs: "\n".join(f"[{d.metadata['label']}] {d.page_content[:40]}" for d in docs)
        )
    )
    out = chain.invoke("  Clare's Law disclosure  ")
    assert out.count("\n") == 2 and "Child K" in out
    docs = lc.invoke("Clare's Law")
    assert docs[0].metadata["review_id"] == "lambeth-child-k"
    assert docs[0].page_content == corpus_qa.engine.get(docs[0].id).text


def test_neighbour_lift_adds_the_better_adjacent_score():
    from rag.retrieval import _with_neighbours

    adjacent = {"a": ("b",), "b": ("a", "c"), "c": ("b",), "d": ()}
    got = dict(_with_neighbours([("a", 1.0), ("b", 0.5), ("d", 0.7)], adjacent.__getitem__, 0.2))
    assert got["a"] == pytest.approx(1.0 + 0.2 * 0.5)
    assert got["b"] == pytest.approx(0.5 + 0.2 * 1.0)  # "c" was not retrieved: counts 0
    assert got["d"] == pytest.approx(0.7)  # no neighbours, no lift
    assert _with_neighbours([("a", 1.0)], adjacent.__getitem__, 0.0) == [("a", 1.0)]


def test_adjacency_follows_document_order_within_a_review(corpus_qa):
    view = corpus_qa.engine.view
    seq = view.by_review["stockport-child-b-c"]
    assert view.adjacent(seq[0].id) == (seq[1].id,)
    assert view.adjacent(seq[5].id) == (seq[4].id, seq[6].id)
    assert view.adjacent(seq[-1].id) == (seq[-2].id,)
    assert view.adjacent("no-such-chunk") == ()
    assert all(
        view.chunks[n].review_id == c.review_id for c in view.ordered for n in view.adjacent(c.id)
    )


def test_neighbour_lift_can_pull_in_the_passage_after_a_strong_hit(corpus_qa):
    q = "What did the Bolton review say about MARAC?"
    plain = corpus_qa.engine.with_config(neighbour_weight=0.0).search(q, 10)
    lifted = corpus_qa.engine.with_config(neighbour_weight=0.2).search(q, 10)
    assert {p.chunk.review_id for p in lifted} == {"bolton-child-a-b"}
    assert [p.id for p in plain] != [p.id for p in lifted]  # the option changes the ranking
    adjacent = corpus_qa.engine.view.adjacent
    # every passage the lift brought in sits next to a passage that was ranked higher
    for i, p in enumerate(lifted):
        if p.id not in {x.id for x in plain}:
            assert any(
                n in {x.id for x in lifted[:i]} or n in {x.id for x in plain}
                for n in adjacent(p.id)
            )
