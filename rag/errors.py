"""ReviewQA's exceptions, in one place.

    ReviewQAError
     ├── IngestError                 a review file could not be turned into chunks
     │    ├── UnsupportedFormat       suffix we have no loader for
     │    ├── EmptyDocument           file is empty or holds only white space
     │    ├── UnreadableDocument      corrupt PDF/DOCX, undecodable text, no extractable text
     │    └── ParseError              text read, but no usable section structure
     ├── IndexNotFound               no index at REVIEWQA_HOME, or unknown review/passage id
     ├── ConfigError (also ValueError)  a setting is invalid; raised where settings are built
     ├── PromptError                 a prompt file is missing or names unknown variables
     └── LLMError                    the configured LLM failed; callers fall back to extractive

Messages name the input ("no text could be extracted from 'child-x.pdf' (page 3 is an
image)"). "Not in the reviews" is an answer, never an exception.
"""

from __future__ import annotations


class ReviewQAError(Exception):
    """Base of every error ReviewQA raises on purpose."""


class IngestError(ReviewQAError):
    """A review file could not be ingested; the message names the file."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path!r}: {reason}")


class UnsupportedFormat(IngestError):
    pass


class EmptyDocument(IngestError):
    pass


class UnreadableDocument(IngestError):
    pass


class ParseError(IngestError):
    pass


class IndexNotFound(ReviewQAError):
    pass


class ConfigError(ReviewQAError, ValueError):
    pass


class PromptError(ReviewQAError):
    pass


class LLMError(ReviewQAError):
    pass
