"""Bad input gets a 4xx naming the field, never a 500 (TestClient over the real index)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app


@pytest.fixture(scope="module")
def client(corpus_qa):
    with TestClient(create_app(qa=corpus_qa), raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"query": ""}, "query", "must not be empty"),
        ({"query": "   \n\t "}, "query", "must not be empty"),
        ({"query": "x" * 2001}, "query", "2000"),
        ({"query": "marac", "k": 0}, "k", "greater than or equal to 1"),
        ({"query": "marac", "k": 51}, "k", "less than or equal to 50"),
        ({"query": "marac", "filters": {"colour": "red"}}, "filters.colour", "unknown field"),
        ({"query": "marac", "filters": {"kinds": ["poem"]}}, "filters.kinds", "unknown kind"),
        ({"query": "marac", "extra": 1}, "extra", "unknown field"),
        ({"k": 3}, "query", "required"),
    ],
)
def test_search_rejects_bad_input_with_422_naming_the_field(client, body, field, words):
    r = client.post("/search", json=body)
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert any(e["field"] == field and words in e["message"].lower() for e in errors), errors


@pytest.mark.parametrize(
    "body",
    [
        {"question": ""},
        {"question": "q" * 2001},
        {"question": "why", "k": 99},
        {"question": "why", "filters": {"nope": 1}},
        {"question": "why", "sentences": 0},
        {"question": "why", "sentences": 11},
    ],
)
def test_ask_uses_the_same_validation(client, body):
    r = client.post("/ask", json=body)
    assert r.status_code == 422
    assert r.json()["detail"]


def test_malformed_json_is_422_not_500(client):
    r = client.post("/search", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_unknown_passage_is_404(client):
    r = client.get("/passages/does-not-exist")
    assert r.status_code == 404
    assert "does-not-exist" in r.json()["detail"]


def test_passage_context_out_of_range_is_422(client):
    r = client.get("/passages/x?context=99")
    assert r.status_code == 422


def test_evaluate_rejects_empty_answer(client):
    r = client.post("/evaluate", json={"question": "why?", "answer": "  "})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "answer"


def test_write_endpoints_need_the_api_key(client):
    files = {
        "file": ("x.txt", b"1. Introduction\n1.1 Some text here about a review.", "text/plain")
    }
    assert client.post("/reviews", files=files).status_code == 401
    assert client.post("/reviews", files=files, headers={"X-API-Key": "wrong"}).status_code == 401
    assert client.delete("/reviews/bolton-child-a-b").status_code == 401


def test_upload_of_unsupported_type_is_415(client):
    files = {"file": ("sheet.xlsx", b"PK\x03\x04", "application/octet-stream")}
    r = client.post("/reviews", files=files, headers={"X-API-Key": "test-key"})
    assert r.status_code == 415
    assert "sheet.xlsx" in r.json()["detail"]


def test_openapi_schema_is_served(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/search", "/ask", "/evaluate", "/reviews", "/health"} <= set(paths)


@pytest.mark.parametrize("n", [0, 11, "three"])
def test_ask_names_the_sentences_field_when_it_is_out_of_range(client, n):
    r = client.post("/ask", json={"question": "why", "sentences": n})
    assert r.status_code == 422
    assert any(e["field"] == "sentences" for e in r.json()["errors"]), r.text
