"""End to end over HTTP: a real uvicorn server on 127.0.0.1 and the real corpus index."""

from __future__ import annotations

import json

import httpx
import pytest

from api.app import create_app
from tests.conftest import REVIEWS, LiveServer


@pytest.fixture(scope="module")
def http(live_server):
    with httpx.Client(base_url=live_server.url, timeout=60) as c:
        yield c


def test_health_reports_the_five_bundled_reviews(http):
    body = http.get("/health").json()
    assert body["status"] == "ok" and body["reviews"] == 5 and body["chunks"] > 300
    assert body["embedder"] == "all-MiniLM-L6-v2"
    assert body["version"] == http.get("/openapi.json").json()["info"]["version"] != "dev"


def test_reviews_lists_metadata_and_chunk_counts(http):
    rows = {r["review_id"]: r for r in http.get("/reviews").json()}
    assert set(rows) == {
        "bolton-child-a-b",
        "stockport-child-b-c",
        "buckinghamshire-child-v",
        "luton-child-j",
        "lambeth-child-k",
    }
    k = rows["lambeth-child-k"]
    assert k["title"] == "Child K (Lambeth and Bromley, 2018)" and k["year"] == 2018
    assert k["chunks"] == sum(k["kinds"].values()) > 50
    assert k["kinds"]["learning_point"] >= 15


def test_search_returns_cited_passages_with_the_documented_shape(http):
    r = http.post("/search", json={"query": "what went wrong with MARAC referrals?", "k": 5})
    assert r.status_code == 200
    body = r.json()
    assert body["query"] == "what went wrong with MARAC referrals?"
    assert len(body["passages"]) == 5
    p = body["passages"][0]
    assert {
        "id",
        "text",
        "review_id",
        "review_title",
        "label",
        "section_path",
        "kind",
        "paragraphs",
        "lines",
        "score",
    } <= set(p)
    assert isinstance(p["section_path"], list) and p["lines"][0] <= p["lines"][1]
    assert any("MARAC" in x["text"] for x in body["passages"])
    assert not p["text"].startswith("[")  # evidence text, no embedding header


def test_search_filters_by_review_and_kind(http):
    body = http.post(
        "/search",
        json={
            "query": "learning about fathers",
            "k": 8,
            "filters": {"review_ids": ["lambeth-child-k"], "kinds": ["learning_point"]},
        },
    ).json()
    assert body["passages"]
    assert {p["review_id"] for p in body["passages"]} == {"lambeth-child-k"}
    assert {p["kind"] for p in body["passages"]} == {"learning_point"}


def test_passage_with_neighbouring_context(http):
    first = http.post("/search", json={"query": "Mr C licence conditions", "k": 1}).json()[
        "passages"
    ][0]
    ctx = http.get(f"/passages/{first['id']}", params={"context": 2}).json()
    assert ctx["passage"]["id"] == first["id"]
    assert 0 < len(ctx["before"]) + len(ctx["after"]) <= 4
    assert all(n["review_id"] == first["review_id"] for n in ctx["before"] + ctx["after"])


def test_ask_answers_with_verbatim_citations(http):
    r = http.post("/ask", json={"question": "What went wrong with the MARAC referral for Ms A?"})
    body = r.json()
    assert r.status_code == 200 and body["mode"] == "extractive" and not body["refused"]
    texts = {p["id"]: p["text"] for p in body["passages"]}
    assert body["citations"]
    for c in body["citations"]:
        assert c["quote"] in texts[c["passage_id"]]
        assert f"[{c['n']}]" in body["answer"]
    assert all(s["supported"] for s in body["support"])


def test_ask_can_be_asked_for_a_shorter_answer(http):
    q = "What went wrong with the MARAC referral for Ms A?"
    full = http.post("/ask", json={"question": q}).json()
    short = http.post("/ask", json={"question": q, "sentences": 2}).json()
    assert len(full["citations"]) == 5 and len(short["citations"]) == 2
    assert not short["refused"] and short["support"] and len(short["support"]) == 2
    texts = {p["id"]: p["text"] for p in short["passages"]}
    for c in short["citations"]:
        assert c["quote"] in texts[c["passage_id"]] and f"[{c['n']}]" in short["answer"]
    assert len(short["answer"]) < len(full["answer"])


def test_ask_refuses_what_the_reviews_do_not_cover(http):
    body = http.post(
        "/ask", json={"question": "What did the Rotherham inquiry say about taxi licensing?"}
    ).json()
    assert body["refused"] is True
    assert "don't answer" in body["answer"]
    assert body["passages"]  # the nearest passages are still shown
    assert body["citations"] == []


def test_ask_streams_passages_then_sentences_then_the_full_response(http):
    events = []
    with http.stream(
        "POST", "/ask", json={"question": "Why was Mr C not referred to MAPPA?", "stream": True}
    ) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        event = None
        for line in r.iter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                events.append((event, json.loads(line[6:])))
    kinds = [e for e, _ in events]
    assert kinds[0] == "passages" and kinds[-1] == "final"
    final = events[-1][1]
    sentences = [d for e, d in events if e == "sentence"]
    assert len(sentences) == len(final["support"])
    if not final["refused"]:
        assert sentences and all(s["citations"] for s in sentences)


def test_evaluate_flags_a_wrong_number(http):
    ask = http.post(
        "/ask",
        json={
            "question": "How many domestic violence incidents did police record for Adult A and Adult B?"
        },
    ).json()
    passage = next(p for p in ask["passages"] if "40" in p["text"])
    body = http.post(
        "/evaluate",
        json={
            "question": "How many incidents?",
            "answer": "Police recorded over 90 incidents of domestic violence [1].",
            "passages": [{"id": passage["id"], "text": passage["text"]}],
        },
    ).json()
    s = body["sentences"][0]
    assert s["supported"] is False and "number '90'" in s["unsupported"]
    assert body["faithfulness"] == 0.0 and body["citation_recall"] == 0.0


def test_evaluate_scores_our_own_answer_as_faithful(http):
    ask = http.post(
        "/ask",
        json={"question": "What did the Stockport review say about the father's engagement?"},
    ).json()
    assert not ask["refused"]
    body = http.post(
        "/evaluate",
        json={
            "question": ask["question"],
            "answer": ask["answer"],
            "citations": ask["citations"],
        },
    ).json()
    assert body["faithfulness"] == 1.0
    assert body["citation_recall"] == 1.0 and body["citation_precision"] == 1.0


def test_upload_and_delete_with_the_key(corpus_copy):
    with (
        LiveServer(create_app(qa=corpus_copy)) as srv,
        httpx.Client(base_url=srv.url, timeout=120) as c,
    ):
        data = (REVIEWS / "bolton-child-a-b.txt").read_bytes()
        files = {"file": ("my-new-review.txt", data, "text/plain")}
        assert c.post("/reviews", files=files).status_code == 401
        r = c.post("/reviews", files=files, headers={"X-API-Key": "test-key"})
        assert r.status_code == 201, r.text
        assert r.json()["review_id"] == "my-new-review" and r.json()["status"] == "indexed"
        assert "my-new-review" in {x["review_id"] for x in c.get("/reviews").json()}
        hits = c.post(
            "/search",
            json={"query": "Adult B stabbed", "filters": {"review_ids": ["my-new-review"]}},
        ).json()
        assert hits["passages"]
        r = c.delete("/reviews/my-new-review", headers={"X-API-Key": "test-key"})
        assert r.status_code == 200 and r.json()["deleted_chunks"] > 0
        assert "my-new-review" not in {x["review_id"] for x in c.get("/reviews").json()}
        assert (
            c.delete("/reviews/my-new-review", headers={"X-API-Key": "test-key"}).status_code == 404
        )


def test_upload_over_the_size_limit_is_413(corpus_copy):
    from dataclasses import replace

    qa = replace(
        corpus_copy, settings=corpus_copy.settings.model_copy(update={"max_upload_bytes": 1000})
    )
    with LiveServer(create_app(qa=qa)) as srv, httpx.Client(base_url=srv.url, timeout=60) as c:
        files = {"file": ("big.txt", b"x" * 5000, "text/plain")}
        r = c.post("/reviews", files=files, headers={"X-API-Key": "test-key"})
        assert r.status_code == 413 and "big.txt" in r.json()["detail"]


def test_upload_of_a_corrupt_pdf_is_a_clear_422(corpus_copy):
    with (
        LiveServer(create_app(qa=corpus_copy)) as srv,
        httpx.Client(base_url=srv.url, timeout=60) as c,
    ):
        files = {"file": ("broken.pdf", b"%PDF-1.4 nonsense", "application/pdf")}
        r = c.post("/reviews", files=files, headers={"X-API-Key": "test-key"})
        assert r.status_code == 422 and "broken.pdf" in r.json()["detail"]
