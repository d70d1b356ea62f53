"""CI gate: a short eval on a fixed subset must stay above the floors recorded in
eval/floors.json, so a retrieval or citation regression cannot land silently."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.metrics import HELDOUT, load_questions
from eval.report import write_report
from eval.runner import run_eval

FLOORS = Path(__file__).resolve().parents[2] / "eval" / "floors.json"


@pytest.mark.integration
@pytest.mark.parametrize("dataset", ["dev", "heldout"])
def test_short_eval_stays_above_recorded_floors(corpus_qa, tmp_path, dataset):
    all_floors = json.loads(FLOORS.read_text())
    floors = all_floors if dataset == "dev" else all_floors["heldout"]
    questions = load_questions() if dataset == "dev" else load_questions(HELDOUT)
    subset = questions[:: all_floors["every_nth"]]  # a fixed, type-mixed subset
    summary = run_eval(corpus_qa, subset)
    report = write_report(summary, tmp_path / "out", "subset")
    assert report.exists() and (tmp_path / "out" / "recall_vs_budget.png").stat().st_size > 1000
    got = {
        "recall@2000": summary["retrieval"]["recall@2000"],
        "mrr": summary["retrieval"]["mrr"],
        "citation_validity": summary["answers"]["citation_validity"],
    }
    print(f"short {dataset} eval on {len(subset)} questions: {got}")
    for name, value in got.items():
        assert value >= floors[name], f"{name} fell to {value:.3f}, below the floor {floors[name]}"


def test_report_lists_misses_and_baseline_side_by_side(tmp_path):
    from eval.runner import QuestionResult, summarise

    rs = [
        QuestionResult(
            id="q1",
            question="a?",
            type="why",
            answerable=True,
            reviews=["r1"],
            recall={"500": 0.2, "1000": 0.5, "2000": 1.0},
            all_found={"500": False, "1000": False, "2000": True},
            rr=0.5,
            missed_quotes=["the missing quote"],
            fact_recall=1.0,
            baseline_recall={"500": 0.1, "1000": 0.2, "2000": 0.3},
            baseline_rr=0.25,
        ),
        QuestionResult(
            id="q2", question="b?", type="unanswerable", answerable=False, reviews=[], refused=False
        ),
    ]
    summary = summarise(rs, with_baseline=True)
    text = write_report(summary, tmp_path, "tiny").read_text()
    assert "| ReviewQA | 0.200 | 0.500 | 1.000 | 1.000 | 0.500 |" in text
    assert "naive LangChain" in text and "0.300" in text
    assert "the missing quote" in text
    assert "Unanswerable questions answered anyway: q2" in text
