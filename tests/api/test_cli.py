"""The `reviewqa` command line through Typer's CliRunner, on real files and indexes."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from api.cli import app
from tests.conftest import REVIEWS

runner = CliRunner()


def test_every_command_has_help_text():
    for cmd in app.registered_commands:
        name = cmd.name or cmd.callback.__name__
        assert cmd.callback.__doc__, f"command {name!r} has no help text"
        res = runner.invoke(
            app, [name.replace("_", "-") if name != "eval_cmd" else "eval", "--help"]
        )
        assert res.exit_code == 0, res.output
        assert cmd.callback.__doc__.splitlines()[0].strip()[:30] in " ".join(res.output.split())


def test_outline_shows_the_detected_tree_without_touching_the_index(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWQA_HOME", str(tmp_path / "home"))
    res = runner.invoke(app, ["outline", str(REVIEWS / "bolton-child-a-b.txt"), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    tops = list(dict.fromkeys(s["path"][0] for s in data["sections"]))
    assert tops[0].startswith("1") and "INTRODUCTION" in tops[0]
    assert any(s["label"] == "Recommendation 8" for s in data["sections"])
    assert not (tmp_path / "home" / "manifest.json").exists()


def test_chunks_json_has_the_documented_fields(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWQA_HOME", str(tmp_path / "home"))
    res = runner.invoke(app, ["chunks", str(REVIEWS / "lambeth-child-k.txt"), "--json"])
    assert res.exit_code == 0
    chunks = json.loads(res.stdout)
    assert len(chunks) > 50
    for c in chunks:
        assert {"text", "section_path", "kind", "paragraphs", "lines", "tokens", "label"} <= set(c)
        assert isinstance(c["section_path"], list) and c["lines"][0] <= c["lines"][1]
    assert any(c["kind"] == "learning_point" for c in chunks)
    assert not (tmp_path / "home" / "manifest.json").exists()


def test_outline_of_a_missing_file_is_one_clear_line(tmp_path):
    res = runner.invoke(app, ["outline", str(tmp_path / "nope.txt")])
    assert res.exit_code == 1
    assert "nope.txt" in res.output and "Traceback" not in res.output


def test_ingest_reports_a_failure_and_exits_non_zero(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWQA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("REVIEWQA_EMBEDDER", "hash")
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(REVIEWS / "bolton-child-a-b.txt", folder)
    (folder / "scan.pdf").write_bytes(b"not a pdf at all")
    res = runner.invoke(app, ["ingest", str(folder), "--json"])
    assert res.exit_code == 1
    summary = json.loads(res.stdout)
    assert summary["reviews"] == 1 and summary["failed"] == 1
    failed = [f for f in summary["files"] if f["status"] == "failed"]
    assert "scan.pdf" in failed[0]["error"]
    again = runner.invoke(app, ["ingest", str(folder / "bolton-child-a-b.txt"), "--json"])
    assert again.exit_code == 0 and json.loads(again.stdout)["skipped_unchanged"] == 1
    listed = runner.invoke(app, ["reviews", "--json"])
    assert [r["review_id"] for r in json.loads(listed.stdout)] == ["bolton-child-a-b"]
    gone = runner.invoke(app, ["delete", "bolton-child-a-b"])
    assert gone.exit_code == 0 and "deleted" in gone.output
    missing = runner.invoke(app, ["delete", "bolton-child-a-b"])
    assert missing.exit_code == 1 and "bolton-child-a-b" in missing.output


@pytest.mark.integration
def test_search_and_ask_on_the_corpus_index(corpus_home, monkeypatch):
    monkeypatch.setenv("REVIEWQA_HOME", str(corpus_home))
    res = runner.invoke(app, ["search", "Clare's Law disclosure", "-k", "3", "--json"])
    assert res.exit_code == 0
    passages = json.loads(res.stdout)["passages"]
    assert len(passages) == 3 and passages[0]["review_id"] == "lambeth-child-k"
    res = runner.invoke(app, ["ask", "Why was Mr C not referred to MAPPA?"])
    assert res.exit_code == 0
    assert "[1]" in res.output and "Child K" in res.output
    res = runner.invoke(app, ["ask", "   "])
    assert res.exit_code == 1 and "must not be empty" in res.output
    res = runner.invoke(
        app, ["ask", "Why was Mr C not referred to MAPPA?", "--sentences", "2", "--json"]
    )
    assert res.exit_code == 0
    body = json.loads(res.stdout)
    assert not body["refused"] and 1 <= len(body["citations"]) <= 2
    res = runner.invoke(app, ["ask", "Why was Mr C not referred to MAPPA?", "--sentences", "0"])
    assert res.exit_code == 1 and "--sentences must be between 1 and 10" in res.output


@pytest.mark.integration
def test_score_flags_an_invented_number(corpus_home, monkeypatch):
    monkeypatch.setenv("REVIEWQA_HOME", str(corpus_home))
    res = runner.invoke(
        app,
        [
            "score",
            "How many incidents?",
            "Police recorded over 90 incidents of domestic violence between Adult A and Adult B.",
            "--json",
        ],
    )
    assert res.exit_code == 0
    body = json.loads(res.stdout)
    assert body["sentences"][0]["supported"] is False
    assert "number '90'" in body["sentences"][0]["unsupported"]


@pytest.mark.parametrize("command", ["ask", "search"])
def test_ask_or_search_on_an_empty_index_says_to_ingest_first(tmp_path, monkeypatch, command):
    monkeypatch.setenv("REVIEWQA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("REVIEWQA_EMBEDDER", "hash")
    res = runner.invoke(app, [command, "What went wrong with the MARAC referral?"])
    assert res.exit_code == 1
    assert "the index is empty" in res.output and "reviewqa ingest" in res.output
    assert "never mentions" not in res.output and "Traceback" not in res.output
