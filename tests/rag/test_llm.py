"""The LLM answerer with LangChain's fake chat models scripted with replies, over real
passages (the bundled corpus, real index, real MiniLM embedder)."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import httpx
import openai
import pytest
from langchain_core.language_models.fake_chat_models import (
    FakeListChatModel,
    GenericFakeChatModel,
)
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatResult
from pydantic import Field

from rag.answer import answer_question
from rag.config import Settings
from rag.errors import LLMError, PromptError
from rag.llm import (
    MAX_REPLY_TOKENS,
    build_chat_model,
    judge_support,
    llm_answer,
    reply_text,
    split_reply,
)
from rag.prompts import load_prompt
from rag.retrieval import Filters
from rag.support import sentences_with_spans
from rag.types import Answer, Passage

AGES_Q = "How old were Child A and Child B, and why was the review held?"
# Asked of the scripted models below: it asks for no number, date or place, so any
# verified sentence can answer it (AGES_Q still picks the passages).
WHY_Q = "Why was the review held, and what had happened to Child A and Child B?"
BOLTON = Filters(review_ids=["bolton-child-a-b"])
AGES = "aged 3 and 2"


class Recording(GenericFakeChatModel):
    """A scripted model that also keeps the messages it was sent."""

    seen: list[list[BaseMessage]] = Field(default_factory=list)

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        self.seen.append(list(messages))
        return super()._generate(messages, *args, **kwargs)


class Failing(GenericFakeChatModel):
    """A model whose server times out."""

    def _generate(self, *args: Any, **kwargs: Any) -> ChatResult:
        raise openai.APITimeoutError(request=httpx.Request("POST", "http://127.0.0.1:9/v1"))


def scripted(*replies: str) -> FakeListChatModel:
    return FakeListChatModel(responses=list(replies))


def with_llm(qa, llm):  # noqa: ANN001, ANN201
    return dataclasses.replace(qa, llm=llm)


def plain_sentences(p: Passage) -> list[str]:
    """Whole sentences of the passage, verbatim, with no abbreviation or paragraph number
    to trip a sentence splitter."""
    text = p.chunk.text
    out = []
    for s, e in sentences_with_spans(text):
        seg = re.sub(r"^\d+(?:\.\d+)*\s+", "", text[s:e])
        if (
            8 <= len(seg.split()) <= 45
            and seg.endswith(".")
            and seg[0].isupper()
            and not re.search(r"\b(?:Mr|Mrs|Ms|Dr|No|e\.g|i\.e)\.|\s{2,}|\[|\]|:", seg)
            and not re.search(r"\.\s", seg[:-1])
        ):
            out.append(seg)
    return out


def claim(p: Passage) -> str:
    found = plain_sentences(p)
    assert found, f"no plain sentence in {p.chunk.label}"
    return found[0]


@pytest.fixture(scope="module")
def passages(corpus_qa) -> list[Passage]:  # noqa: ANN001
    """Three real passages, the one stating the children's ages second."""
    # 30 deep: these tests are about the verifier, not ranking (the ages passage ranks
    # 9th without the neighbour lift and 13th with it)
    found = corpus_qa.engine.search(AGES_Q, 30, BOLTON)
    ages = [p for p in found if AGES in p.chunk.text]
    assert ages, "the Bolton passage giving the children's ages was not retrieved"
    others = [p for p in found if p is not ages[0] and plain_sentences(p)]
    assert len(others) >= 2
    return [others[0], ages[0], others[1]]


def ages_sentence(p: Passage) -> str:
    m = re.search(r"[^.]*\baged 3 and 2 years[^.]*\.", p.chunk.text)
    assert m
    return m.group(0).strip()


def assert_verified(a: Answer) -> None:
    """What every LLM answer must satisfy, whatever the model wrote."""
    by_id = {p.id: p for p in a.passages}
    for c in a.citations:
        assert c.quote and c.quote in by_id[c.passage_id].chunk.text
    assert [c.n for c in a.citations] == list(range(1, len(a.citations) + 1))
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", a.answer)}
    assert cited == {c.n for c in a.citations}
    assert "[S" not in a.answer
    for s in a.support:
        if s.supported:
            assert s.sentence in a.answer
        else:
            assert s.sentence not in a.answer
            assert s.citations == ()


# --- verification -------------------------------------------------------------------


def test_fully_supported_reply_is_kept_with_verbatim_quotes(corpus_qa, passages) -> None:
    s1, s2 = claim(passages[0]), claim(passages[2])
    qa = with_llm(corpus_qa, scripted(f"{s1} [S1] {s2} [S3]"))
    a = llm_answer(qa, WHY_Q, passages)
    assert_verified(a)
    assert (a.mode, a.refused, a.note) == ("llm", False, None)
    assert a.answer == f"{s1} [1] {s2} [2]"
    assert [c.passage_id for c in a.citations] == [passages[0].id, passages[2].id]
    assert [(c.label, c.review_id) for c in a.citations] == [
        (passages[0].chunk.label, passages[0].chunk.review_id),
        (passages[2].chunk.label, passages[2].chunk.review_id),
    ]
    # the quote is the supporting span: the sentence itself (with its paragraph number)
    assert [s in c.quote for s, c in zip((s1, s2), a.citations, strict=True)] == [True, True]
    assert [(s.sentence, s.citations, s.supported) for s in a.support] == [
        (s1, (1,), True),
        (s2, (2,), True),
    ]
    assert a.passages == tuple(passages)


def test_answer_drops_citation_keys_not_in_context(corpus_qa, passages) -> None:
    s1 = claim(passages[0])
    qa = with_llm(corpus_qa, scripted(f"{s1} [S1][S9] Agencies shared everything they knew. [S9]"))
    a = llm_answer(qa, WHY_Q, passages)
    assert_verified(a)
    assert a.answer == f"{s1} [1]"
    assert [c.passage_id for c in a.citations] == [passages[0].id]
    assert a.note is not None and "[S9]" in a.note
    only_invented = a.support[1]
    assert (only_invented.supported, only_invented.citations) == (False, ())


def test_invented_age_is_unsupported_dropped_and_reported(corpus_qa, passages) -> None:
    true = ages_sentence(passages[1])
    false = true.replace("aged 3 and 2", "aged 7 and 2")
    qa = with_llm(corpus_qa, scripted(f"{true} [S2] {false} [S2]"))
    a = llm_answer(qa, WHY_Q, passages)
    assert_verified(a)
    assert not a.refused
    assert "aged 7" not in a.answer
    assert a.answer == f"{true} [1]"
    kept, dropped = a.support
    assert kept.supported and kept.sentence == true
    assert not dropped.supported and dropped.sentence == false
    assert dropped.unsupported == ("number '7'",)
    assert a.citations[0].quote in passages[1].chunk.text and AGES in a.citations[0].quote
    assert "1 of 2 sentences" in (a.note or "")


def test_sentence_without_citation_is_unsupported(corpus_qa, passages) -> None:
    s1 = claim(passages[0])
    uncited = claim(passages[2])  # true, but the model did not say where it came from
    qa = with_llm(corpus_qa, scripted(f"{s1} [S1]\n{uncited}"))
    a = llm_answer(qa, WHY_Q, passages)
    assert_verified(a)
    assert a.answer == f"{s1} [1]"
    assert [(s.sentence, s.supported, s.citations) for s in a.support] == [
        (s1, True, (1,)),
        (uncited, False, ()),
    ]


def test_sentence_cited_to_the_wrong_passage_is_unsupported(corpus_qa, passages) -> None:
    s1 = claim(passages[0])
    qa = with_llm(corpus_qa, scripted(f"{s1} [S2] {ages_sentence(passages[1])} [S2]"))
    a = llm_answer(qa, WHY_Q, passages)
    assert_verified(a)
    assert [s.supported for s in a.support] == [False, True]
    assert [c.passage_id for c in a.citations] == [passages[1].id]


def test_everything_unsupported_becomes_a_refusal(corpus_qa, passages) -> None:
    reply = (
        "Child A was aged 7 when the police arrived [S2]. "
        "The mother moved to Glasgow in 2015 [S1]. Everyone did well."
    )
    qa = with_llm(corpus_qa, scripted(reply))
    a = llm_answer(qa, WHY_Q, passages)
    assert_verified(a)
    assert a.refused and a.mode == "llm"
    assert a.answer == load_prompt("refusal", corpus_qa.settings).render()
    assert a.citations == ()
    assert a.passages == tuple(passages)
    assert [s.supported for s in a.support] == [False, False, False]
    assert "number '7'" in a.support[0].unsupported
    assert {"name 'Glasgow'", "number '2015'"} <= set(a.support[1].unsupported)
    assert "nothing in the model's answer could be verified" in (a.note or "").lower()


def test_model_saying_the_reviews_do_not_answer_is_a_refusal(corpus_qa, passages) -> None:
    qa = with_llm(corpus_qa, scripted("The reviews don't answer this."))
    a = llm_answer(qa, "What colour was the family car?", passages)
    assert a.refused and a.citations == ()
    assert "the model said" in (a.note or "").lower()


def test_context_shows_keys_labels_and_text(corpus_qa, passages) -> None:
    model = Recording(messages=iter([AIMessage(content=f"{claim(passages[0])} [S1]")]))
    llm_answer(with_llm(corpus_qa, model), WHY_Q, passages)
    ((system, human),) = model.seen
    assert system.type == "system" and "[S1]" in system.content
    assert human.type == "human" and WHY_Q in human.content
    for i, p in enumerate(passages, start=1):
        assert f"[S{i}] {p.chunk.label}\n{p.chunk.text.strip()}" in human.content
    assert "[S4]" not in human.content


def test_no_passages_refuses_without_asking_the_model(corpus_qa) -> None:
    model = Recording(messages=iter([]))
    a = llm_answer(with_llm(corpus_qa, model), "Anything?", [])
    assert a.refused and model.seen == []


def test_a_name_the_reviews_never_use_refuses_without_asking_the_model(corpus_qa) -> None:
    model = Recording(messages=iter([]))
    q = "What did the Haringey review say about MARAC referrals?"
    qa = with_llm(corpus_qa, model)
    a = llm_answer(qa, q, corpus_qa.engine.search(q, 5))
    assert a.refused and a.mode == "llm" and model.seen == []
    assert a.passages and a.note and "'Haringey'" in a.note
    # and through the service entry point too
    assert answer_question(qa, q).refused and model.seen == []


# --- failures -----------------------------------------------------------------------


def test_model_error_raises_llm_error(corpus_qa, passages) -> None:
    with pytest.raises(LLMError, match="timed out"):
        llm_answer(with_llm(corpus_qa, Failing(messages=iter([]))), AGES_Q, passages)


def test_empty_reply_raises_llm_error(corpus_qa, passages) -> None:
    with pytest.raises(LLMError, match="empty"):
        llm_answer(with_llm(corpus_qa, scripted("   ")), AGES_Q, passages)


def test_failing_model_falls_back_to_extractive(corpus_qa) -> None:
    qa = with_llm(corpus_qa, Failing(messages=iter([])))
    a = answer_question(qa, AGES_Q, k=5)
    assert a.mode == "llm-fallback"
    assert a.note is not None and "timed out" in a.note and "extractive" in a.note
    assert a.answer and a.passages
    plain = answer_question(corpus_qa, AGES_Q, k=5)
    assert (a.answer, a.citations) == (plain.answer, plain.citations)


def test_a_verified_answer_without_the_number_asked_for_is_a_refusal(corpus_qa, passages) -> None:
    k, s1 = next(
        (k, s)
        for k, p in enumerate(passages, start=1)
        for s in plain_sentences(p)
        if not re.search(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten)\b", s, re.I)
    )
    reply = f"{s1} [S{k}]"
    a = llm_answer(
        with_llm(corpus_qa, scripted(reply)), "How many working days did it take?", passages
    )
    assert a.refused and not a.citations
    assert a.note and "number of working days" in a.note
    assert [(s.sentence, s.supported) for s in a.support] == [(s1, True)]
    # the same verified sentence answers a question that asks for no number
    assert not llm_answer(with_llm(corpus_qa, scripted(reply)), WHY_Q, passages).refused


def test_answer_question_uses_the_model_when_configured(corpus_qa) -> None:
    found = corpus_qa.engine.search(AGES_Q, 30, BOLTON)  # 30 deep, as in `passages`
    i = next(i for i, p in enumerate(found) if AGES in p.chunk.text)
    qa = with_llm(corpus_qa, scripted(f"{ages_sentence(found[i])} [S{i + 1}]"))
    a = answer_question(qa, AGES_Q, k=30, filters=BOLTON)
    assert (a.mode, a.refused) == ("llm", False)
    assert_verified(a)


# --- judge --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "expected"),
    [("Yes.", 1.0), ("no", 0.0), ("NO - the passage gives other ages", 0.0), ("Maybe", None)],
)
def test_judge_reads_yes_or_no(corpus_qa, reply: str, expected: float | None) -> None:
    qa = with_llm(corpus_qa, scripted(reply))
    assert judge_support(qa, "Child A was aged 3.", "They are aged 3 and 2 years.") == expected


def test_judge_is_none_without_a_model_or_when_it_fails(corpus_qa) -> None:
    assert judge_support(corpus_qa, "a", "b") is None
    assert judge_support(with_llm(corpus_qa, Failing(messages=iter([]))), "a", "b") is None


# --- parsing and building (no corpus needed) ----------------------------------------


def test_split_reply_attaches_keys_to_their_sentences() -> None:
    reply = (
        "Answer:\n- Mr. C was seen by the GP on 4 May [S1]. The report cites para 2.6.14 "
        "here. [S2][S3]\n[S4]\nThe health visitor did not visit (see [S1, S2])."
    )
    assert [(s.text, s.keys) for s in split_reply(reply)] == [
        ("Mr. C was seen by the GP on 4 May.", [1]),
        ("The report cites para 2.6.14 here.", [2, 3, 4]),
        ("The health visitor did not visit.", [1, 2]),
    ]


def test_reply_text_reads_content_blocks() -> None:
    msg = AIMessage(content=[{"type": "text", "text": "Hello "}, {"type": "text", "text": "[S1]"}])
    assert reply_text(msg) == "Hello [S1]"
    assert reply_text(AIMessage(content="<think>hmm</think> Fine.")) == "Fine."


def test_build_chat_model_is_an_openai_client(tmp_path) -> None:  # noqa: ANN001
    s = Settings(
        home=tmp_path, llm_base_url="http://127.0.0.1:9/v1", llm_model="smollm2", llm_timeout=7
    )
    m = build_chat_model(s)
    assert type(m).__name__ == "ChatOpenAI"
    assert (m.model_name, m.temperature, m.request_timeout, m.max_retries) == ("smollm2", 0, 7, 0)
    assert m._get_request_payload([("user", "hi")])["extra_body"] == {
        "max_tokens": MAX_REPLY_TOKENS
    }
    assert str(m.openai_api_base) == "http://127.0.0.1:9/v1"


def test_build_chat_model_fails_fast_on_a_broken_prompt(tmp_path) -> None:  # noqa: ANN001
    d = tmp_path / "prompts"
    d.mkdir()
    s = Settings(home=tmp_path, llm_base_url="http://127.0.0.1:9/v1", prompts_dir=d)
    with pytest.raises(PromptError, match="missing"):
        build_chat_model(s)
