"""rag/query.py: review mentions in a question (pure functions, no index)."""

from __future__ import annotations

import pytest

from rag.query import find_review_mentions

ALIASES = {
    "child a": {"bolton"},
    "child b": {"bolton", "stockport"},
    "child c": {"stockport"},
    "bolton": {"bolton"},
    "stockport": {"stockport"},
    "luton": {"luton"},
}


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How old were Child A and Child B?", ("bolton",)),
        ("What happened to Child B and Child C?", ("stockport",)),
        ("What happened to Child B?", ("bolton", "stockport")),  # genuinely ambiguous
        ("Was Child B in Bolton or in Stockport seen?", ("bolton", "stockport")),
        ("Child B in the Luton review?", ("bolton", "stockport", "luton")),
        ("What did the Luton review find?", ("luton",)),
        ("What went wrong with MARAC referrals?", ()),
    ],
)
def test_review_mentions(question, expected):
    assert set(find_review_mentions(question, ALIASES)) == set(expected)
