"""Make real DOCX and PDF test documents from lines of text (and a few broken ones).

The documents are built with the same libraries a council's tooling would use
(python-docx for Word, reportlab for PDF), so the loaders are tested on genuine files
rather than mocks:

- ``make_docx`` gives headings their 'Heading 1'/'Heading 2' style, bullet lines the
  'List Bullet' style, list items to tables, ``[^n]`` markers to real footnotes.
- ``make_pdf`` hard-wraps long lines to an A4 page and puts a page number at the foot
  of every page, like a typeset report; it returns the lines drawn on each page.
- ``make_scanned_pdf``, ``make_encrypted_pdf``, ``write_truncated``,
  ``write_random_bytes`` and ``write_zip`` make the files a loader must refuse.

A 140 KB review (2,346 lines) becomes a 44-page PDF or a DOCX in about 0.15 s each.
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

import docx
import pypdf
from docx.document import Document as DocxDocument
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.text.paragraph import Paragraph
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

# --- DOCX -----------------------------------------------------------------------------

_BULLET = re.compile(r"^\s*(?:- |[·•]\s*)")
_SUBSECTION = re.compile(r"^\s*\d+\.\d+")  # "2.3 Title" -> Heading 2, "2. Title" -> Heading 1
_VML = "urn:schemas-microsoft-com:vml"
_NOTE_MARK = re.compile(r"\[\^(\d+)\]")  # "[^1]" in a line -> a footnote reference

Row = Sequence[str]


def make_docx(
    lines: Sequence[str | Row],
    path: str | Path,
    *,
    heading_lines: Collection[int] = frozenset(),
    bold_lines: Collection[int] = frozenset(),
    footnotes: Mapping[int, str] | Sequence[str] = (),
    textboxes: Sequence[str] = (),
) -> Path:
    """Write ``lines`` as a Word document, one paragraph per line; return the path.

    - ``heading_lines``: indexes of lines styled as headings: 'Heading 2' when the line
      starts with a subsection number like "2.3", else 'Heading 1'.
    - Lines starting with "- ", "·" or "•" get the 'List Bullet' style, marker removed.
    - An item that is a list/tuple of strings is a table row; consecutive rows make one
      table (ragged rows are padded with empty cells).
    - ``bold_lines``: indexes of lines whose runs are explicitly bold.
    - ``footnotes``: bodies for footnotes 1..n (or {id: body}); a ``[^n]`` marker in a
      line becomes a real footnote reference.
    - ``textboxes``: texts placed in floating text boxes (VML) after the last line.
    Blank lines stay as empty paragraphs, so paragraph i is line i of the input.
    """
    path = Path(path)
    document = docx.Document()
    notes = (
        dict(footnotes) if isinstance(footnotes, Mapping) else dict(enumerate(footnotes, start=1))
    )
    body = document.element.body
    rows: list[Row] = []

    def flush_table() -> None:
        if not rows:
            return
        width = max(len(r) for r in rows) or 1
        table = document.add_table(rows=len(rows), cols=width)
        table.style = document.styles["Table Grid"]
        for r, row in enumerate(rows):
            for c in range(width):
                table.cell(r, c).text = row[c] if c < len(row) else ""
        rows.clear()

    for i, item in enumerate(lines):
        if not isinstance(item, str):
            rows.append(list(item))
            continue
        flush_table()
        text = item
        style = None
        if i in heading_lines:
            style = "Heading 2" if _SUBSECTION.match(text) else "Heading 1"
        elif _BULLET.match(text):
            style = "List Bullet"
            text = _BULLET.sub("", text, count=1)
        paragraph = document.add_paragraph(style=style)
        _add_runs(paragraph, text, bold=i in bold_lines, notes=notes)
    flush_table()

    for text in textboxes:
        body.insert(len(body) - 1, _textbox_paragraph(text))  # before the final sectPr
    if notes:
        _add_footnotes_part(document, notes)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def _add_runs(paragraph: Paragraph, text: str, *, bold: bool, notes: Mapping[int, str]) -> None:
    pos = 0
    for m in _NOTE_MARK.finditer(text):
        note_id = int(m.group(1))
        if note_id not in notes:
            continue
        if m.start() > pos:
            paragraph.add_run(text[pos : m.start()]).bold = bold or None
        paragraph._p.append(
            parse_xml(
                f'<w:r {nsdecls("w")}><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
                f'<w:footnoteReference w:id="{note_id}"/></w:r>'
            )
        )
        pos = m.end()
    if text[pos:]:
        paragraph.add_run(text[pos:]).bold = bold or None


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _textbox_paragraph(text: str) -> BaseOxmlElement:
    return parse_xml(
        f'<w:p {nsdecls("w")} xmlns:v="{_VML}"><w:r><w:pict>'
        '<v:shape type="#_x0000_t202" style="position:absolute;width:200pt;height:60pt">'
        "<v:textbox><w:txbxContent><w:p><w:r>"
        f'<w:t xml:space="preserve">{_xml_text(text)}</w:t>'
        "</w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></w:r></w:p>"
    )


def _add_footnotes_part(document: DocxDocument, notes: Mapping[int, str]) -> None:
    bodies = "".join(
        f'<w:footnote w:id="{n}"><w:p><w:r><w:rPr><w:vertAlign w:val="superscript"/>'
        f'</w:rPr><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> {_xml_text(t)}'
        "</w:t></w:r></w:p></w:footnote>"
        for n, t in sorted(notes.items())
    )
    xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:footnotes {nsdecls("w")}>'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p>'
        '</w:footnote><w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r>'
        "<w:continuationSeparator/></w:r></w:p></w:footnote>"
        f"{bodies}</w:footnotes>"
    )
    part = Part(
        PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, xml.encode(), document.part.package
    )
    document.part.relate_to(part, RT.FOOTNOTES)


# --- PDF ------------------------------------------------------------------------------

# A TrueType font with a Unicode map, so curly quotes and superscript note numbers
# (¹ … ⁹) survive the round trip; reportlab's bundled Vera lacks ⁴-⁹, and the
# built-in Helvetica (WinAnsi) lacks them too.
_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/Library/Fonts/DejaVuSans.ttf",
    "Vera.ttf",  # ships with reportlab, found on its font path
)
_font_name: str | None = None


def _pdf_font() -> str:
    global _font_name
    if _font_name is None:
        _font_name = "Helvetica"
        for candidate in _FONT_CANDIDATES:
            try:
                pdfmetrics.registerFont(TTFont("DocgenSans", candidate))
            except Exception:  # missing or unreadable font: try the next
                continue
            _font_name = "DocgenSans"
            break
    return _font_name


PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 56.0  # ~2 cm
FONT_SIZE = 10.5
LEADING = 13.5  # 10.5 pt text, 13.5 pt line pitch -> 52 lines on an A4 page


def wrap_line(text: str, width: float, font: str, size: float) -> list[str]:
    """Greedy word wrap to ``width`` points; words longer than a line are cut."""
    text = text.replace("\t", "    ").rstrip()
    if not text:
        return [""]
    out: list[str] = []
    for part in simpleSplit(text, font, size, width) or [""]:
        while pdfmetrics.stringWidth(part, font, size) > width and len(part) > 1:
            cut = len(part) - 1
            while cut > 1 and pdfmetrics.stringWidth(part[:cut], font, size) > width:
                cut = max(1, cut * 3 // 4) if cut > 40 else cut - 1
            out.append(part[:cut])
            part = part[cut:]
        out.append(part)
    return out


def make_pdf(
    lines: Sequence[str], path: str | Path, *, font_size: float = FONT_SIZE
) -> list[list[str]]:
    """Write ``lines`` as an A4 PDF, hard-wrapped, page number at each page's foot.

    Returns the text lines drawn on each page (without the page number), so a test can
    say which line should come back on which page. Blank lines leave a blank line space.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    font = _pdf_font()
    leading = LEADING * font_size / FONT_SIZE
    width = PAGE_WIDTH - 2 * MARGIN
    c = canvas.Canvas(str(path), pagesize=A4, pageCompression=1)
    c.setTitle(path.stem)
    pages: list[list[str]] = [[]]
    top = PAGE_HEIGHT - MARGIN
    y = top

    def finish_page() -> None:
        c.setFont(font, 9)
        c.drawCentredString(PAGE_WIDTH / 2, MARGIN / 2, str(len(pages)))
        c.showPage()

    for line in lines:
        for part in wrap_line(line, width, font, font_size):
            if y < MARGIN:
                finish_page()
                pages.append([])
                y = top
            if part:
                c.setFont(font, font_size)
                c.drawString(MARGIN, y, part)
                pages[-1].append(part)
            y -= leading
    finish_page()
    c.save()
    return pages


def make_scanned_pdf(path: str | Path, *, pages: int = 1) -> Path:
    """A PDF whose pages hold only drawings and an image (no text layer), like a scan."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    c = canvas.Canvas(str(path), pagesize=A4)
    for _ in range(pages):
        c.setFillGray(0.85)
        c.rect(MARGIN, MARGIN, PAGE_WIDTH - 2 * MARGIN, PAGE_HEIGHT - 2 * MARGIN, fill=1)
        c.setFillGray(0.2)
        for k in range(40):  # grey bars where the "printed lines" of the scan would be
            c.rect(MARGIN + 20, PAGE_HEIGHT - MARGIN - 40 - k * 16, 400 - (k % 5) * 30, 8, fill=1)
        try:
            from PIL import Image
            from reportlab.lib.utils import ImageReader

            img = Image.effect_noise((120, 80), 40).convert("L")
            c.drawImage(ImageReader(img), MARGIN + 20, MARGIN + 20, 120, 80)
        except ImportError:  # Pillow is optional: the bars alone are still "no text"
            pass
        c.showPage()
    c.save()
    return path


def make_encrypted_pdf(
    lines: Sequence[str], path: str | Path, *, user_password: str, owner_password: str = "owner"
) -> Path:
    """A PDF encrypted with RC4-128 (pypdf needs no extra package for it).

    ``user_password=""`` gives the common "opens without a password but is
    restricted" case.
    """
    path = Path(path)
    buf = io.BytesIO()
    make_pdf(lines, path)
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(path.read_bytes())))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="RC4-128")
    writer.write(buf)
    path.write_bytes(buf.getvalue())
    return path


# --- broken files ---------------------------------------------------------------------


def write_truncated(src: str | Path, dst: str | Path, *, keep: float = 0.5) -> Path:
    """Copy the first ``keep`` fraction of ``src`` to ``dst`` (an interrupted download)."""
    data = Path(src).read_bytes()
    dst = Path(dst)
    dst.write_bytes(data[: int(len(data) * keep)])
    return dst


def write_random_bytes(path: str | Path, *, size: int = 4096, seed: int = 0) -> Path:
    """``size`` reproducible random bytes (binary garbage under any name)."""
    path = Path(path)
    path.write_bytes(random.Random(seed).randbytes(size))
    return path


def write_zip(path: str | Path, members: Mapping[str, bytes | str]) -> Path:
    """A ZIP archive with the given members, e.g. a .docx without word/document.xml."""
    path = Path(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


__all__ = [
    "make_docx",
    "make_encrypted_pdf",
    "make_pdf",
    "make_scanned_pdf",
    "wrap_line",
    "write_random_bytes",
    "write_truncated",
    "write_zip",
]
