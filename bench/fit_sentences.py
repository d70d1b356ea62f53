"""Fit the answer sentence model (rag/sentence_scorer.py) and cross-validate it.

Builds the bundled corpus's index in a temp dir, retrieves the /ask passages (k=8) for
every answerable analysis question (eval/questions.jsonl, and eval/heldout.jsonl up to
--last, h150 by default: batch 6 on is kept for reporting), and labels each candidate
sentence: positive when it holds one of the question's answer facts (the metric's
lenient word match) or half its word 3-grams are gold evidence.

Then, five-fold cross-validation split by question (five shuffles): a logistic
regression fitted on four folds ranks the fifth fold's sentences, and the answer that
``rag.answer.select_sentences`` would pick from them is scored for answer facts, against
the shipped model on the same folds and the hand-set blend it replaced. Finally it fits
on every question and prints the weights to paste into rag/sentence_scorer.py.

Run: .venv/bin/python bench/fit_sentences.py [--last h150]
Needs scikit-learn (installed with sentence-transformers).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import rag.answer as A  # noqa: E402
from eval.metrics import DATASET, HELDOUT, fact_recall, load_questions, mean, ngrams, words  # noqa: E402
from ingest.pipeline import ingest_paths  # noqa: E402
from rag.config import Settings  # noqa: E402
from rag.embeddings import MiniLMEmbedder  # noqa: E402
from rag.sentence_scorer import FEATURES, MODEL, SentenceModel, features  # noqa: E402
from rag.service import build_pipeline  # noqa: E402
from rag.store import ChunkStore  # noqa: E402

REVIEWS = ROOT / "data" / "reviews"


def label(c: A.Candidate, gold: set[tuple[str, ...]], facts: tuple[str, ...]) -> float:
    grams = ngrams(words(c.text))
    in_gold = bool(grams) and len(grams & gold) / len(grams) >= 0.5
    return float(in_gold or any(fact_recall([f], c.text) > 0 for f in facts))


def picked_facts(qa, q, cands, scores) -> float:  # noqa: ANN001
    """Answer facts of what select_sentences would pick with these scores."""
    cross = qa.engine.plan(q.question).cross_review
    for c, s in zip(cands, scores, strict=True):
        c.score = float(s)
    picked = A.pick(cands, max_sentences=A.MAX_CROSS if cross else A.MAX_SENTENCES, cross=cross)
    return fact_recall(q.facts, " ".join(c.text for c in picked))


def fit(xs: np.ndarray, ys: np.ndarray) -> SentenceModel:
    """Logistic regression on standardised features, folded back to raw-scale weights."""
    scaler = StandardScaler().fit(xs)
    lr = LogisticRegression(C=1.0, max_iter=2000).fit(scaler.transform(xs), ys)
    w = lr.coef_[0] / scaler.scale_
    b = float(lr.intercept_[0] - np.sum(lr.coef_[0] * scaler.mean_ / scaler.scale_))
    return SentenceModel(weights=tuple(round(float(x), 4) for x in w), bias=round(b, 4))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--last", default="h150", help="last held-out id used for fitting")
    args = ap.parse_args()
    qs = [q for q in load_questions(DATASET) if q.answerable]
    qs += [q for q in load_questions(HELDOUT) if q.answerable and q.id <= args.last]
    emb = MiniLMEmbedder()
    with tempfile.TemporaryDirectory() as tmp:
        s = Settings(home=Path(tmp) / "home")
        ingest_paths([REVIEWS], ChunkStore(s), emb, s)
        qa = build_pipeline(s, embedder=emb)
        data = []
        for q in qs:
            cands = A.score_candidates(qa, q.question, qa.engine.search(q.question, 8))
            gold = set().union(*(ngrams(words(w)) for g in q.gold for w in g.wordings))
            xs = np.array(features(cands)) if cands else np.zeros((0, len(FEATURES)))
            ys = np.array([label(c, gold, q.facts) for c in cands])
            data.append((q, cands, xs, ys))
        print(
            f"{len(data)} questions, {sum(len(d[3]) for d in data)} candidate sentences, "
            f"{mean([float(d[3].mean()) for d in data if len(d[3])]):.3f} positive"
        )

        hand = [
            picked_facts(
                qa,
                q,
                c,
                [A.W_DENSE * x.dense + A.W_LEXICAL * x.lexical + A.W_RANK * x.prior for x in c],
            )
            for q, c, _, _ in data
        ]
        shipped = [picked_facts(qa, q, c, MODEL.score(c)) for q, c, _, _ in data]
        folds_out = []
        for seed in range(1, 6):
            order = list(range(len(data)))
            random.Random(seed).shuffle(order)
            got = [0.0] * len(data)
            for k in range(5):
                test = set(order[k::5])
                train = [i for i in order if i not in test]
                m = fit(
                    np.vstack([data[i][2] for i in train]),
                    np.concatenate([data[i][3] for i in train]),
                )
                for i in test:
                    q, c, _, _ = data[i]
                    got[i] = picked_facts(qa, q, c, m.score(c))
            folds_out.append(got)
        cv = [mean([f[i] for f in folds_out]) for i in range(len(data))]
        dev = [d[0].id.startswith("q") for d in data]

        def line(name: str, v: list[float]) -> str:
            a = mean([x for x, t in zip(v, dev, strict=True) if t])
            b = mean([x for x, t in zip(v, dev, strict=True) if not t])
            return f"  {name:34} all {mean(v):.3f}   dev {a:.3f}   held-out ≤{args.last} {b:.3f}"

        print("answer facts (same selection, same length):")
        print(line("hand-set blend (the evidence score)", hand))
        print(line("shipped model (fitted on all: optimistic)", shipped))
        print(line("refit, 5-fold CV by question", cv))
        m = fit(np.vstack([d[2] for d in data]), np.concatenate([d[3] for d in data]))
        print("\nfitted on all questions:")
        print("MODEL = SentenceModel(")
        print(f"    weights=({', '.join(f'{w}' for w in m.weights)}),")
        print(f"    bias={m.bias},")
        print(")")
        print("  # " + ", ".join(f"{n} {w:+.3f}" for n, w in zip(FEATURES, m.weights, strict=True)))


if __name__ == "__main__":
    main()
