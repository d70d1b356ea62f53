"""Answers: extractive by default (offline, deterministic), an LLM as an option.

Extractive: query-focused sentence selection from the retrieved passages. Each sentence
of the retrieved passages gets features against the question (dense cosine, IDF-weighted
word overlap, its passage's retrieval score and rank, how well its neighbours match, its
place and length), a fitted logistic model (``rag/sentence_scorer.py``) turns them into
the chance that it carries the answer, and the best ones are taken, skipping overlaps
and near-duplicates and spreading a cross-review answer over reviews. A sentence that
leans on the one before ("This", "He", ...) takes that sentence with it, and the picks
are grouped by review and put in document order. Every answer sentence is a verbatim
slice of the passage it cites.

Refusal: when the best candidate sentence's evidence score (the hand-set blend of dense,
lexical and passage prior) is below ``Settings.refuse_below``, when the question names
something the indexed reviews (or the review it asks about) never name, or when the
question asks for a kind of answer (a date, a count of something, a length of time, …)
that no picked sentence holds (``rag/answer_type.py``), the answer is ``refused`` and the
nearest passages are still returned. An ordinary word no review uses only adds a note (``UnknownWords``).
"""

from __future__ import annotations

import bisect
import functools
import math
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from rag.answer_type import expected_type, gives
from rag.query import QueryPlan
from rag.retrieval import Filters
from rag.sentence_scorer import MODEL
from rag.sentences import sentence_units
from rag.service import ReviewQA
from rag.support import STOP, Evidence, SupportScorer, content_terms
from rag.types import Answer, Chunk, Citation, Passage, SentenceSupport

REFUSAL = (
    "The indexed reviews don't answer this. The nearest passages are listed below; "
    "they may help you rephrase the question."
)
EMPTY_INDEX = (
    "No reviews are indexed yet, so there is nothing to answer from. Add reviews first "
    "(`reviewqa ingest DIR`, or POST /reviews)."
)
_ANAPHOR = re.compile(
    r"^(This|These|That|Those|It|Its|He|She|They|His|Her|Their|However|But|Also|Further|"
    r"Furthermore|In addition|As a result|Therefore|Consequently|Despite this|Such)\b"
)
_LEAD_NUM = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2}){0,4}\.?\s+|-\s+)")
MAX_PER_PASSAGE = 12
# Answer length: sentences picked per answer (MAX_CROSS for cross-review questions).
# Measured with the sentence model on the analysis questions (dev + held-out h001-h150,
# which the model was fitted on): 4 → 0.632 answer facts (174 words), 5 → 0.681 (208),
# 6 → 0.714 (241). Five cited sentences still read as a short answer.
MAX_SENTENCES = 5
MAX_CROSS = 7
# Ranking is the sentence model's (rag/sentence_scorer.py). The hand-set blend below is
# the refusal's evidence (calibrated as Settings.refuse_below) and the model's "how well
# do the neighbours match" feature: dense cosine, IDF-weighted question-word overlap,
# passage score prior.
W_DENSE, W_LEXICAL, W_RANK = 0.55, 0.30, 0.15
# A sentence whose vector is this close to a picked one repeats it (a summary restating
# the body); a cross-review answer costs a review this much per sentence it already has.
DUPLICATE = 0.9
SPREAD = 0.08 / 0.7
_GENERIC = frozenset(
    "review reviews case child children happen happened went wrong what why how did say said "
    "tell found find show describe explain anything issue issues ok".split()
)
# Capitalised words that name a time, not a person, body or place: a question placing
# events "after Christmas" or "over Easter" asks about what the review dates otherwise
# ("January 2015"), so the word is ordinary (a note), never a missing name. Batch 9's
# h265 was refused for "Christmas".
_CALENDAR = frozenset(
    "christmas xmas easter whitsun halloween ramadan eid diwali hanukkah passover "
    "spring summer autumn winter "
    "monday tuesday wednesday thursday friday saturday sunday".split()
)


@dataclass
class Candidate:
    passage: Passage
    rank: int
    start: int
    end: int
    text: str
    score: float = 0.0  # ranking score: the sentence model's probability
    match: float = 0.0  # hand-set blend of the three below: the refusal's evidence
    dense: float = 0.0  # cosine with the question
    lexical: float = 0.0  # IDF-weighted share of the question's words it holds
    prior: float = 0.0  # its passage's retrieval score relative to the best (_prior)
    vec: Any = None
    row: int = -1  # row in the index's sentence matrix, -1 = embed at question time

    @property
    def passage_id(self) -> str:
        return self.passage.id


class _VecCache:
    """Small LRU of sentence vectors: the same passages come back for similar questions."""

    def __init__(self, size: int = 20000) -> None:
        self.size = size
        self.data: OrderedDict[str, list[float]] = OrderedDict()
        self.lock = threading.Lock()

    def embed(self, embedder: Any, texts: list[str]) -> list[list[float]]:
        with self.lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self.data]
        if missing:
            vecs = embedder.embed(missing)
            with self.lock:
                for t, v in zip(missing, vecs, strict=True):
                    self.data[t] = v
                while len(self.data) > self.size:
                    self.data.popitem(last=False)
        with self.lock:
            return [self.data[t] for t in texts]


_CACHE = _VecCache()
_REVIEW_VOCAB: dict[tuple[int, str], tuple[set[str], list[str]]] = {}
_SORTED: dict[int, list[str]] = {}
# Words about the request itself, not about its subject.
_META = frozenset(
    "passage passages quote quotes quoting quotable paragraph paragraphs section sections "
    "report reports text wording words trainer trainers training please exact exactly cite "
    "citation summary summarise summarize explain describe list give show find tell "
    "question questions answer answers document documents".split()
)
_VOCAB: dict[int, tuple[set[str], dict[str, float]]] = {}


def corpus_stats(qa: ReviewQA) -> tuple[set[str], dict[str, float]]:
    """Vocabulary and IDF of the live chunks (cached per index snapshot)."""
    view = qa.engine.view
    key = id(view)
    if key not in _VOCAB:
        df: dict[str, int] = {}
        for c in view.ordered:
            for t in set(content_terms(c.text + " " + " ".join(c.section_path))):
                df[t] = df.get(t, 0) + 1
        n = max(1, len(view.ordered))
        idf = {t: math.log(1 + n / d) for t, d in df.items()}
        _VOCAB.clear()
        _VOCAB[key] = (set(df), idf)
    return _VOCAB[key]


def _dot(a: Any, b: Any) -> float:
    return float(np.dot(a, b))


def candidates(
    passages: list[Passage], spans_of: dict[str, list[tuple[int, int, int]]] | None = None
) -> list[Candidate]:
    """Sentences of the passages worth quoting. ``spans_of`` gives the index's stored
    sentence spans (and vector rows) so no sentence is embedded at question time."""
    out: list[Candidate] = []
    for rank, p in enumerate(passages):
        if p.chunk.kind == "front_matter":
            continue  # acknowledgements and title pages are not evidence
        text = p.chunk.text
        stored = (spans_of or {}).get(p.chunk.id)
        units = stored or [(s, e, -1) for s, e in sentence_units(text)]
        for i, (s, e, row) in enumerate(units[:MAX_PER_PASSAGE]):
            m = _LEAD_NUM.match(text[s:e])
            if m:
                s += m.end()
            seg = text[s:e]
            if (
                len(seg.split()) < 6
                or not re.search(r"[a-z]", seg)
                or seg.rstrip().endswith((":", ":-"))
                or ("|" in seg and max(len(cell.split()) for cell in seg.split("|")) < 6)
            ):
                continue  # too short to stand alone, a list intro / heading, or a table
                # row of labels ("Independent Reviewing Officer | Stockport MBC")
            if _ANAPHOR.match(seg) and i > 0:
                ps = units[i - 1][0]
                pm = _LEAD_NUM.match(text[ps:e])
                ps += pm.end() if pm else 0
                if len(text[ps:e].split()) <= 90:
                    s, seg = ps, text[ps:e]
            c = Candidate(p, rank, s, e, seg)
            c.row = row
            out.append(c)
    return out


def review_vocab(qa: ReviewQA, review_id: str) -> tuple[set[str], list[str]]:
    """The stems one review uses, as a set and sorted (cached per index snapshot)."""
    key = (id(qa.engine.view), review_id)
    if key not in _REVIEW_VOCAB:
        terms: set[str] = set()
        for c in qa.engine.view.by_review.get(review_id, []):
            terms.update(content_terms(c.text + " " + " ".join(c.section_path)))
        if len(_REVIEW_VOCAB) > 64:
            _REVIEW_VOCAB.clear()
        _REVIEW_VOCAB[key] = (terms, sorted(terms))
    return _REVIEW_VOCAB[key]


def _sorted_vocab(qa: ReviewQA) -> list[str]:
    vocab, _ = corpus_stats(qa)
    key = id(qa.engine.view)
    if key not in _SORTED:
        _SORTED.clear()
        _SORTED[key] = sorted(vocab)
    return _SORTED[key]


def _known(term: str, vocab: set[str], ordered: list[str]) -> bool:
    """Is ``term`` (a stem) in ``vocab``, allowing stems that differ only in a short
    ending ("referr" for "referral" vs "refer" for "referred"; not "minim" for "minimum")?"""
    if term in vocab:
        return True
    n = len(term)
    for k in range(n - 1, max(3, math.ceil(0.8 * n)) - 1, -1):  # shorter stems
        if term[:k] in vocab:
            return True
    i = bisect.bisect_left(ordered, term)  # longer stems starting with term
    while i < len(ordered) and ordered[i].startswith(term):
        if n >= 0.8 * len(ordered[i]):
            return True
        i += 1
    return False


@dataclass(frozen=True)
class UnknownWords:
    """Question words the indexed reviews never use.

    ``names``: names and acronyms (Haringey, Ofsted in a review that never mentions it,
    OASys). The reviews cannot say anything about what they never name, so the answer
    is a refusal that says which name was missing.
    ``words``: ordinary words ("sorry", "slide", "swapped"). People phrase questions in
    their own words, so these only add a note to the answer: measured on a held-out set,
    refusing on them turned away 4 of 24 answerable questions.
    """

    names: tuple[str, ...] = ()
    words: tuple[str, ...] = ()


_WORD_RE = re.compile(r"(?<![\w'’])[A-Za-z][A-Za-z]+(?:['’]s)?(?![\w'’])")
_SENTENCE_START = re.compile(r"(?:^|[.?!:;]\s+|[\"“(]\s*)$")


def _is_name(word: str, before: str) -> bool:
    """Capitalised mid-sentence, all capitals, or mixed case (OASys)."""
    if word.isupper() or any(ch.isupper() for ch in word[1:]):
        return True
    return word[0].isupper() and not _SENTENCE_START.search(before)


def unknown_terms(question: str, qa: ReviewQA) -> UnknownWords:
    """Names the reviews (or the review the question is about) never use, and ordinary
    words no indexed review uses. See ``UnknownWords``."""
    vocab, _ = corpus_stats(qa)
    ordered = _sorted_vocab(qa)
    plan = qa.engine.plan(question)
    scoped = plan.review_ids if plan.review_ids and not plan.cross_review else ()
    scope_vocab: set[str] | None = None
    scope_ordered: list[str] = []
    if len(scoped) == 1:
        scope_vocab, scope_ordered = review_vocab(qa, scoped[0])
    elif scoped:
        scope_vocab = set().union(*(review_vocab(qa, r)[0] for r in scoped))
        scope_ordered = sorted(scope_vocab)
    alias_words = {w for a in qa.engine.view.aliases for w in a.split()}
    names: list[str] = []
    words: list[str] = []
    for m in _WORD_RE.finditer(question):
        w = re.sub(r"['’]s$", "", m.group(0))
        if re.fullmatch(r"[A-Z]{2,}s", w):
            w = w[:-1]  # plural acronym: DSLs -> DSL
        low = w.lower()
        if low in STOP or low in _GENERIC or low in _META or low in alias_words:
            continue
        terms = content_terms(w)
        if not terms:
            continue
        name = _is_name(w, question[: m.start()]) and low not in _CALENDAR
        if not name and len(w) < 4:
            continue
        known = any(_known(t, vocab, ordered) for t in terms)
        if name and known and scope_vocab is not None:
            known = any(_known(t, scope_vocab, scope_ordered) for t in terms)
        if not known and w.isupper() and _spelled_out(w, qa, scoped):
            known = True  # "YOS" where the review writes "Youth Offending Service"
        if not known:
            (names if name else words).append(w)
    return UnknownWords(tuple(dict.fromkeys(names)), tuple(dict.fromkeys(words)))


_LINKS = r"(?:(?:of|and|for|the|to|in|on|&)\s+)*"


def _spelled_out(acronym: str, qa: ReviewQA, scoped: tuple[str, ...]) -> bool:
    """Does the text (of the named reviews, or of all) write ``acronym`` out in words:
    consecutive words with those initials, small linking words allowed between them?"""
    if not 2 <= len(acronym) <= 8:
        return False
    pattern = re.compile(
        r"\b"
        + (r"[a-z'’-]*\s+" + _LINKS).join(f"[{ch}{ch.lower()}]" for ch in acronym)
        + r"[a-z'’-]*\b"
    )
    view = qa.engine.view
    for rid in scoped or tuple(view.by_review):
        key = (id(view), rid)
        if key not in _REVIEW_TEXT:
            if len(_REVIEW_TEXT) > 64:
                _REVIEW_TEXT.clear()
            _REVIEW_TEXT[key] = "\n".join(c.text for c in view.by_review.get(rid, []))
        if pattern.search(_REVIEW_TEXT[key]):
            return True
    return False


_REVIEW_TEXT: dict[tuple[int, str], str] = {}


def _prior(c: Candidate, best_passage: float) -> float:
    """The square root of the passage's retrieval score relative to the best passage (1.0
    for the best). Measured against a prior on rank alone, 1 / (1 + rank / 4), the score
    keeps a clear retrieval lead (answer facts 0.683 → 0.707, false refusals 2 → 0 of 68).
    The root came with BM25 entering the fusion linearly (retrieval.py), which spreads the
    fused scores: without it a strong lexical lead starved the other passages (dev facts
    0.714 and 2 false refusals; with it 0.724 and none, better on both halves)."""
    if best_passage <= 0:
        return 1.0 / (1.0 + 0.25 * c.rank)
    return math.sqrt(max(0.0, c.passage.score) / best_passage)


# A trainer's request for a passage: the framing up to "passage / quote / line …" (and
# "from the X review about"), which says what is wanted, not what it is about.
_REQUEST = re.compile(
    r"\b(?:passages?|quotes?|lines?|bits?|extracts?|excerpts?)\b(?:\s+I\s+can\s+quote)?"
    r"(?:\s+(?:in|from)\s+(?:the\s+)?[^,.:;?]*?\b(?:review|report|SCR)\b)?"
    r"\s*(?:(?:saying|about|on|where|showing|describing|praising|that|of)\b|[:–-])\s*",
    re.I,
)


@functools.cache
def _ignored(*, request: bool) -> frozenset[str]:
    """Stems that say nothing about the subject: generic question words, and for a
    trainer's request the request words too ("passage", "quote", "slide" …)."""
    words = _GENERIC | _META if request else _GENERIC
    return frozenset(t for w in words for t in content_terms(w))


def request_topic(question: str) -> str:
    """What a trainer's request is about, without the request ("For a slide: a line
    from the Child V review showing how quickly …" -> "how quickly …"). Questions that
    are not such requests, or whose topic comes before the request word ("the 'start
    again' research passage the review quotes"), come back unchanged."""
    m = _REQUEST.search(question)
    rest = question[m.end() :].strip() if m else ""
    return rest if len(rest.split()) >= 3 else question


def score_candidates(qa: ReviewQA, question: str, passages: list[Passage]) -> list[Candidate]:
    """The quotable sentences of ``passages`` with their features against the question
    (dense, lexical, prior and the hand-set ``match``) and their model ``score``."""
    view = qa.engine.view
    cands = candidates(passages, view.sent_spans)
    if not cands:
        return []
    plan = qa.engine.plan(question)
    _, idf = corpus_stats(qa)
    # A trainer's passage request is matched on its topic, not on "For a slide, I need a
    # passage from …" (pool of dev + h001-h150: one false refusal fewer, facts +0.01).
    topic = request_topic(plan.text)
    expanded = plan.expanded if topic == plan.text else " ".join((topic, *plan.expansions))
    q_terms = set(content_terms(expanded)) - _ignored(request=topic != plan.text)
    q_weight = sum(idf.get(t, 1.0) for t in q_terms) or 1.0
    missing = [c for c in cands if c.row < 0]
    qv = np.asarray(qa.engine.embed_query(topic), dtype=np.float32)
    if missing:
        for c, v in zip(missing, _CACHE.embed(qa.embedder, [c.text for c in missing]), strict=True):
            c.vec = np.asarray(v, dtype=np.float32)
    for c in cands:
        if c.row >= 0:
            c.vec = view.sent_matrix[c.row]
    best_passage = max(p.score for p in passages)
    for c in cands:
        c.dense = _dot(qv, c.vec)
        c.lexical = sum(idf.get(t, 1.0) for t in q_terms & set(content_terms(c.text))) / q_weight
        c.prior = _prior(c, best_passage)
        c.match = W_DENSE * c.dense + W_LEXICAL * c.lexical + W_RANK * c.prior
    for c, p in zip(cands, MODEL.score(cands), strict=True):
        c.score = p
    return cands


def pick(cands: list[Candidate], *, max_sentences: int, cross: bool) -> list[Candidate]:
    """The best-scoring sentences, no two overlapping or near-duplicates (a foreword
    restating the body), spread over reviews for a cross-review question."""
    picked: list[Candidate] = []
    pool = sorted(cands, key=lambda c: -c.score)
    per_review: dict[str, int] = {}
    while pool and len(picked) < max_sentences:

        def gain(c: Candidate) -> float:
            div = SPREAD * per_review.get(c.passage.chunk.review_id, 0) if cross else 0.0
            return c.score - div

        best = max(pool, key=gain)
        pool.remove(best)
        if any(
            (p.passage.id == best.passage.id and p.start < best.end and best.start < p.end)
            or _dot(best.vec, p.vec) > DUPLICATE
            for p in picked
        ):
            continue
        picked.append(best)
        rid = best.passage.chunk.review_id
        per_review[rid] = per_review.get(rid, 0) + 1
    return picked


def select_sentences(
    qa: ReviewQA, question: str, passages: list[Passage], *, max_sentences: int, cross: bool
) -> list[Candidate]:
    return pick(score_candidates(qa, question, passages), max_sentences=max_sentences, cross=cross)


def citation_for(n: int, chunk: Chunk, quote: str) -> Citation:
    """Citation number ``n`` of ``quote`` (a verbatim slice of ``chunk.text``)."""
    return Citation(
        n=n,
        passage_id=chunk.id,
        review_id=chunk.review_id,
        review_title=chunk.review_title,
        label=chunk.label,
        section_path=chunk.section_path,
        quote=quote,
        lines=chunk.lines,
        pages=chunk.pages,
    )


def _group(picked: list[Candidate]) -> list[tuple[str, list[Candidate]]]:
    groups: dict[str, list[Candidate]] = {}
    best: dict[str, float] = {}
    for c in picked:
        rid = c.passage.chunk.review_id
        groups.setdefault(rid, []).append(c)
        best[rid] = max(best.get(rid, 0.0), c.score)
    order = sorted(groups, key=lambda r: -best[r])
    return [(r, sorted(groups[r], key=lambda c: (c.passage.chunk.order, c.start))) for r in order]


# "What's ORB?", "What does MAPPA stand for?", "what is the BSCB …": a question asking
# what an acronym is. The review's own definition answers it, though it is often a short
# glossary or table line that no sentence-level score finds (batch 12's h345 was refused).
_DEFINE_Q = re.compile(
    r"\b(what(?:'s|’s|\s+is|\s+are|\s+was|\s+were|\s+does|\s+do)|stands?\s+for|"
    r"mean(?:s|ing)?|defin\w*|short\s+for)\b",
    re.I,
)
_BULLET = re.compile(r"\s*[-–•·*▪]\s+")
_ACRONYM_TOKEN = re.compile(r"(?<![\w&])([A-Z][A-Z&]{1,9})s?(?![\w&])")
DEFINITION_MAX_WORDS = 45  # the definition's whole sentence is quoted when this short


def _definition_patterns(acronym: str, expansion: str) -> list[re.Pattern[str]]:
    exp = r"[\s-]+".join(re.escape(w) for w in re.split(r"[\s-]+", expansion.strip()) if w)
    acr = re.escape(acronym)
    return [
        re.compile(rf"{exp}\s*\(\s*{acr}\s*\)", re.I),
        re.compile(rf"(?<![\w&]){acr}\s*\(\s*{exp}\s*\)", re.I),
        re.compile(rf"(?<![\w&]){acr}\s*(?:[-–—:|\t]|\s)\s*{exp}", re.I),
    ]


def acronym_definition(
    qa: ReviewQA, question: str, passages: list[Passage], plan: QueryPlan | None = None
) -> Candidate | None:
    """For a question asking what an acronym is, the review's definition of it: a
    verbatim span of a retrieved passage or, failing that, of the chunk (in the review the
    question names, else any) that defines it; ``None`` when none does. ``plan`` is the
    question's query plan when the caller already has it."""
    if not _DEFINE_Q.search(question):
        return None
    view = qa.engine.view
    wanted = [a for a in _ACRONYM_TOKEN.findall(question) if a in view.acronyms]
    if not wanted:
        return None
    acronym = wanted[0]
    patterns = [p for e in view.acronyms[acronym] for p in _definition_patterns(acronym, e)]
    plan = plan or qa.engine.plan(question)
    scoped = [c for c in view.ordered if c.review_id in plan.review_ids]
    retrieved = {p.chunk.id: p for p in passages}
    seen: set[str] = set()
    for chunk in [p.chunk for p in passages] + scoped + view.ordered:
        if chunk.id in seen or chunk.kind == "front_matter":
            continue
        seen.add(chunk.id)
        hits = [m for pat in patterns if (m := pat.search(chunk.text))]
        if not hits:
            continue
        m = min(hits, key=lambda h: h.start())
        start, end = m.start(), m.end()
        for s, e in sentence_units(chunk.text):
            if s <= start and end <= e and len(chunk.text[s:e].split()) <= DEFINITION_MAX_WORDS:
                lead = _LEAD_NUM.match(chunk.text[s:e]) or _BULLET.match(chunk.text[s:e])
                start, end = s + (lead.end() if lead else 0), e
                break
        passage = retrieved.get(chunk.id) or Passage(chunk=chunk, score=0.0)
        rank = passages.index(passage) if chunk.id in retrieved else len(passages)
        return Candidate(passage, rank, start, end, chunk.text[start:end], score=1.0, match=1.0)
    return None


def extractive_answer(
    qa: ReviewQA,
    question: str,
    passages: list[Passage],
    *,
    mode: str = "extractive",
    note: str | None = None,
    sentences: int | None = None,
) -> Answer:
    """The extractive answer: at most ``sentences`` quoted sentences (default
    MAX_SENTENCES, or MAX_CROSS for a cross-review question), or a refusal."""
    if not qa.engine.view.chunks:
        # Not "the reviews never mention X": there are no reviews to mention it.
        return Answer(
            question=question,
            answer=EMPTY_INDEX,
            refused=True,
            mode=mode,  # type: ignore[arg-type]
            note=note,
        )
    plan = qa.engine.plan(question)
    cross = plan.cross_review
    cands = score_candidates(qa, question, passages)
    definition = acronym_definition(qa, question, passages, plan)
    if definition is not None:
        d = definition
        if d.passage.id not in {p.id for p in passages}:
            passages = [*passages, d.passage]
        # other sentences may not repeat the definition's span
        cands = [
            c
            for c in cands
            if not (c.passage.id == d.passage.id and c.start < d.end and d.start < c.end)
        ]
    limit = (sentences or (MAX_CROSS if cross else MAX_SENTENCES)) - (definition is not None)
    picked = pick(cands, max_sentences=limit, cross=cross)
    unknown = unknown_terms(question, qa)
    missing = unknown.names
    # Evidence for the refusal is the best hand-set match of any candidate sentence, so
    # it does not depend on which sentences the model then prefers to quote.
    evidence = max((c.match for c in cands), default=0.0)
    wants = expected_type(question)
    untyped = bool(picked) and wants is not None and not any(gives(c.text, wants) for c in picked)
    if definition is not None:
        if evidence < qa.settings.refuse_below:
            picked = []  # nothing else matches the question: the definition is the answer
        evidence = max(evidence, definition.match)  # the review defines what was asked
        untyped = False
    if (
        (not picked and definition is None)
        or evidence < qa.settings.refuse_below
        or missing
        or untyped
    ):
        why = ""
        if missing:
            why = f" (the indexed text never mentions {', '.join(repr(m) for m in missing)}" + (
                " in the review(s) you named)" if plan.review_ids and not cross else ")"
            )
        elif untyped and wants:
            why = f" (the closest passages never give the {wants.describe()} the question asks for)"
        return Answer(
            question=question,
            answer=REFUSAL + why,
            refused=True,
            mode=mode,  # type: ignore[arg-type]
            passages=tuple(passages),
            note=note,
        )
    citations: list[Citation] = []
    support: list[SentenceSupport] = []
    blocks: list[tuple[str, list[Candidate]]] = []  # (review title, its sentences)
    for _rid, group in _group(picked):
        blocks.append((group[0].passage.chunk.review_title, group))
    if definition is not None:
        # the definition leads, before its review's other sentences
        own = definition.passage.chunk.review_title
        rest = [g for t, g in blocks if t == own]
        blocks = [(own, [definition, *(rest[0] if rest else [])])] + [
            b for b in blocks if b[0] != own
        ]
    titles = list(dict.fromkeys(t for t, _ in blocks))
    paragraphs: list[str] = []
    for title, group in blocks:
        parts = []
        for c in group:
            n = len(citations) + 1
            citations.append(citation_for(n, c.passage.chunk, c.text))
            support.append(
                SentenceSupport(
                    sentence=c.text, citations=(n,), supported=True, score=round(c.score, 4)
                )
            )
            parts.append(f"{c.text} [{n}]")
        # Each review's sentences under its name; a one-review answer names it once, in
        # the lead-in ("From the review of Child K …:"), not again on the paragraph.
        paragraphs.append((f"{title}: " if len(titles) > 1 else "") + " ".join(parts))
    lead = (
        f"From {len(titles)} reviews ({'; '.join(titles)}):"
        if len(titles) > 1
        else f"From the review of {titles[0]}:"
    )
    return Answer(
        question=question,
        answer=lead + "\n\n" + "\n\n".join(paragraphs),
        refused=False,
        mode=mode,  # type: ignore[arg-type]
        citations=tuple(citations),
        passages=tuple(passages),
        support=tuple(support),
        note=_join_notes(note, _unfamiliar_note(unknown.words)),
    )


def _unfamiliar_note(words: tuple[str, ...]) -> str | None:
    if not words:
        return None
    listed = ", ".join(repr(w) for w in words)
    return (
        f"The indexed reviews never use {listed}: check that the quoted passages answer "
        "what you asked."
    )


def _join_notes(*notes: str | None) -> str | None:
    kept = [n for n in notes if n]
    return " ".join(kept) if kept else None


def answer_question(
    qa: ReviewQA,
    question: str,
    k: int = 8,
    filters: Filters | None = None,
    sentences: int | None = None,
) -> Answer:
    """Retrieve, then answer with the LLM if one is configured, else extractively.
    ``sentences`` caps the extractive answer's quoted sentences (the LLM writes its own)."""
    passages = qa.engine.search(question, k, filters)
    if qa.llm is not None and qa.engine.view.chunks:
        from rag.errors import LLMError
        from rag.llm import llm_answer

        try:
            return llm_answer(qa, question, passages)
        except LLMError as e:
            return extractive_answer(
                qa,
                question,
                passages,
                mode="llm-fallback",
                note=f"The language model failed ({e}); this is the extractive answer.",
                sentences=sentences,
            )
    return extractive_answer(qa, question, passages, sentences=sentences)


def make_scorer(qa: ReviewQA) -> SupportScorer:
    return SupportScorer(embedder=qa.embedder, aliases=qa.engine.view.aliases)


def evidence_of(passages: list[Passage]) -> list[Evidence]:
    return [
        Evidence(
            text=p.chunk.text,
            id=p.chunk.id,
            review_id=p.chunk.review_id,
            review_title=p.chunk.review_title,
        )
        for p in passages
    ]
