"""Prompt templates: loaded by name from Settings.prompts_dir, variables checked at load."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.config import Settings
from rag.errors import PromptError
from rag.prompts import VARIABLES, load_prompt, load_prompts

SHIPPED = Path(__file__).resolve().parents[2] / "prompts"


@pytest.fixture
def prompts_dir(tmp_path: Path) -> Path:
    d = tmp_path / "prompts"
    d.mkdir()
    for name in VARIABLES:
        (d / f"{name}.txt").write_text((SHIPPED / f"{name}.txt").read_text())
    return d


def _settings(d: Path) -> Settings:
    return Settings(home=d.parent / "home", prompts_dir=d)


@pytest.mark.parametrize("name", sorted(VARIABLES))
def test_shipped_prompts_load(name: str) -> None:
    p = load_prompt(name, Settings())
    assert p.path == SHIPPED / f"{name}.txt"
    assert p.spec == VARIABLES[name]


def test_answer_prompt_renders_question_and_passages() -> None:
    p = load_prompt("answer", Settings())
    out = p.render(question="Who saw Child A?", passages="[S1] Label\nText with {braces}.")
    assert "Who saw Child A?" in out
    assert "[S1] Label\nText with {braces}." in out  # values are not re-parsed


def test_system_prompt_asks_for_keys_and_for_saying_so() -> None:
    text = load_prompt("system", Settings()).render()
    assert "[S1]" in text
    assert "only" in text.lower()
    assert "don't answer" in text


def test_unknown_variable_raises_naming_file_and_variable(prompts_dir: Path) -> None:
    (prompts_dir / "answer.txt").write_text("{question}\n{passages}\n{context}\n")
    with pytest.raises(PromptError) as e:
        load_prompt("answer", _settings(prompts_dir))
    assert "{context}" in str(e.value)
    assert str(prompts_dir / "answer.txt") in str(e.value)


def test_missing_required_variable_raises_naming_it(prompts_dir: Path) -> None:
    (prompts_dir / "judge.txt").write_text("Passage: {passage}\nSupported? yes or no.")
    with pytest.raises(PromptError, match=r"\{sentence\}") as e:
        load_prompt("judge", _settings(prompts_dir))
    assert "judge.txt" in str(e.value)


def test_missing_file_raises_naming_the_path(prompts_dir: Path) -> None:
    (prompts_dir / "refusal.txt").unlink()
    with pytest.raises(PromptError) as e:
        load_prompt("refusal", _settings(prompts_dir))
    assert str(prompts_dir / "refusal.txt") in str(e.value)
    assert "missing" in str(e.value)


def test_load_prompts_fails_on_any_broken_file(prompts_dir: Path) -> None:
    (prompts_dir / "system.txt").write_text("Answer {question} from the passages.")
    with pytest.raises(PromptError, match=r"system\.txt.*\{question\}"):
        load_prompts(_settings(prompts_dir))


def test_unknown_prompt_name_raises() -> None:
    with pytest.raises(PromptError, match="unknown prompt 'summary'"):
        load_prompt("summary", Settings())


@pytest.mark.parametrize(
    "template",
    [
        "{question} {passages} {",
        "{question} {passages[0]}",
        "{question:>10} {passages}",
        "{0} {question} {passages}",
    ],
)
def test_malformed_placeholders_raise(prompts_dir: Path, template: str) -> None:
    (prompts_dir / "answer.txt").write_text(template)
    with pytest.raises(PromptError, match="answer.txt"):
        load_prompt("answer", _settings(prompts_dir))


def test_literal_braces_are_escaped(prompts_dir: Path) -> None:
    (prompts_dir / "answer.txt").write_text('Reply as {{"answer": ...}}\n{passages}\n{question}')
    out = load_prompt("answer", _settings(prompts_dir)).render(question="Q", passages="P")
    assert out == 'Reply as {"answer": ...}\nP\nQ'


def test_render_checks_values() -> None:
    p = load_prompt("answer", Settings())
    with pytest.raises(PromptError, match="'passages'"):
        p.render(question="Q")
    with pytest.raises(PromptError, match="'colour'"):
        p.render(question="Q", passages="P", colour="red")


def test_optional_variable_may_be_left_out(prompts_dir: Path) -> None:
    (prompts_dir / "refusal.txt").write_text("No answer to: {question}")
    p = load_prompt("refusal", _settings(prompts_dir))
    assert p.render(question="Why?") == "No answer to: Why?"
    assert p.render() == "No answer to:"
