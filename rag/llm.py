"""The optional LLM answerer, and whatever it writes verified against the passages.

The model sees the retrieved passages under short keys (``[S1]`` … ``[Sn]``) with the
prompts in ``prompts/``. Its reply is not trusted:

1. citation keys that were not in the context are removed;
2. the reply is split into sentences, and each is scored against the passages it cites
   with the same ``SupportScorer`` that ``/evaluate`` uses (lexical support, and every
   number, date, age and name must appear in the cited text);
3. unsupported sentences (including any without a valid citation) are dropped from the
   answer text and reported in ``Answer.support`` with ``supported=False``;
4. an answer left with no supported sentence is a refusal, passages still returned.

Each kept (sentence, cited passage) pair becomes a ``Citation`` whose ``quote`` is a
verbatim slice of that passage's text, numbered ``[1]``, ``[2]`` … in the answer.
Any failure of the model itself raises ``LLMError``; ``answer_question`` then falls back
to the extractive answer and says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rag.answer import citation_for, make_scorer, unknown_terms
from rag.answer_type import expected_type, gives
from rag.config import Settings
from rag.errors import ConfigError, LLMError
from rag.prompts import load_prompt, load_prompts
from rag.service import ReviewQA
from rag.support import Evidence, SupportResult, SupportScorer, sentences_with_spans, specifics
from rag.types import Answer, Citation, Passage, SentenceSupport

# Cap on the reply: five cited sentences are ~150-250 tokens; small models that never
# stop (SmolLM2-135M ran 1,454 tokens, to the end of its 2,048-token window, in 60 s on
# a busy 2-core machine) are cut off here, and whatever they wrote is still verified.
MAX_REPLY_TOKENS = Settings.model_fields["llm_max_tokens"].default  # the default cap


def build_chat_model(settings: Settings) -> Any:
    """A LangChain ``ChatOpenAI`` for the configured OpenAI-compatible server.

    The prompts are loaded here too, so a broken prompt file fails at start-up."""
    if not settings.llm_base_url:
        raise ConfigError("REVIEWQA_LLM_BASE_URL is not set")
    load_prompts(settings)
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        api_key=settings.llm_api_key,  # type: ignore[arg-type]
        temperature=0,
        # Sent as "max_tokens", which every OpenAI-compatible server reads; LangChain's own
        # max_tokens goes out as "max_completion_tokens", which llama.cpp's server ignores.
        extra_body={"max_tokens": settings.llm_max_tokens},
        timeout=settings.llm_timeout,
        # One attempt: on failure the caller answers extractively at once.
        max_retries=0,
    )


# --- the context --------------------------------------------------------------------


def key(i: int) -> str:
    """The context key of the i-th passage (0-based): ``S1`` for the first."""
    return f"S{i + 1}"


def format_context(passages: list[Passage]) -> str:
    """One block per passage: ``[S1] <label>`` then the passage text."""
    return "\n\n".join(
        f"[{key(i)}] {p.chunk.label}\n{p.chunk.text.strip()}" for i, p in enumerate(passages)
    )


# --- parsing the reply --------------------------------------------------------------

# A bracket of one or more keys: [S1], [s2], [S 3], [S1, S2], [S1; S4], [S1 and S2].
_MARKER = re.compile(r"\[\s*S\s*\d+(?:\s*(?:,|;|and|&)\s*S?\s*\d+)*\s*\]", re.IGNORECASE)
_KEY = re.compile(r"(\d+)")
_TRAILING_MARKERS = re.compile(rf"(?:\s*{_MARKER.pattern})+", re.IGNORECASE)
_END = re.compile(r"[.!?]+[\"”’')]*")
_NEXT = re.compile(r"\s+(?=[A-Z0-9“‘\"(\[*])")
_ABBREV = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|St|No|para|paras|e\.g|i\.e|etc|cf|vs|approx)\.$", re.I)
_BULLET = re.compile(r"^\s*(?:[-*•]+|\d{1,2}[.)]|#+)\s+")
_LABEL_LINE = re.compile(r"^[^.!?]{0,80}:$")


@dataclass
class ReplySentence:
    text: str  # without citation markers
    keys: list[int]  # cited passage numbers as written (1-based), valid or not
    line: int  # which line of the reply it came from, to keep its layout


def _keys(marker: str) -> list[int]:
    return [int(n) for n in _KEY.findall(marker)]


def _clean(text: str) -> str:
    text = _MARKER.sub("", text)
    text = re.sub(r"\*\*|__", "", text)  # markdown bold
    text = re.sub(r"\(\s*(?:see|cf\.?)?\s*\)", "", text)  # "(see [S1])" once the key is gone
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


def split_reply(reply: str) -> list[ReplySentence]:
    """Sentences of the model's reply with the keys each cites.

    Keys written after a sentence's full stop ("... alone. [S2] The next ...") belong to
    that sentence; a line of keys alone belongs to the sentence before it."""
    out: list[ReplySentence] = []
    for ln, raw in enumerate(reply.splitlines()):
        line = _BULLET.sub("", raw).strip()
        if not line:
            continue
        pieces: list[str] = []
        start = 0
        for m in _END.finditer(line):
            end = m.end()
            trail = _TRAILING_MARKERS.match(line, end)
            if trail:
                end = trail.end()
            rest = line[end:]
            if rest.strip() and not _NEXT.match(rest):
                continue  # "2.6.14", "e.g.x": not a sentence end
            if _ABBREV.search(line[start : m.end()]):
                continue  # "Mr. C"
            pieces.append(line[start:end])
            start = end
        if line[start:].strip():
            pieces.append(line[start:])
        for piece in pieces:
            keys = [k for mk in _MARKER.findall(piece) for k in _keys(mk)]
            text = _clean(piece)
            words = re.findall(r"[A-Za-z]{2,}", text)
            if len(words) < 3 or _LABEL_LINE.match(text):
                # keys alone, or a heading such as "Answer:" — keys go to the sentence before
                if keys and out:
                    out[-1].keys.extend(keys)
                continue
            out.append(ReplySentence(text=text, keys=keys, line=ln))
    return out


def reply_text(message: Any) -> str:
    """The text of a chat model's reply (a string, or a list of content blocks)."""
    content = getattr(message, "content", message)
    if isinstance(content, str):
        text = content
    elif isinstance(content, list):
        text = "".join(
            b if isinstance(b, str) else str(b.get("text", "")) if isinstance(b, dict) else ""
            for b in content
        )
    else:
        raise LLMError(f"unexpected reply type {type(content).__name__}")
    # reasoning models may think aloud first; only the answer after it counts
    return re.sub(r"<think>.*?</think>", "", text, flags=re.S).strip()


# --- verifying ----------------------------------------------------------------------


@dataclass
class Verdict:
    sentence: ReplySentence
    cited: list[int]  # valid 0-based passage indexes, in citation order, deduplicated
    invalid: list[int]  # keys that were not in the context
    result: SupportResult | None
    supporting: list[tuple[int, SupportResult]] = field(default_factory=list)

    @property
    def supported(self) -> bool:
        return bool(self.result and self.result.supported)


def _evidence(p: Passage) -> Evidence:
    c = p.chunk
    return Evidence(text=c.text, id=c.id, review_id=c.review_id, review_title=c.review_title)


_MISSING = re.compile(r"^(\w+) '(.*)'$")


def _words(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9]+", " ", text.lower()).strip() + " "


def _score_one(scorer: SupportScorer, sentence: str, p: Passage) -> SupportResult:
    """Score against one passage; a name the passage text lacks but its label carries
    ("Child J", "Luton": the model was shown the label) does not count against it.
    Numbers and dates must be in the text itself."""
    r = scorer.score(sentence, [_evidence(p)])
    if r.supported or len(r.reasons) != 1 or not r.unsupported:
        return r  # supported, or wrong for some reason other than missing specifics
    label = _words(f"{p.chunk.label} {p.chunk.review_title}")
    for item in r.unsupported:
        m = _MISSING.match(item)
        if not m or m.group(1) != "name" or _words(m.group(2)) not in label:
            return r
    sim = 0.0 if r.similarity is None else max(0.0, r.similarity)
    score = r.coverage if r.similarity is None else 0.6 * r.coverage + 0.4 * sim
    return SupportResult(
        supported=True,
        score=round(score, 4),
        evidence_index=r.evidence_index,
        span=r.span,
        coverage=r.coverage,
        similarity=r.similarity,
        unsupported=[],
        reasons=[],
    )


def verify(
    scorer: SupportScorer, sentences: list[ReplySentence], passages: list[Passage]
) -> list[Verdict]:
    """Check each sentence against the passages it cites (and only those)."""
    verdicts = []
    for s in sentences:
        cited: list[int] = []
        invalid: list[int] = []
        for k in s.keys:
            if 1 <= k <= len(passages):
                if k - 1 not in cited:
                    cited.append(k - 1)
            elif k not in invalid:
                invalid.append(k)
        # Scoring each cited passage alone gives the same verdict as scoring the list
        # (the scorer takes the best single passage) and each passage's own span.
        singles = [(i, _score_one(scorer, s.text, passages[i])) for i in cited]
        best = max((r for _, r in singles), key=lambda r: (r.supported, r.score), default=None)
        supporting = [(i, r) for i, r in singles if r.supported]
        verdicts.append(Verdict(s, cited, invalid, best, supporting))
    return verdicts


def _quote(p: Passage, result: SupportResult) -> str:
    """The supporting span, verbatim from the passage; else the passage's first sentence."""
    text = p.chunk.text
    if result.span and result.span in text:
        return result.span
    spans = sentences_with_spans(text)
    return text[spans[0][0] : spans[0][1]] if spans else text


_ABSTAIN = re.compile(
    r"\b(?:do(?:es)?\s*n[o']t|don't|doesn't|cannot|can't)\s+(?:answer|say|mention|cover|contain)"
    r"|\bnot (?:answered|covered|mentioned|stated)\b|\bno information\b",
    re.IGNORECASE,
)


def llm_answer(qa: ReviewQA, question: str, passages: list[Passage]) -> Answer:
    """Answer with ``qa.llm`` from ``passages``, keeping only what the passages support."""
    prompts = {n: load_prompt(n, qa.settings) for n in ("system", "answer", "refusal")}
    refusal = prompts["refusal"].render(question=question)

    def refuse(note: str | None, support: tuple[SentenceSupport, ...] = ()) -> Answer:
        return Answer(
            question=question,
            answer=refusal,
            refused=True,
            mode="llm",
            passages=tuple(passages),
            support=support,
            note=note,
        )

    if not passages:
        return refuse("No passages were retrieved, so the model was not asked.")
    missing = unknown_terms(question, qa).names
    if missing:  # the same rule as the extractive answerer: the reviews never name it
        named = ", ".join(repr(m) for m in missing)
        return refuse(f"The indexed text never mentions {named}, so the model was not asked.")
    from langchain_core.messages import HumanMessage, SystemMessage

    messages = [
        SystemMessage(content=prompts["system"].render()),
        HumanMessage(
            content=prompts["answer"].render(question=question, passages=format_context(passages))
        ),
    ]
    try:
        reply = qa.llm.invoke(messages)  # type: ignore[union-attr]
    except Exception as e:  # noqa: BLE001 - any model failure means "fall back"
        raise LLMError(_reason(e)) from e
    text = reply_text(reply)
    if not text:
        raise LLMError("the model returned an empty reply")

    verdicts = verify(make_scorer(qa), split_reply(text), passages)
    citations: list[Citation] = []
    support: list[SentenceSupport] = []
    lines: dict[int, list[str]] = {}
    for v in verdicts:
        if not v.supported:
            support.append(_unsupported(v))
            continue
        ns = []
        for i, r in v.supporting:
            ch = passages[i].chunk
            n = len(citations) + 1
            citations.append(citation_for(n, ch, _quote(passages[i], r)))
            ns.append(n)
        score = v.result.score if v.result else 0.0
        support.append(
            SentenceSupport(
                sentence=v.sentence.text,
                citations=tuple(ns),
                supported=True,
                score=score,
            )
        )
        marks = "".join(f"[{n}]" for n in ns)
        lines.setdefault(v.sentence.line, []).append(f"{v.sentence.text} {marks}")

    dropped = sum(not v.supported for v in verdicts)
    invalid = sorted({k for v in verdicts for k in v.invalid})
    notes = []
    if invalid:
        notes.append(
            "removed citation keys not in the context: " + ", ".join(f"[S{k}]" for k in invalid)
        )
    if dropped and citations:
        notes.append(
            f"{dropped} of {len(verdicts)} sentences of the model's answer were "
            "dropped as not supported by the passages they cite"
        )
    if not citations:
        if verdicts and not any(v.sentence.keys for v in verdicts) and _ABSTAIN.search(text):
            notes.append("the model said the passages do not answer the question")
        else:
            notes.append(
                "nothing in the model's answer could be verified against the passages it cites"
            )
        return refuse(_note(notes), tuple(support))
    wants = expected_type(question)  # the extractive answerer's rule (rag/answer_type.py)
    if wants and not any(gives(s.sentence, wants) for s in support if s.supported):
        notes.append(
            f"no verified sentence of the model's answer gives the {wants.describe()} "
            "the question asks for"
        )
        return refuse(_note(notes), tuple(support))
    return Answer(
        question=question,
        answer="\n".join(" ".join(parts) for _, parts in sorted(lines.items())),
        refused=False,
        mode="llm",
        citations=tuple(citations),
        passages=tuple(passages),
        support=tuple(support),
        note=_note(notes),
    )


def _unsupported(v: Verdict) -> SentenceSupport:
    if v.result is None:  # no valid citation: every specific is unsupported
        missing = tuple(f"{k} '{val}'" for k, val in specifics(v.sentence.text))
        return SentenceSupport(
            sentence=v.sentence.text, supported=False, score=0.0, unsupported=missing
        )
    return SentenceSupport(
        sentence=v.sentence.text,
        supported=False,
        score=v.result.score,
        unsupported=tuple(v.result.unsupported),
    )


def _note(parts: list[str]) -> str | None:
    if not parts:
        return None
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def _reason(e: Exception) -> str:
    """A short, readable reason for a model failure (the caller shows it to the user)."""
    name = type(e).__name__
    root: BaseException = e
    while root.__cause__ is not None and root.__cause__ is not root:
        root = root.__cause__
    detail = _short(str(root)) if root is not e else ""
    if "Timeout" in name:
        return "the model timed out"
    if "Connection" in name:
        return "could not reach the model server" + (f" ({detail})" if detail else "")
    msg = _short(str(e))
    return f"{name}: {msg}" if msg else name


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- judge --------------------------------------------------------------------------

_YES_NO = re.compile(r"\b(yes|no)\b", re.IGNORECASE)


def judge_support(qa: ReviewQA, sentence: str, text: str) -> float | None:
    """LLM-as-judge: 1.0 if the model says the passage supports the sentence, 0.0 if
    not, None when there is no model or it fails or answers neither yes nor no."""
    if qa.llm is None:
        return None
    try:
        prompt = load_prompt("judge", qa.settings).render(sentence=sentence, passage=text)
        from langchain_core.messages import HumanMessage

        reply = reply_text(qa.llm.invoke([HumanMessage(content=prompt)]))
    except Exception:  # noqa: BLE001 - the judge is optional; any failure means "no verdict"
        return None
    m = _YES_NO.search(reply)
    if m is None:
        return None
    return 1.0 if m.group(1).lower() == "yes" else 0.0
