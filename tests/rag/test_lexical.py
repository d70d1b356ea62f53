"""rag/lexical.py: BM25+ over chunk header + text, saved beside the index."""

from __future__ import annotations

import pytest

import rag.lexical as lexical
from rag.lexical import LexicalIndex, generation
from rag.types import Chunk
from tests.records import make_chunk


def _chunk(cid: str, text: str) -> Chunk:
    return make_chunk(cid, text, section=("Findings",), order=int(cid[1:]), header="[R] Findings\n")


CHUNKS = [
    _chunk("c0", "The MARAC referral was not made after the assault."),
    _chunk("c1", "Health visitors saw the twins at home and recorded no concerns."),
    _chunk("c2", " ".join(["The family moved house again."] * 20) + " A MARAC was held."),
]


def test_search_ranks_matching_chunks_and_respects_the_mask():
    idx = LexicalIndex.build(CHUNKS)
    got = idx.search("MARAC referral", 3)
    assert [cid for cid, _ in got][:2] == ["c0", "c2"] and all(s > 0 for _, s in got)
    assert [cid for cid, _ in idx.search("twins", 3)] == ["c1"]


def test_saved_index_loads_for_the_same_chunks_only(tmp_path):
    idx = LexicalIndex.build(CHUNKS)
    idx.save(tmp_path)
    ids = [c.id for c in CHUNKS]
    loaded = LexicalIndex.load(tmp_path, generation(ids))
    assert loaded is not None and loaded.ids == ids
    assert loaded.search("twins", 1) == idx.search("twins", 1)
    assert loaded.model is not None and loaded.model.method == lexical.METHOD
    assert LexicalIndex.load(tmp_path, generation(ids[:2])) is None  # another chunk set


def test_an_index_built_another_way_is_not_loaded(tmp_path, monkeypatch: pytest.MonkeyPatch):
    ids = [c.id for c in CHUNKS]
    monkeypatch.setattr(lexical, "FORMAT", "lucene/snowball-en/0")  # an older build
    LexicalIndex.build(CHUNKS).save(tmp_path)
    monkeypatch.undo()
    assert LexicalIndex.load(tmp_path, generation(ids)) is None


def test_a_damaged_saved_index_is_rebuilt_not_fatal(tmp_path):
    LexicalIndex.build(CHUNKS).save(tmp_path)
    for f in (tmp_path / "bm25").iterdir():
        f.write_bytes(b"\x00garbage")
    assert LexicalIndex.load(tmp_path, generation([c.id for c in CHUNKS])) is None
