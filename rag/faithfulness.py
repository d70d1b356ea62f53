"""Faithfulness of any answer (ours, a vendor's, a colleague's) against the reviews.

Per sentence: the best supporting passage and span, a support score, supported or not,
and the unsupported specifics. Overall: faithfulness (share of supported sentences) and,
when the answer carries citations, citation recall and precision in the ALCE sense
(Gao et al., "Enabling Large Language Models to Generate Text with Citations", EMNLP
2023): a sentence's citations recall it if together they support it; a citation is
precise unless the sentence is supported without it and it does not support it alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.support import Evidence, SupportResult, SupportScorer

_MARK = re.compile(r"\s*\[(?:S|s)?(\d{1,3})\]")
_SPLIT = re.compile(r"(?<=[.!?\]])\s+(?=[A-Z“\"(])|\n+")
# "Child K (Lambeth and Bromley, 2018): " at the start of a paragraph names the review
_LABEL = re.compile(r"^[^:\n]{3,90}\(\s*[^()]*\d{4}\s*\):\s+")


@dataclass
class SentenceVerdict:
    sentence: str
    citations: list[int]
    supported: bool
    score: float
    evidence_id: str | None
    evidence_n: int | None
    span: str | None
    unsupported: list[str]
    reasons: list[str]
    citation_supported: bool | None = None
    precise_citations: list[int] = field(default_factory=list)
    llm_judge: float | None = None


@dataclass
class FaithfulnessReport:
    sentences: list[SentenceVerdict]
    faithfulness: float
    citation_recall: float | None
    citation_precision: float | None
    evidence: list[Evidence]
    llm_judge: float | None = None


def split_answer(answer: str) -> list[tuple[str, list[int]]]:
    """(sentence without markers, cited numbers) for each sentence of an answer."""
    out: list[tuple[str, list[int]]] = []
    for raw in _SPLIT.split(answer.strip()):
        raw = _LABEL.sub("", raw.strip())
        if not raw:
            continue
        cites = [int(n) for n in _MARK.findall(raw)]
        text = _MARK.sub("", raw).strip()
        # a label line like "Child K (Lambeth, 2018):" carries no claim
        if text.endswith(":") and len(text.split()) <= 12:
            if out and cites:
                pass
            continue
        if len(re.findall(r"[A-Za-z]{2,}", text)) < 3:
            if out and cites:
                out[-1][1].extend(cites)
            continue
        out.append((text, cites))
    return out


def evaluate_answer(
    answer: str,
    evidence: list[Evidence],
    scorer: SupportScorer,
    judge=None,  # noqa: ANN001
) -> FaithfulnessReport:
    """Score ``answer`` against ``evidence``; citation numbers are 1-based evidence indexes."""
    verdicts: list[SentenceVerdict] = []
    rec_n = rec_ok = prec_n = prec_ok = 0
    for sentence, cites in split_answer(answer):
        best: SupportResult = scorer.score(sentence, evidence)
        v = SentenceVerdict(
            sentence=sentence,
            citations=cites,
            supported=best.supported,
            score=best.score,
            evidence_id=evidence[best.evidence_index].id
            if best.evidence_index is not None
            else None,
            evidence_n=(best.evidence_index + 1) if best.evidence_index is not None else None,
            span=best.span,
            unsupported=best.unsupported,
            reasons=best.reasons,
        )
        valid = [n for n in cites if 1 <= n <= len(evidence)]
        if cites:
            cited = [evidence[n - 1] for n in valid]
            joint = _joint(cited)
            together = scorer.score(sentence, [joint]) if cited else None
            v.citation_supported = bool(together and together.supported)
            rec_n += 1
            rec_ok += v.citation_supported
            for n in cites:
                prec_n += 1
                if n not in valid or not v.citation_supported:
                    continue
                if len(valid) == 1:
                    ok = True
                else:
                    alone = scorer.score(sentence, [evidence[n - 1]]).supported
                    rest = [evidence[m - 1] for m in valid if m != n]
                    without = scorer.score(sentence, [_joint(rest)]).supported
                    ok = alone or not without
                if ok:
                    prec_ok += 1
                    v.precise_citations.append(n)
            if v.citation_supported and not v.supported:
                v.supported, v.reasons = True, []
        if judge is not None and best.evidence_index is not None:
            v.llm_judge = judge(sentence, evidence[best.evidence_index].text)
        verdicts.append(v)
    n = len(verdicts)
    judged = [v.llm_judge for v in verdicts if v.llm_judge is not None]
    return FaithfulnessReport(
        sentences=verdicts,
        faithfulness=round(sum(v.supported for v in verdicts) / n, 4) if n else 0.0,
        citation_recall=round(rec_ok / rec_n, 4) if rec_n else None,
        citation_precision=round(prec_ok / prec_n, 4) if prec_n else None,
        evidence=evidence,
        llm_judge=round(sum(judged) / len(judged), 4) if judged else None,
    )


def _joint(evs: list[Evidence]) -> Evidence:
    if len(evs) == 1:
        return evs[0]
    rids = {e.review_id for e in evs}
    return Evidence(
        text="\n".join(e.text for e in evs),
        id=None,
        review_id=evs[0].review_id if len(rids) == 1 else None,
        review_title=evs[0].review_title if len(rids) == 1 else None,
    )
