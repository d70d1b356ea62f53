"""Loaders: a review file on disk -> SourceDoc (lines of text with their origin).

One loader per suffix, chosen from ``LOADERS``. Loaders only extract text; structure is
the parser's job (ingest/sections.py).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

from rag.errors import EmptyDocument, UnreadableDocument, UnsupportedFormat
from rag.types import SourceDoc, SourceLine


def review_id_for(path: Path) -> str:
    """Stable review id from a file name: 'Child J (Luton).pdf' -> 'child-j-luton'."""
    slug = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")
    return slug or "review"


def _decode(path: Path, raw: bytes) -> str:
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise UnreadableDocument(str(path), "text is neither UTF-8 nor cp1252/latin-1")


def load_text(path: Path, raw: bytes) -> SourceDoc:
    text = _decode(path, raw)
    lines = tuple(
        SourceLine(text=t, line=i) for i, t in enumerate(text.splitlines(), start=1)
    )
    return SourceDoc(
        review_id=review_id_for(path),
        path=str(path),
        format="md" if path.suffix.lower() == ".md" else "txt",
        sha256=hashlib.sha256(raw).hexdigest(),
        lines=lines,
    )


LOADERS: dict[str, Callable[[Path, bytes], SourceDoc]] = {
    ".txt": load_text,
    ".md": load_text,
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
