"""rag/sentences.py: the one sentence splitter shared by index, answerer and scorer."""

from __future__ import annotations

from rag.sentences import sentence_units, sentences_with_spans


def _split(text: str) -> list[str]:
    return [text[s:e] for s, e in sentences_with_spans(text)]


def test_spans_are_verbatim_slices_without_surrounding_space():
    text = "  The GP called a meeting.  She was clear with the mother.\n\nNo change followed. "
    spans = sentences_with_spans(text)
    assert [text[s:e] for s, e in spans] == [
        "The GP called a meeting.",
        "She was clear with the mother.",
        "No change followed.",
    ]


def test_titles_and_latin_abbreviations_do_not_end_a_sentence():
    assert _split("Ms. A told Dr. Smith, e.g. at the clinic, that she was safe. Mr. C left.") == [
        "Ms. A told Dr. Smith, e.g. at the clinic, that she was safe.",
        "Mr. C left.",
    ]


def test_inline_bullet_items_are_sentences_of_their_own():
    # Stockport 1.6: a bullet list flowed into one line by the source document.
    text = (
        "There were examples of good practice: - From mid 2014 communication was good. "
        "- The reviewing officer visited the father. - The GP convened a discussion."
    )
    assert _split(text) == [
        "There were examples of good practice:",
        "- From mid 2014 communication was good.",
        "- The reviewing officer visited the father.",
        "- The GP convened a discussion.",
    ]


def test_dashes_inside_a_sentence_do_not_split_it():
    text = (
        "Bolton Primary Care Trust - GP attended. One twin “stopped breathing” – the midwife came."
    )
    assert _split(text) == [
        "Bolton Primary Care Trust - GP attended.",
        "One twin “stopped breathing” – the midwife came.",
    ]


def test_units_drop_fragments_under_four_words():
    text = "Summary. The assessment did not consider his history. Key point."
    assert [text[s:e] for s, e in sentence_units(text)] == [
        "The assessment did not consider his history."
    ]


def test_a_quoted_phrase_does_not_end_a_sentence_but_a_quoted_sentence_does():
    text = (
        'A referral led to a "team around the child" (TAC) process being set up. '
        "She said “I am fine.” Nobody checked. He was “scared” According to the school."
    )
    assert _split(text) == [
        'A referral led to a "team around the child" (TAC) process being set up.',
        "She said “I am fine.”",
        "Nobody checked.",
        "He was “scared” According to the school.",
    ]
