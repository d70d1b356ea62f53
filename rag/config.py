"""Settings: one place, read from the environment with the prefix ``REVIEWQA_``."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from rag.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def app_version() -> str:
    """The installed package's version (pyproject.toml), or "dev" when run from a tree
    that was never installed."""
    try:
        return metadata.version("reviewqa")
    except metadata.PackageNotFoundError:
        return "dev"


class Settings(BaseSettings):
    """Every knob ReviewQA has. Paths are settings so tests can point them at tmp dirs."""

    model_config = SettingsConfigDict(env_prefix="REVIEWQA_", extra="ignore", frozen=True)

    home: Path = Field(
        default=Path(".reviewqa"),
        description="Index directory (Chroma, BM25, acronyms, manifest).",
    )
    chroma_url: str | None = Field(
        default=None,
        description="URL of a Chroma server (http://host:port); unset = embedded store in HOME.",
    )
    collection: str = Field(default="reviewqa", description="Chroma collection name.")
    reviews_dir: Path = Field(
        default=PROJECT_ROOT / "data" / "reviews",
        description="Folder of review files ingested by `make run` when the index is empty.",
    )
    prompts_dir: Path = Field(
        default=PROJECT_ROOT / "prompts", description="Folder of prompt templates."
    )
    embedder: Literal["minilm", "hash"] = Field(
        default="minilm",
        description="'minilm' = packaged all-MiniLM-L6-v2; 'hash' = deterministic test embedder.",
    )
    chunk_target_tokens: int = Field(
        default=120,
        description="Chunk packing target (tiktoken cl100k tokens). The embedder reads 256 "
        "word pieces; a ~30-token header + 180 tokens of text stays inside it.",
    )
    chunk_max_tokens: int = Field(default=160, description="Hard maximum tokens per chunk.")
    api_key: str | None = Field(
        default=None, description="Key for write endpoints (upload, delete); unset = writes off."
    )
    max_upload_bytes: int = Field(default=20_000_000, description="Upload size limit in bytes.")
    llm_base_url: str | None = Field(
        default=None, description="OpenAI-compatible base URL; set to answer with an LLM."
    )
    llm_model: str = Field(default="gpt-4o-mini", description="Model name sent to the LLM.")
    llm_api_key: str = Field(default="not-needed", description="API key sent to the LLM.")
    llm_timeout: float = Field(default=60.0, description="Seconds before the LLM call fails.")
    llm_max_tokens: int = Field(
        default=400, ge=16, description="Longest reply the LLM may write (tokens)."
    )
    refuse_below: float = Field(
        default=0.46,
        description="Refuse when the best answer sentence matches the question below this. "
        "Calibrated with bench/answers.py on the dev set and held-out h001-h120 (164 "
        "answerable, 33 unanswerable), by a rule written down first: the highest value "
        "that wrongly refuses at most 2% of the answerable questions (0.46: 2 of 164; 0.48, "
        "the dev-set-only choice, refused 5). Re-run on dev + h001-h210 with the neighbour "
        "lift the same rule gave 0.47, which blind batch 8 rejected (2 of 24 answerable "
        "refused against 1 at 0.46; eval/README.md).",
    )

    @field_validator("chunk_target_tokens", "chunk_max_tokens")
    @classmethod
    def _positive(cls, v: int) -> int:
        if v < 20:
            raise ConfigError(f"chunk token sizes must be at least 20 (got {v})")
        return v

    @field_validator("chroma_url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v and not v.startswith(("http://", "https://")):
            raise ConfigError(
                f"REVIEWQA_CHROMA_URL must start with http:// or https:// (got {v!r})"
            )
        return v or None

    @model_validator(mode="after")
    def _sizes(self) -> Settings:
        if self.chunk_max_tokens < self.chunk_target_tokens:
            raise ConfigError(
                f"chunk_max_tokens ({self.chunk_max_tokens}) is below "
                f"chunk_target_tokens ({self.chunk_target_tokens})"
            )
        return self
