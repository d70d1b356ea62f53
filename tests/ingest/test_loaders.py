"""Loaders on real files: text in several encodings, DOCX and PDF made with
python-docx/reportlab (tests/docgen.py), and the broken files a loader must refuse."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import docx
import pytest

from ingest.loaders import LOADERS, load_document, review_id_for
from rag.errors import EmptyDocument, IngestError, UnreadableDocument, UnsupportedFormat
from rag.types import SourceDoc, SourceLine
from tests.conftest import REVIEWS
from tests.docgen import (
    make_docx,
    make_encrypted_pdf,
    make_pdf,
    make_scanned_pdf,
    write_random_bytes,
    write_truncated,
    write_zip,
)

REVIEW_FILES = sorted(p.name for p in REVIEWS.glob("*.txt"))


def _texts(doc: SourceDoc) -> list[str]:
    return [line.text for line in doc.lines]


def _assert_names_file(error: pytest.ExceptionInfo[IngestError], path: Path) -> None:
    assert path.name in str(error.value)
    assert error.value.path == str(path)


# --- text ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("utf8.txt", "Children’s Services\n1.1 The review\n".encode()),
        ("bom.txt", "\ufeffChildren’s Services\n1.1 The review\n".encode()),
        ("cp1252.txt", "Children’s Services\r\n1.1 The review\r\n".encode("cp1252")),
        ("notepad-unicode.txt", "Children’s Services\r\n1.1 The review\r\n".encode("utf-16")),
        ("notes.md", "Children’s Services\n1.1 The review".encode()),
    ],
)
def test_text_file_is_decoded_line_by_line(tmp_path: Path, name: str, raw: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(raw)

    doc = load_document(path)

    assert doc == SourceDoc(
        review_id=Path(name).stem,
        path=str(path),
        format="md" if name.endswith(".md") else "txt",
        sha256=hashlib.sha256(raw).hexdigest(),
        lines=(
            SourceLine(text="Children’s Services", line=1),
            SourceLine(text="1.1 The review", line=2),
        ),
    )


def test_cp1252_undefined_byte_becomes_replacement_character(tmp_path: Path) -> None:
    # 0x81 is one of the five bytes cp1252 leaves undefined; the rest of the file is fine
    # (one odd byte in 150 characters is under the 1% of control bytes that means binary).
    path = tmp_path / "odd.txt"
    body = "Children’s Services held a strategy discussion with the police and health. " * 2
    path.write_bytes(body.encode("cp1252") + b"\x81 team\n")

    assert _texts(load_document(path)) == [body + "\ufffd team"]


def test_utf8_file_with_one_stray_byte_stays_utf8(tmp_path: Path) -> None:
    text = "Children’s Services – the ‘team around the child’ met weekly.\n" * 5
    path = tmp_path / "pasted.txt"
    path.write_bytes(text.encode() + b"Stray \x92 byte\n")

    lines = _texts(load_document(path))

    assert lines[0] == "Children’s Services – the ‘team around the child’ met weekly."
    assert lines[-1] == "Stray \ufffd byte"


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(bytes(range(256)) * 8, id="every-byte"),
        pytest.param(b"\x00\x01\x02\x03 PK \x00\x00" * 200, id="valid-utf8-but-binary"),
        pytest.param(None, id="random-bytes"),
    ],
)
def test_binary_garbage_with_txt_suffix_is_unreadable(tmp_path: Path, raw: bytes | None) -> None:
    path = tmp_path / "garbage.txt"
    if raw is None:
        write_random_bytes(path, size=4096)
    else:
        path.write_bytes(raw)

    with pytest.raises(UnreadableDocument, match="not a text file") as error:
        load_document(path)
    _assert_names_file(error, path)


# --- DOCX ---------------------------------------------------------------------------


def test_docx_keeps_body_order_styles_bullets_and_table_rows(tmp_path: Path) -> None:
    path = make_docx(
        [
            "1. Introduction",
            "1.1 Background",
            "The panel met in May 2016.",
            "The agencies involved were:",
            "- Children’s Social Care",
            "· Police",
            ["Agency", "Contact"],
            ["Health visitor", "12 visits"],
            "Learning Point 1: agencies must share information.",
            "",
            "End of section.",
        ],
        tmp_path / "Child X (Anytown).docx",
        heading_lines={0, 1},
        bold_lines={8},
    )

    doc = load_document(path)

    assert (doc.review_id, doc.format, doc.footnotes) == ("child-x-anytown", "docx", ())
    assert [(ln.line, ln.text, ln.style, ln.bold) for ln in doc.lines] == [
        (1, "1. Introduction", "Heading 1", True),
        (2, "1.1 Background", "Heading 2", True),
        (3, "The panel met in May 2016.", "Normal", False),
        (4, "The agencies involved were:", "Normal", False),
        (5, "- Children’s Social Care", "List Bullet", False),
        (6, "- Police", "List Bullet", False),
        (7, "Agency | Contact", "Table", False),
        (8, "Health visitor | 12 visits", "Table", False),
        (9, "Learning Point 1: agencies must share information.", "Normal", True),
        (10, "", "Normal", False),
        (11, "End of section.", "Normal", False),
    ]
    assert {ln.page for ln in doc.lines} == {None}


def test_docx_numbered_list_items_get_their_numbers(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Recommendations", style="Heading 1")
    for text in ("Share chronologies.", "Audit the plan.", "Report to the board."):
        document.add_paragraph(text, style="List Number")
    path = tmp_path / "numbered.docx"
    document.save(str(path))

    assert _texts(load_document(path)) == [
        "Recommendations",
        "1. Share chronologies.",
        "2. Audit the plan.",
        "3. Report to the board.",
    ]


def test_docx_footnotes_are_read_from_their_part_and_marked_in_the_text(
    tmp_path: Path,
) -> None:
    path = make_docx(
        ["A plan under child in need[^1] procedures.", "Working Together[^2] states:"],
        tmp_path / "notes.docx",
        footnotes=["See glossary re child in need", "HM Govt, March 2015"],
    )

    doc = load_document(path)

    assert _texts(doc) == ["A plan under child in need¹ procedures.", "Working Together² states:"]
    assert doc.footnotes == ("¹ See glossary re child in need", "² HM Govt, March 2015")


def test_docx_text_boxes_come_after_the_body(tmp_path: Path) -> None:
    path = make_docx(
        ["First paragraph.", "Second paragraph."],
        tmp_path / "boxes.docx",
        textboxes=["Pull quote: ‘nobody asked the child’."],
    )

    doc = load_document(path)

    assert [(ln.text, ln.style) for ln in doc.lines if ln.text] == [
        ("First paragraph.", "Normal"),
        ("Second paragraph.", "Normal"),
        ("Pull quote: ‘nobody asked the child’.", "TextBox"),
    ]
    assert [ln.line for ln in doc.lines] == list(range(1, len(doc.lines) + 1))


# --- PDF ----------------------------------------------------------------------------


def test_pdf_lines_keep_their_page_and_run_on_numbered(tmp_path: Path) -> None:
    source = [f"Paragraph {i:03d}: the social worker visited the family." for i in range(1, 131)]
    path = tmp_path / "three-pages.pdf"
    pages = make_pdf(source, path)
    assert len(pages) == 3

    doc = load_document(path)

    assert (doc.format, doc.sha256) == ("pdf", hashlib.sha256(path.read_bytes()).hexdigest())
    assert [ln.line for ln in doc.lines] == list(range(1, len(doc.lines) + 1))
    first_on_page_2 = next(ln for ln in doc.lines if ln.text == pages[1][0])
    assert first_on_page_2.page == 2
    assert first_on_page_2.text == pages[1][0]
    # the page number printed at the foot of page 1 is the page's last line; the parser
    # decides what to do with it
    last_on_page_1 = [ln for ln in doc.lines if ln.page == 1][-1]
    assert last_on_page_1.text == "1"
    assert [ln.text for ln in doc.lines if ln.page == 3][:-1] == pages[2]


def test_pdf_long_line_comes_back_hard_wrapped(tmp_path: Path) -> None:
    sentence = "The health visitor had not been told that the family had moved address. "
    path = tmp_path / "wrapped.pdf"
    make_pdf([sentence * 6], path)

    lines = [ln.text for ln in load_document(path).lines][:-1]  # drop the page number

    assert len(lines) > 3
    assert " ".join(lines).split() == (sentence * 6).split()


def test_pdf_encrypted_with_empty_user_password_is_read(tmp_path: Path) -> None:
    path = make_encrypted_pdf(["Restricted but readable."], tmp_path / "r.pdf", user_password="")

    assert _texts(load_document(path))[0] == "Restricted but readable."


def test_pdf_with_a_password_is_refused(tmp_path: Path) -> None:
    path = make_encrypted_pdf(["Secret."], tmp_path / "locked.pdf", user_password="secret")

    with pytest.raises(UnreadableDocument, match="password-protected") as error:
        load_document(path)
    _assert_names_file(error, path)


def test_scanned_pdf_without_text_layer_needs_ocr(tmp_path: Path) -> None:
    path = make_scanned_pdf(tmp_path / "scan.pdf")

    with pytest.raises(UnreadableDocument) as error:
        load_document(path)

    _assert_names_file(error, path)
    assert "no text could be extracted" in str(error.value)
    assert "1 page(s) hold no text layer" in str(error.value)
    assert "OCR" in str(error.value)


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        pytest.param(lambda src, dst: write_truncated(src, dst, keep=0.5), "truncated", id="half"),
        pytest.param(
            lambda src, dst: write_truncated(src, dst, keep=0.98), "truncated", id="tail-cut"
        ),
        pytest.param(lambda src, dst: write_random_bytes(dst), "not a PDF", id="random-bytes"),
        pytest.param(
            lambda src, dst: dst.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 500 + b"%%EOF\n"),
            "corrupt PDF",
            id="header-then-garbage",
        ),
    ],
)
def test_corrupt_pdf_is_unreadable_and_named(
    tmp_path: Path, make: Callable[[Path, Path], object], reason: str
) -> None:
    good = tmp_path / "good.pdf"
    make_pdf([f"Line {i}" for i in range(200)], good)
    bad = tmp_path / "bad.pdf"
    make(good, bad)

    with pytest.raises(UnreadableDocument, match=reason) as error:
        load_document(bad)
    _assert_names_file(error, bad)
    assert "Traceback" not in str(error.value)


# --- corrupt DOCX -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        pytest.param(lambda p: write_random_bytes(p), "not a DOCX file", id="random-bytes"),
        pytest.param(
            lambda p: write_zip(p, {"[Content_Types].xml": "<Types/>", "hello.txt": "hi"}),
            "no word/document.xml",
            id="zip-without-document",
        ),
        pytest.param(
            lambda p: write_truncated(make_docx(["Some text."], p.with_name("ok.docx")), p),
            "truncated or damaged",
            id="truncated",
        ),
        pytest.param(
            lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1000),
            "old-style Word .doc",
            id="ole2-doc-renamed",
        ),
    ],
)
def test_corrupt_docx_is_unreadable_and_named(
    tmp_path: Path, make: Callable[[Path], object], reason: str
) -> None:
    path = tmp_path / "broken.docx"
    make(path)

    with pytest.raises(UnreadableDocument, match=reason) as error:
        load_document(path)
    _assert_names_file(error, path)


# --- empty, unsupported, missing ----------------------------------------------------


@pytest.mark.parametrize("name", ["empty.txt", "empty.md", "empty.pdf", "empty.docx"])
def test_empty_file_is_an_empty_document(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")

    with pytest.raises(EmptyDocument, match="file is empty") as error:
        load_document(path)
    _assert_names_file(error, path)


def test_white_space_text_file_is_an_empty_document(tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_text("  \n\t\n\n")

    with pytest.raises(EmptyDocument):
        load_document(path)


def test_docx_with_only_blank_paragraphs_is_an_empty_document(tmp_path: Path) -> None:
    path = make_docx(["", "   ", ""], tmp_path / "blank.docx")

    with pytest.raises(EmptyDocument, match="no text could be extracted") as error:
        load_document(path)
    _assert_names_file(error, path)


@pytest.mark.parametrize("name", ["review.xlsx", "review.doc", "review"])
def test_unsupported_suffix_is_refused_before_reading(tmp_path: Path, name: str) -> None:
    path = tmp_path / name  # never created: the suffix alone decides

    with pytest.raises(UnsupportedFormat, match="unsupported file type") as error:
        load_document(path)
    _assert_names_file(error, path)
    assert ".docx" in str(error.value) and ".pdf" in str(error.value)


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "missing.txt"

    with pytest.raises(UnreadableDocument, match="cannot read file") as error:
        load_document(path)
    _assert_names_file(error, path)


def test_loaders_cover_the_four_formats() -> None:
    assert sorted(LOADERS) == [".docx", ".md", ".pdf", ".txt"]
    assert review_id_for(Path("Child J (Luton).pdf")) == "child-j-luton"


# --- bundled reviews round trip -----------------------------------------------------


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _share_found_in_order(source: list[str], loaded: list[str], window: int = 60) -> float:
    """Share of ``source`` words found in ``loaded`` in the same order (greedy, with a
    look-ahead window so one extra word, e.g. a page number, does not derail it)."""
    found, pos = 0, 0
    for word in source:
        hit = next(
            (j for j in range(pos, min(pos + window, len(loaded))) if loaded[j] == word), None
        )
        if hit is not None:
            found += 1
            pos = hit + 1
    return found / max(len(source), 1)


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
@pytest.mark.parametrize("review", REVIEW_FILES)
def test_bundled_review_survives_docx_and_pdf_round_trip(
    tmp_path: Path, review: str, fmt: str
) -> None:
    source_lines = (REVIEWS / review).read_text(encoding="utf-8").splitlines()
    path = tmp_path / f"{Path(review).stem}.{fmt}"
    if fmt == "docx":
        make_docx(source_lines, path)
    else:
        make_pdf(source_lines, path)

    doc = load_document(path)

    source_words = _words(" ".join(line for line in source_lines if line.strip()))
    loaded_words = _words(" ".join(_texts(doc)))
    assert _share_found_in_order(source_words, loaded_words) >= 0.95
    assert doc.review_id == Path(review).stem
    if fmt == "docx":  # one paragraph per source line, in the same order
        assert len(doc.lines) == len(source_lines)
    else:
        assert max(ln.page or 0 for ln in doc.lines) > 1


def test_bolton_review_text_comes_back_from_docx_and_pdf(tmp_path: Path) -> None:
    source_lines = (REVIEWS / "bolton-child-a-b.txt").read_text(encoding="utf-8").splitlines()
    docx_doc = load_document(make_docx(source_lines, tmp_path / "bolton.docx"))
    make_pdf(source_lines, tmp_path / "bolton.pdf")
    pdf_doc = load_document(tmp_path / "bolton.pdf")

    assert docx_doc.lines[0].text.strip() == "1."
    assert docx_doc.lines[1].text == "INTRODUCTION/REASON FOR THE REVIEW"
    # "· NHS Bolton" comes back as a bullet the parser understands
    assert "- NHS Bolton" in _texts(docx_doc)
    assert "INTRODUCTION/REASON FOR THE REVIEW" in _texts(pdf_doc)
    assert pdf_doc.lines[-1].text == str(pdf_doc.lines[-1].page)  # the last page number
