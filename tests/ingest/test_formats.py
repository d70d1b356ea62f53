"""The parser on real DOCX and PDF files generated from bundled reviews: the loaders'
output must parse to the same structure as the text original."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.chunker import chunk_review
from ingest.loaders import load_document
from ingest.sections import parse_review
from tests.conftest import REVIEWS
from tests.docgen import make_docx, make_pdf

DEBRIS = ("[footnoteRef", "<p>", "SHAPE", "\ufffd", "**")


def tops(parsed) -> list[str]:  # noqa: ANN001
    return [p for p in dict.fromkeys(s.path[0] for s in parsed.sections) if not p.startswith("[")]


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[tuple[str, str], Path]:
    out = tmp_path_factory.mktemp("formats")
    files = {}
    for name in ("bolton-child-a-b", "luton-child-j"):
        lines = (REVIEWS / f"{name}.txt").read_text(encoding="utf-8").splitlines()
        files[(name, "docx")] = make_docx(lines, out / f"{name}.docx") or out / f"{name}.docx"
        files[(name, "pdf")] = out / f"{name}.pdf"
        make_pdf(lines, files[(name, "pdf")])
    return files


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
@pytest.mark.parametrize("name", ["bolton-child-a-b", "luton-child-j"])
def test_generated_file_has_the_same_top_level_sections_as_the_text(generated, name, fmt):
    original = parse_review(load_document(REVIEWS / f"{name}.txt"))
    parsed = parse_review(load_document(generated[(name, fmt)]))
    assert tops(parsed) == tops(original)
    for s in parsed.sections:
        for b in s.blocks:
            assert not any(d in b.text for d in DEBRIS), (s.path, b.text[:80])


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_bolton_recommendation_8_is_a_unit_not_a_section_in_every_format(generated, fmt):
    parsed = parse_review(load_document(generated[("bolton-child-a-b", fmt)]))
    rec8 = [s for s in parsed.sections if s.label == "Recommendation 8"]
    assert len(rec8) == 1 and rec8[0].kind == "recommendation"
    assert rec8[0].path[0].startswith("7")
    assert any(p.startswith("8") and "RESPONSE" in p for p in tops(parsed))


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_luton_findings_are_eight_units_in_every_format(generated, fmt):
    parsed = parse_review(load_document(generated[("luton-child-j", fmt)]))
    labels = sorted(
        {s.label for s in parsed.sections if s.kind == "finding" and s.label},
        key=lambda x: int(x.split()[-1]),
    )
    assert labels == [f"Finding {i}" for i in range(1, 9)]


def test_pdf_chunks_cite_pages(generated):
    parsed = parse_review(load_document(generated[("luton-child-j", "pdf")]))
    chunks = chunk_review(parsed)
    assert all(c.pages and 1 <= c.pages[0] <= c.pages[1] for c in chunks)
    last_pages = max(c.pages[1] for c in chunks)
    assert last_pages > 30  # a 140 KB review spans many pages, and the chunks know which
