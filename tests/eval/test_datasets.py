"""Checks on the hand-written evaluation datasets in eval/.

These tests read the real JSONL files and the real bundled review texts (no mocks).
They guard the annotation rules described in eval/README.md: every evidence quote
and every support-pair passage must be a verbatim excerpt of its review after
whitespace normalisation, and the label/type counts must stay within the agreed
minimums.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REVIEWS_DIR = ROOT / "data" / "reviews"
EVAL_DIR = ROOT / "eval"
QUESTIONS = EVAL_DIR / "questions.jsonl"
HELDOUT = EVAL_DIR / "heldout.jsonl"  # written without seeing the system (eval/README.md)
SUPPORT_PAIRS = EVAL_DIR / "support_pairs.jsonl"

REVIEW_IDS = {
    "bolton-child-a-b",
    "stockport-child-b-c",
    "buckinghamshire-child-v",
    "luton-child-j",
    "lambeth-child-k",
}
QUESTION_TYPES = {
    "factual",
    "why",
    "what_went_wrong",
    "recommendation",
    "learning",
    "acronym",
    "chronology",
    "passage",
    "cross_review",
    "unanswerable",
}
HARD_NEGATIVE_TYPES = {"number", "date", "negation", "wrong_review", "wrong_child"}
NEGATIVE_TYPES = HARD_NEGATIVE_TYPES | {"unrelated"}

QUESTION_KEYS = {"id", "question", "type", "answerable", "reviews", "gold", "facts"}
PAIR_KEYS = {
    "id",
    "sentence",
    "passage",
    "passage_review_id",
    "supported",
    "negative_type",
    "note",
}

# Conversion debris that must never appear inside a quote or passage.
DEBRIS = re.compile(
    r"\[footnoteRef|\[bookmark|\*\*|</?p>|</?u>|<ul|\uFFFD|SHAPE|[\u00b9\u00b2\u00b3\u2070-\u2079]"
)


def normalise(text: str) -> str:
    """Collapse every run of whitespace (including newlines and NBSP) into one space."""
    return re.sub(r"\s+", " ", text).strip()


def word_count(text: str) -> int:
    return len(text.split())


@cache
def review_text(review_id: str) -> str:
    return normalise((REVIEWS_DIR / f"{review_id}.txt").read_text(encoding="utf-8"))


def read_jsonl(path: Path) -> list[dict]:
    records = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:  # pragma: no cover - failure path
            pytest.fail(f"{path.name}:{lineno} is not valid JSON: {exc}")
    return records


DEV_RECORDS = read_jsonl(QUESTIONS)
QUESTION_RECORDS = DEV_RECORDS + read_jsonl(HELDOUT)
PAIR_RECORDS = read_jsonl(SUPPORT_PAIRS)

GOLD_CASES = [
    pytest.param(
        q["id"], g["review_id"], quote, j > 0, id=f"{q['id']}-gold{i}" + (f"-alt{j}" if j else "")
    )
    for q in QUESTION_RECORDS
    for i, g in enumerate(q.get("gold", []), 1)
    for j, quote in enumerate([g["quote"], *g.get("alternates", [])])
]
PASSAGE_CASES = [
    pytest.param(p["id"], p["passage_review_id"], p["passage"], id=p["id"]) for p in PAIR_RECORDS
]


# --------------------------------------------------------------------------- files


def test_review_files_exist():
    for rid in REVIEW_IDS:
        assert (REVIEWS_DIR / f"{rid}.txt").is_file(), rid


@pytest.mark.parametrize("path", [QUESTIONS, HELDOUT, SUPPORT_PAIRS], ids=lambda p: p.name)
def test_every_line_parses_as_object(path):
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    assert lines, f"{path.name} is empty"
    for lineno, line in enumerate(lines, 1):
        assert isinstance(json.loads(line), dict), f"{path.name}:{lineno} is not an object"


# ----------------------------------------------------------------------- questions


def test_question_ids_unique_and_well_formed():
    ids = [q["id"] for q in QUESTION_RECORDS]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    assert all(re.fullmatch(r"[qh]\d{3}", i) for i in ids), ids  # q: dev set, h: held-out


def test_question_schema():
    for q in QUESTION_RECORDS:
        assert set(q) == QUESTION_KEYS, (q["id"], set(q) ^ QUESTION_KEYS)
        assert isinstance(q["question"], str) and q["question"].strip(), q["id"]
        assert q["type"] in QUESTION_TYPES, (q["id"], q["type"])
        assert isinstance(q["answerable"], bool), q["id"]
        assert isinstance(q["reviews"], list), q["id"]
        assert set(q["reviews"]) <= REVIEW_IDS, (q["id"], q["reviews"])
        assert len(q["reviews"]) == len(set(q["reviews"])), q["id"]
        assert isinstance(q["gold"], list) and isinstance(q["facts"], list), q["id"]
        for g in q["gold"]:
            assert set(g) <= {"review_id", "quote", "alternates"}, q["id"]
            assert {"review_id", "quote"} <= set(g), q["id"]
            alts = g.get("alternates", [])
            assert isinstance(alts, list), q["id"]
            assert len(set(alts)) == len(alts) and g["quote"] not in alts, q["id"]
            assert g["review_id"] in REVIEW_IDS, (q["id"], g["review_id"])
        for f in q["facts"]:
            assert isinstance(f, str) and f.strip(), q["id"]
            assert word_count(f) <= 12, (q["id"], f)


def test_question_count_minimum():
    assert len(DEV_RECORDS) >= 48
    assert len(QUESTION_RECORDS) - len(DEV_RECORDS) >= 30


def test_counts_per_type():
    counts = Counter(q["type"] for q in DEV_RECORDS)
    for t in QUESTION_TYPES:
        minimum = {"cross_review": 5, "unanswerable": 7}.get(t, 4)
        assert counts[t] >= minimum, f"type {t}: {counts[t]} < {minimum}"


def test_counts_per_review():
    counts = Counter(rid for q in DEV_RECORDS if q["answerable"] for rid in q["reviews"])
    for rid in REVIEW_IDS:
        assert counts[rid] >= 6, f"{rid}: only {counts[rid]} answerable questions"


def test_answerable_flag_matches_type():
    for q in QUESTION_RECORDS:
        assert q["answerable"] == (q["type"] != "unanswerable"), q["id"]


def test_answerable_questions_have_gold_and_facts():
    for q in QUESTION_RECORDS:
        if not q["answerable"]:
            continue
        assert 1 <= len(q["gold"]) <= 4, (q["id"], len(q["gold"]))
        assert 1 <= len(q["facts"]) <= 4, (q["id"], len(q["facts"]))
        gold_reviews = {g["review_id"] for g in q["gold"]}
        assert gold_reviews <= set(q["reviews"]), (q["id"], gold_reviews, q["reviews"])
        assert set(q["reviews"]) <= gold_reviews, (q["id"], "review listed without evidence")


def test_unanswerable_questions_have_no_gold_or_facts():
    unanswerable = [q for q in QUESTION_RECORDS if not q["answerable"]]
    assert len(unanswerable) >= 7
    for q in unanswerable:
        assert q["gold"] == [] and q["facts"] == [], q["id"]


def test_cross_review_questions_span_reviews():
    for q in QUESTION_RECORDS:
        if q["type"] != "cross_review":
            continue
        gold_reviews = {g["review_id"] for g in q["gold"]}
        assert len(gold_reviews) >= 2, q["id"]
        assert set(q["reviews"]) == gold_reviews, q["id"]


def test_single_review_questions_stay_in_one_review():
    for q in QUESTION_RECORDS:
        if q["answerable"] and q["type"] != "cross_review":
            assert len(q["reviews"]) == 1, q["id"]


def test_no_duplicate_questions():
    texts = [normalise(q["question"]).lower() for q in QUESTION_RECORDS]
    assert len(texts) == len(set(texts))


@pytest.mark.parametrize("qid,review_id,quote,alternate", GOLD_CASES)
def test_gold_quote_is_verbatim(qid, review_id, quote, alternate):
    assert quote == quote.strip(), f"{qid}: quote has leading/trailing space"
    # Alternates (eval/pooled_judgments.jsonl) are the sentence as the review words it
    # elsewhere, so they may be shorter (a footnote) or longer (a whole sentence).
    low, high = (5, 70) if alternate else (8, 45)
    assert low <= word_count(quote) <= high, f"{qid}: {word_count(quote)} words"
    assert not DEBRIS.search(quote), f"{qid}: conversion debris in quote"
    assert normalise(quote) in review_text(review_id), f"{qid}: not found in {review_id}"


# -------------------------------------------------------------------- support pairs


def test_pair_ids_unique_and_well_formed():
    ids = [p["id"] for p in PAIR_RECORDS]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    assert all(re.fullmatch(r"p\d{3}", i) for i in ids), ids


def test_pair_schema_and_labels():
    for p in PAIR_RECORDS:
        assert set(p) == PAIR_KEYS, (p["id"], set(p) ^ PAIR_KEYS)
        assert isinstance(p["supported"], bool), p["id"]
        assert p["passage_review_id"] in REVIEW_IDS, p["id"]
        assert isinstance(p["sentence"], str) and p["sentence"].strip(), p["id"]
        assert isinstance(p["note"], str) and p["note"].strip(), p["id"]
        if p["supported"]:
            assert p["negative_type"] is None, p["id"]
        else:
            assert p["negative_type"] in NEGATIVE_TYPES, (p["id"], p["negative_type"])


def test_pair_counts():
    assert len(PAIR_RECORDS) >= 72
    supported = sum(p["supported"] for p in PAIR_RECORDS)
    negatives = Counter(p["negative_type"] for p in PAIR_RECORDS if not p["supported"])
    assert supported >= 25, supported
    assert sum(negatives.values()) >= 35, negatives
    for t in HARD_NEGATIVE_TYPES:
        assert negatives[t] >= 7, f"{t}: {negatives[t]}"


def test_pairs_cover_every_review():
    counts = Counter(p["passage_review_id"] for p in PAIR_RECORDS)
    assert set(counts) == REVIEW_IDS, counts


def test_negative_sentences_are_not_in_passage():
    for p in PAIR_RECORDS:
        if not p["supported"]:
            assert normalise(p["sentence"]) not in normalise(p["passage"]), p["id"]


def test_same_sentence_never_has_two_labels():
    labels: dict[tuple[str, str], bool] = {}
    for p in PAIR_RECORDS:
        key = (normalise(p["sentence"]), normalise(p["passage"]))
        assert labels.setdefault(key, p["supported"]) == p["supported"], p["id"]


@pytest.mark.parametrize("pid,review_id,passage", PASSAGE_CASES)
def test_passage_is_verbatim(pid, review_id, passage):
    assert passage == passage.strip(), f"{pid}: passage has leading/trailing space"
    assert 25 <= word_count(passage) <= 120, f"{pid}: {word_count(passage)} words"
    assert not DEBRIS.search(passage), f"{pid}: conversion debris in passage"
    assert normalise(passage) in review_text(review_id), f"{pid}: not found in {review_id}"
