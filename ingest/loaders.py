"""Loaders: a review file on disk -> SourceDoc (lines of text with their origin).

One loader per suffix, chosen from ``LOADERS``. Loaders only extract text; structure is
the parser's job (ingest/sections.py). What each keeps of where a line came from:

- ``.txt``/``.md``: the line number (UTF-8, else Windows-1252 text).
- ``.pdf`` (pypdf): one line per extracted text line with its 1-based ``page``; running
  heads and page numbers are left in for the parser to recognise.
- ``.docx`` (python-docx): one line per paragraph in body order with its ``style`` and
  ``bold``; list items carry their bullet ("- ") or number ("2.3 "), table rows become
  "cell | cell" lines (style 'Table'), text boxes come last (style 'TextBox'), and
  footnote/endnote bodies go to ``SourceDoc.footnotes`` as "¹ body", matching the
  superscript marks left in the text.

Every failure is an ``IngestError`` subclass whose message names the file and the
reason; no raw pypdf/zip/XML traceback escapes.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

import docx
import pypdf
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.styles.style import BaseStyle
from lxml import etree
from pypdf.errors import DependencyError, PyPdfError

from rag.errors import EmptyDocument, IngestError, UnreadableDocument, UnsupportedFormat
from rag.types import SourceDoc, SourceLine


def review_id_for(path: Path) -> str:
    """Stable review id from a file name: 'Child J (Luton).pdf' -> 'child-j-luton'."""
    slug = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")
    return slug or "review"


def _source_doc(
    path: Path,
    raw: bytes,
    fmt: Literal["txt", "md", "pdf", "docx"],
    lines: list[SourceLine],
    footnotes: tuple[str, ...] = (),
) -> SourceDoc:
    return SourceDoc(
        review_id=review_id_for(path),
        path=str(path),
        format=fmt,
        sha256=hashlib.sha256(raw).hexdigest(),
        lines=tuple(lines),
        footnotes=footnotes,
    )


# --- text -----------------------------------------------------------------------------

# Control characters real text can hold: tab, newlines, form feed (page breaks from
# pdftotext), vertical tab and a DOS end-of-file mark.
_TEXT_CONTROLS = frozenset("\t\n\r\f\v\x1a")
# Random bytes decode to ~12% control characters under cp1252 (32 of 256 byte values)
# and ~25% under latin-1; a review has none, or a stray one in a few thousand.
_MAX_BAD_SHARE = 0.01


def _bad_chars(text: str, *, count_replacements: bool) -> int:
    bad = sum(1 for ch in text if ch not in _TEXT_CONTROLS and unicodedata.category(ch) == "Cc")
    return bad + (text.count("\ufffd") if count_replacements else 0)


def _looks_like_text(text: str, *, count_replacements: bool = False) -> bool:
    return _bad_chars(text, count_replacements=count_replacements) <= _MAX_BAD_SHARE * max(
        len(text), 1
    )


def _decode(path: Path, raw: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, else Windows-1252.

    cp1252 leaves five byte values undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D); they become
    U+FFFD rather than failing the file. Latin-1 adds nothing over that: it reads bytes
    0x80-0x9F as control characters, where cp1252 has the curly quotes and dashes
    Word writes (0x92 is ’). Whatever the encoding, text that is more than 1% control
    characters is binary, not a review.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Notepad's "Unicode" (UTF-16)
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
        else:
            if _looks_like_text(text):
                return text
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = ""
        # A UTF-8 file with a stray byte or two (a bad copy-paste) is still UTF-8: read
        # as cp1252 its every "’" would turn into "â€™". Real cp1252 text almost never
        # forms valid multi-byte UTF-8 sequences, so ≥10 of those per bad byte decides.
        lenient = raw.decode("utf-8-sig", errors="replace")
        bad = lenient.count("\ufffd")
        good = sum(1 for ch in lenient if ord(ch) > 127) - bad
        if good >= 10 * bad and _looks_like_text(lenient, count_replacements=True):
            return lenient
    else:
        if _looks_like_text(text):
            return text
        raise UnreadableDocument(str(path), _binary_reason(text))
    text = raw.decode("cp1252", errors="replace")
    if _looks_like_text(text, count_replacements=True):
        return text
    raise UnreadableDocument(str(path), _binary_reason(text, count_replacements=True))


def _binary_reason(text: str, *, count_replacements: bool = False) -> str:
    share = _bad_chars(text, count_replacements=count_replacements) / max(len(text), 1)
    return (
        f"not a text file: {share:.0%} of it is control or undecodable bytes "
        "(tried UTF-8 and Windows-1252); is it a binary file with a text suffix?"
    )


def load_text(path: Path, raw: bytes) -> SourceDoc:
    """Plain text or Markdown: one SourceLine per line."""
    text = _decode(path, raw)
    lines = [SourceLine(text=t, line=i) for i, t in enumerate(text.splitlines(), start=1)]
    return _source_doc(path, raw, "md" if path.suffix.lower() == ".md" else "txt", lines)


# --- PDF ------------------------------------------------------------------------------


def load_pdf(path: Path, raw: bytes) -> SourceDoc:
    """PDF via pypdf: one SourceLine per extracted line, with its page number."""
    name = str(path)
    if b"%PDF-" not in raw[:1024]:
        raise UnreadableDocument(name, "not a PDF file (no '%PDF-' header at its start)")
    # pypdf rebuilds a damaged cross-reference table where it can, so a cut-off file may
    # "load" with its last pages silently missing; a PDF ends with %%EOF, so say so.
    if b"%%EOF" not in raw[-4096:]:
        raise UnreadableDocument(
            name, "the PDF looks truncated (no %%EOF marker at its end); download it again"
        )
    try:
        reader = pypdf.PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            _decrypt(name, reader)
        pages = [page.extract_text() or "" for page in reader.pages]
    except IngestError:
        raise
    except DependencyError as e:  # e.g. AES decryption without the 'cryptography' package
        raise UnreadableDocument(name, f"reading this PDF needs an extra package ({e})") from e
    except (
        PyPdfError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        RecursionError,
        OSError,
        EOFError,
        ZeroDivisionError,
    ) as e:
        # pypdf signals damage through its own errors and, on odder files, plain Python
        # ones from deep in its parser; all mean the same thing to someone ingesting.
        raise UnreadableDocument(name, f"corrupt PDF ({type(e).__name__}: {e})") from e
    if not pages:
        raise UnreadableDocument(name, "the PDF has no pages")

    lines: list[SourceLine] = []
    for page_no, text in enumerate(pages, start=1):
        for t in text.splitlines():
            lines.append(SourceLine(text=t.rstrip(), line=len(lines) + 1, page=page_no))
    if not any(line.text.strip() for line in lines):
        raise UnreadableDocument(
            name,
            f"no text could be extracted (its {len(pages)} page(s) hold no text layer; "
            "scanned images need OCR)",
        )
    return _source_doc(path, raw, "pdf", lines)


def _decrypt(name: str, reader: pypdf.PdfReader) -> None:
    # Many published reports are encrypted only to restrict printing or copying: they
    # open with the empty user password.
    try:
        result = reader.decrypt("")
    except DependencyError as e:
        raise UnreadableDocument(
            name, f"the PDF is encrypted and decrypting it needs an extra package ({e})"
        ) from e
    if result == pypdf.PasswordType.NOT_DECRYPTED:
        raise UnreadableDocument(
            name, "the PDF is password-protected; save an unprotected copy and ingest that"
        )


# --- DOCX -----------------------------------------------------------------------------

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _w(tag: str) -> str:
    return f"{{{_W}}}{tag}"


_P, _TBL, _TR, _TC, _R, _T = _w("p"), _w("tbl"), _w("tr"), _w("tc"), _w("r"), _w("t")
_TXBX = _w("txbxContent")
_FALLBACK = f"{{{_MC}}}Fallback"
# Subtrees whose text is not the paragraph's own: properties, deleted/moved-away text,
# text boxes (read separately) and the VML copy Word keeps of every DrawingML shape.
_SKIP = frozenset(
    {
        _w("pPr"),
        _w("rPr"),
        _w("del"),
        _w("moveFrom"),
        _TXBX,
        _FALLBACK,
        _w("footnoteRef"),
        _w("endnoteRef"),
    }
)
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_OFF = {"0", "false", "off"}


def _superscript(n: int | str) -> str:
    return str(n).translate(_SUPERSCRIPT)


def _walk_runs(el: etree._Element) -> Iterator[tuple[etree._Element | None, str]]:
    """(run, text) pieces of a paragraph in reading order, skipping ``_SKIP`` subtrees."""
    for child in el:
        tag = child.tag
        if tag in _SKIP or not isinstance(tag, str):
            continue
        if tag == _R:
            yield child, _run_text(child)
        else:  # hyperlink, ins, moveTo, smartTag, sdt, fldSimple, customXml, ...
            yield from _walk_runs(child)


def _run_text(r: etree._Element) -> str:
    out: list[str] = []
    for child in r:
        tag = child.tag
        if tag == _T:
            out.append(child.text or "")
        elif tag in (_w("tab"), _w("ptab")):
            out.append("\t")
        elif tag in (_w("br"), _w("cr")):
            out.append("\n")
        elif tag == _w("noBreakHyphen"):
            out.append("-")
        elif tag in (_w("footnoteReference"), _w("endnoteReference")):
            # The mark Word prints; a custom mark is the run text that follows instead.
            if child.get(_w("customMarkFollows")) not in ("1", "true", "on"):
                out.append(_superscript(child.get(_w("id"), "")))
    return "".join(out)


class _DocxReader:
    """Turns one python-docx Document into SourceLines; holds style/numbering lookups."""

    def __init__(self, document: DocxDocument) -> None:
        self.document = document
        self.styles: dict[str, BaseStyle] = {
            s.style_id: s for s in document.styles if s.style_id is not None
        }
        self.default_para = document.styles.default(WD_STYLE_TYPE.PARAGRAPH)
        self.numbering = _Numbering(document)
        self.lines: list[SourceLine] = []

    # -- style lookups --
    def _chain(self, style: BaseStyle | None) -> Iterator[BaseStyle]:
        seen = 0
        while style is not None and seen < 20:  # base-style loops exist in the wild
            yield style
            style = getattr(style, "base_style", None)  # paragraph/character styles have it
            seen += 1

    def _style_bold(self, style: BaseStyle | None) -> bool | None:
        for s in self._chain(style):
            font = getattr(s, "font", None)  # numbering styles have none
            if font is not None and font.bold is not None:
                return bool(font.bold)
        return None

    def _para_style(self, p: etree._Element) -> BaseStyle | None:
        ps = p.find(f"{_w('pPr')}/{_w('pStyle')}")
        if ps is not None:
            style = self.styles.get(ps.get(_w("val"), ""))
            if style is not None:
                return style
        return self.default_para

    def _run_bold(self, r: etree._Element, para_style: BaseStyle | None) -> bool:
        rpr = r.find(_w("rPr"))
        if rpr is not None:
            b = rpr.find(_w("b"))
            if b is not None:
                return b.get(_w("val"), "true").lower() not in _OFF
            rs = rpr.find(_w("rStyle"))
            if rs is not None:
                bold = self._style_bold(self.styles.get(rs.get(_w("val"), "")))
                if bold is not None:
                    return bold
        return bool(self._style_bold(para_style))

    def _num_pr(self, p: etree._Element, style: BaseStyle | None) -> tuple[str, int] | None:
        num_pr = p.find(f"{_w('pPr')}/{_w('numPr')}")
        candidates = [num_pr] + [
            s.element.find(f"{_w('pPr')}/{_w('numPr')}") for s in self._chain(style)
        ]
        num_id, ilvl = None, None
        for c in candidates:
            if c is None:
                continue
            if num_id is None and c.find(_w("numId")) is not None:
                num_id = c.find(_w("numId")).get(_w("val"))
            if ilvl is None and c.find(_w("ilvl")) is not None:
                ilvl = c.find(_w("ilvl")).get(_w("val"))
        if num_id is None or num_id == "0":  # numId 0 switches a style's numbering off
            return None
        try:
            return num_id, int(ilvl or 0)
        except ValueError:
            return num_id, 0

    # -- content --
    def _text_and_bold(self, el: etree._Element, style: BaseStyle | None) -> tuple[str, bool]:
        parts: list[str] = []
        bolds: list[bool] = []
        for r, text in _walk_runs(el):
            parts.append(text)
            if r is not None and text.strip():
                bolds.append(self._run_bold(r, style))
        return "".join(parts), bool(bolds) and all(bolds)

    def _emit(self, text: str, style: str | None, bold: bool) -> None:
        for piece in text.split("\n"):  # a manual line break is a new line on the page
            self.lines.append(
                SourceLine(text=piece, line=len(self.lines) + 1, style=style, bold=bold)
            )

    def paragraph(self, p: etree._Element, *, style_name: str | None = None) -> None:
        style = self._para_style(p)
        text, bold = self._text_and_bold(p, style)
        name = style_name or (style.name if style is not None else None)
        num = self._num_pr(p, style)
        if num is not None and text.strip():
            label = self.numbering.label(*num)
            if label is None and name and "bullet" in name.lower():
                label = "-"
            if label and not re.match(r"\s*(?:- |[·•▪●◦‣-]\s)", text):
                text = f"{label} {text.lstrip()}"
        elif name and name.lower().startswith("list bullet") and text.strip():
            if not re.match(r"\s*(?:- |[·•▪●◦‣-]\s)", text):
                text = f"- {text.lstrip()}"
        self._emit(text, name, bold)

    def table(self, tbl: etree._Element) -> None:
        for tr in tbl.iter(_TR):
            if _nearest(tr, _TBL) is not tbl:
                continue  # a nested table's rows are read as part of their cell
            cells: list[str] = []
            bolds: list[bool] = []
            for tc in tr.iter(_TC):
                if _nearest(tc, _TR) is not tr:
                    continue
                texts = []
                for p in tc.iter(_P):
                    if _inside(p, _TXBX, stop=tc):
                        continue
                    text, bold = self._text_and_bold(p, self._para_style(p))
                    if text.strip():
                        texts.append(" ".join(text.split()))
                        bolds.append(bold)
                cells.append(" ".join(texts))
            text = " | ".join(cells) if any(cells) else ""
            self._emit(text, "Table", bool(bolds) and all(bolds))

    def body(self, el: etree._Element) -> None:
        for child in el:
            if child.tag == _P:
                self.paragraph(child)
            elif child.tag == _TBL:
                self.table(child)
            elif child.tag in (_w("sdt"), _w("sdtContent"), _w("customXml")):
                self.body(child)  # content controls wrap e.g. the table of contents

    def textboxes(self, root: etree._Element) -> None:
        for box in root.iter(_TXBX):
            if _inside(box, _FALLBACK) or _inside(box, _TXBX):
                continue  # VML duplicate of a DrawingML box, or a box inside a box
            for p in box.iter(_P):
                self.paragraph(p, style_name="TextBox")


def _nearest(el: etree._Element, tag: str) -> etree._Element | None:
    parent = el.getparent()
    while parent is not None and parent.tag != tag:
        parent = parent.getparent()
    return parent


def _inside(el: etree._Element, tag: str, *, stop: etree._Element | None = None) -> bool:
    parent = el.getparent()
    while parent is not None and parent is not stop:
        if parent.tag == tag:
            return True
        parent = parent.getparent()
    return False


class _Numbering:
    """Word list numbering: numId + level -> "- " for bullets or the rendered number.

    Counters run per abstract list, as Word's do, so "1.1, 1.2, 2.1" comes out right when
    headings and paragraphs share one multi-level list.
    """

    _ROMAN = (
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    )

    def __init__(self, document: DocxDocument) -> None:
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}  # numId -> (abstract, starts)
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}  # fmt, lvlText, start
        self.counters: dict[str, dict[int, int]] = {}
        self.started: set[str] = set()
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        for an in root.iter(_w("abstractNum")):
            levels: dict[int, tuple[str, str, int]] = {}
            for lvl in an.iter(_w("lvl")):
                levels[_int(lvl.get(_w("ilvl")), 0)] = (
                    _val(lvl, "numFmt", "decimal"),
                    _val(lvl, "lvlText", ""),
                    _int(_val(lvl, "start", "1"), 1),
                )
            self.levels[an.get(_w("abstractNumId"), "")] = levels
        for num in root.iter(_w("num")):
            overrides = {
                _int(o.get(_w("ilvl")), 0): _int(_val(o, "startOverride", "1"), 1)
                for o in num.iter(_w("lvlOverride"))
                if o.find(_w("startOverride")) is not None
            }
            self.nums[num.get(_w("numId"), "")] = (_val(num, "abstractNumId", ""), overrides)

    def label(self, num_id: str, ilvl: int) -> str | None:
        """The list mark for the next paragraph of list ``num_id`` at level ``ilvl``."""
        if num_id not in self.nums:
            return None
        abstract, overrides = self.nums[num_id]
        levels = self.levels.get(abstract, {})
        if ilvl not in levels:
            return None
        fmt, template, _ = levels[ilvl]
        if fmt == "bullet":
            return "-"
        counters = self.counters.setdefault(abstract, {})
        if num_id not in self.started:  # a restarted list ("restart numbering")
            self.started.add(num_id)
            for lvl, start in overrides.items():
                counters[lvl] = start - 1
        counters[ilvl] = counters.get(ilvl, levels[ilvl][2] - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        if fmt == "none" or not template:
            return None

        def render(m: re.Match[str]) -> str:
            k = int(m.group(1)) - 1
            lfmt, _, lstart = levels.get(k, ("decimal", "", 1))
            return self._format(counters.get(k, lstart), lfmt)

        return re.sub(r"%([1-9])", render, template).strip() or None

    @classmethod
    def _format(cls, n: int, fmt: str) -> str:
        if fmt in ("lowerLetter", "upperLetter"):
            s = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else str(n)
            return s.upper() if fmt == "upperLetter" else s
        if fmt in ("lowerRoman", "upperRoman") and n > 0:
            out, rest = "", n
            for value, numeral in cls._ROMAN:
                while rest >= value:
                    out += numeral
                    rest -= value
            return out.upper() if fmt == "upperRoman" else out
        if fmt == "decimalZero":
            return f"{n:02d}"
        return str(n)


def _val(el: etree._Element, tag: str, default: str) -> str:
    child = el.find(_w(tag))
    return child.get(_w("val"), default) if child is not None else default


def _int(s: str | None, default: int) -> int:
    try:
        return int(s) if s is not None else default
    except ValueError:
        return default


def _notes(document: DocxDocument) -> tuple[str, ...]:
    """Footnote then endnote bodies as "¹ body", read from their package parts."""
    out: list[str] = []
    for reltype, tag in ((RT.FOOTNOTES, "footnote"), (RT.ENDNOTES, "endnote")):
        for rel in document.part.rels.values():
            if rel.reltype != reltype or rel.is_external:
                continue
            part = rel.target_part
            root = getattr(part, "element", None)
            if root is None:
                root = etree.fromstring(part.blob)
            for note in root.iter(_w(tag)):
                if note.get(_w("type")) in (
                    "separator",
                    "continuationSeparator",
                    "continuationNotice",
                ):
                    continue
                paras = ["".join(t for _, t in _walk_runs(p)) for p in note.iter(_P)]
                body = " ".join(" ".join(p.split()) for p in paras if p.strip())
                if body:
                    out.append(f"{_superscript(note.get(_w('id'), ''))} {body}")
    return tuple(out)


def load_docx(path: Path, raw: bytes) -> SourceDoc:
    """Word .docx via python-docx: paragraphs and table rows in body order."""
    name = str(path)
    try:
        document = docx.Document(io.BytesIO(raw))
    except Exception as e:  # python-docx raises zip, KeyError, ValueError and XML errors
        raise UnreadableDocument(name, _docx_reason(raw, e)) from e
    try:
        reader = _DocxReader(document)
        reader.body(document.element.body)
        reader.textboxes(document.element.body)
        footnotes = _notes(document)
    except (etree.LxmlError, KeyError, ValueError, zipfile.BadZipFile) as e:
        raise UnreadableDocument(name, f"corrupt DOCX ({type(e).__name__}: {e})") from e
    return _source_doc(path, raw, "docx", reader.lines, footnotes=footnotes)


def _docx_reason(raw: bytes, error: Exception) -> str:
    if raw.startswith(b"\xd0\xcf\x11\xe0"):  # OLE2 compound file
        return (
            "not a .docx (ZIP) file but an old-style Word .doc or a password-protected "
            "document; save it as .docx without a password"
        )
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        if raw.startswith(b"PK\x03\x04"):  # starts like a ZIP, but its directory is gone
            return "the DOCX archive is truncated or damaged (its ZIP directory is missing)"
        return "not a DOCX file (a .docx is a ZIP archive and this is not one)"
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            names = set(zf.namelist())
    except zipfile.BadZipFile as e:
        return f"damaged DOCX archive ({e})"
    if "word/document.xml" not in names:
        return "the archive has no word/document.xml, so it is not a Word document"
    return f"corrupt DOCX ({type(error).__name__}: {error})"


# --- dispatch -------------------------------------------------------------------------

LOADERS: dict[str, Callable[[Path, bytes], SourceDoc]] = {
    ".txt": load_text,
    ".md": load_text,
    ".pdf": load_pdf,
    ".docx": load_docx,
}


def load_document(path: str | Path) -> SourceDoc:
    """Read one review file; raise an IngestError subclass that names the file."""
    p = Path(path)
    loader = LOADERS.get(p.suffix.lower())
    if loader is None:
        raise UnsupportedFormat(
            str(p), f"unsupported file type {p.suffix or '(none)'!r}; use {sorted(LOADERS)}"
        )
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise UnreadableDocument(str(p), f"cannot read file ({e.strerror})") from e
    if not raw.strip():
        raise EmptyDocument(str(p), "file is empty")
    doc = loader(p, raw)
    if not any(line.text.strip() for line in doc.lines):
        raise EmptyDocument(str(p), "no text could be extracted")
    return doc
