"""eval/metrics.py: budgeted recall, alternates, MRR and fact recall on small hand-made cases."""

from __future__ import annotations

import pytest

from eval.metrics import (
    Gold,
    coverage,
    fact_recall,
    gold_coverage,
    load_questions,
    score_retrieval,
    within_budget,
)
from rag.tokens import encoding

QUOTE = "the health visitor did not see the baby during the last four visits"
OTHER = "nobody from health saw the infant at the final four home visits"


def test_coverage_counts_shared_word_trigrams():
    assert coverage(QUOTE, [QUOTE]) == 1.0
    assert coverage(QUOTE, ["something else entirely here"]) == 0.0
    half = " ".join(QUOTE.split()[:7])
    assert 0.3 < coverage(QUOTE, [half]) < 0.7


def test_coverage_joins_a_quote_split_across_passages():
    ws = QUOTE.split()
    assert coverage(QUOTE, [" ".join(ws[:7]), " ".join(ws[5:])]) == 1.0


def test_within_budget_cuts_the_last_text_to_fit():
    texts = ["word " * 300, "tail " * 300]
    kept = within_budget(texts, 400)
    assert len(kept) == 2
    assert sum(len(encoding().encode(t)) for t in kept) <= 400


def test_alternate_wording_covers_the_gold_item():
    g = Gold("r1", QUOTE, (OTHER,))
    assert gold_coverage(g, [OTHER]) == 1.0
    assert gold_coverage(Gold("r1", QUOTE), [OTHER]) < 0.2


def test_mrr_hit_needs_the_right_review_and_counts_alternates():
    g = Gold("r1", QUOTE, (OTHER,))
    ranked = [("r2", QUOTE), ("r1", "unrelated text about something"), ("r1", OTHER)]
    s = score_retrieval([g], ranked)
    assert s.rr == pytest.approx(1 / 3)
    assert score_retrieval([Gold("r1", QUOTE)], ranked).rr == 0.0


def test_recall_is_budgeted_so_a_late_hit_does_not_count():
    g = Gold("r1", QUOTE)
    filler = [("r1", f"filler sentence number {i} " * 40) for i in range(10)]
    s = score_retrieval([g], [*filler, ("r1", QUOTE)])
    assert s.recall[500] == 0.0 and not s.all_found[2000]
    s = score_retrieval([g], [("r1", QUOTE), *filler])
    assert s.recall[500] == 1.0 and s.all_found[500] and s.rr == 1.0


def test_fact_recall_is_lenient_word_match():
    assert (
        fact_recall(["over 40 recorded incidents"], "There were over 40 incidents recorded.") == 1.0
    )
    assert fact_recall(["over 40 recorded incidents"], "There were 15 incidents.") == 0.0
    assert fact_recall(["MAPPA", "life sentence"], "He got a life sentence.") == 0.5


def test_load_questions_reads_alternates(tmp_path):
    p = tmp_path / "q.jsonl"
    p.write_text(
        '{"id": "x1", "question": "q?", "type": "factual", "reviews": ["r1"], '
        '"gold": [{"review_id": "r1", "quote": "a b c", "alternates": ["d e f"]}], "facts": []}\n'
    )
    (q,) = load_questions(p)
    assert q.gold[0].wordings == ("a b c", "d e f")
    p.write_text("not json\n")
    with pytest.raises(ValueError, match="q.jsonl:1"):
        load_questions(p)
