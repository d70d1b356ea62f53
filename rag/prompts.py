"""Prompt templates: files in ``Settings.prompts_dir``, loaded by name, checked at load time.

A template is plain text with ``{variable}`` placeholders (``{{`` and ``}}`` for literal
braces). Each prompt name declares the variables it must use and may use (``VARIABLES``);
a template that names an unknown variable, or leaves out a required one, raises
``PromptError`` naming the file and the variable when it is loaded, not mid-answer.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

from rag.config import Settings
from rag.errors import PromptError


@dataclass(frozen=True)
class Spec:
    required: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()

    @property
    def allowed(self) -> frozenset[str]:
        return self.required | self.optional


# One entry per prompt file (prompts/<name>.txt); prompts/README.md describes each.
VARIABLES: dict[str, Spec] = {
    "system": Spec(),
    "answer": Spec(required=frozenset({"question", "passages"})),
    "refusal": Spec(optional=frozenset({"question"})),
    "judge": Spec(required=frozenset({"sentence", "passage"})),
}


@dataclass(frozen=True)
class Prompt:
    """A loaded, checked template."""

    name: str
    path: Path
    template: str
    spec: Spec

    def render(self, **values: str) -> str:
        """Fill the template; every required variable must be given, and nothing unknown."""
        unknown = sorted(set(values) - self.spec.allowed)
        if unknown:
            raise PromptError(f"prompt {self.name!r} has no variable {unknown[0]!r} ({self.path})")
        missing = sorted(self.spec.required - set(values))
        if missing:
            raise PromptError(f"prompt {self.name!r} needs a value for {missing[0]!r}")
        filled = {v: "" for v in self.spec.optional} | {k: str(v) for k, v in values.items()}
        return self.template.format_map(filled).strip()


def template_variables(template: str, path: Path) -> set[str]:
    """The ``{names}`` a template uses; only plain names (no ``{0}``, ``{a.b}``, ``{x:>4}``)."""
    names: set[str] = set()
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as e:  # a lone "{" or "}"
        raise PromptError(
            f"{path}: malformed template ({e}); write literal braces as {{{{ }}}}"
        ) from e
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        if not field.isidentifier() or spec or conversion:
            raise PromptError(f"{path}: placeholder {{{field}}} is not a plain variable name")
        names.add(field)
    return names


def load_prompt(name: str, settings: Settings | None = None) -> Prompt:
    """Load ``prompts/<name>.txt`` and check its variables against ``VARIABLES[name]``."""
    spec = VARIABLES.get(name)
    if spec is None:
        raise PromptError(f"unknown prompt {name!r}; known prompts: {', '.join(sorted(VARIABLES))}")
    folder = (settings or Settings()).prompts_dir
    path = Path(folder) / f"{name}.txt"
    try:
        template = path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise PromptError(f"prompt file {str(path)!r} is missing") from e
    except (OSError, UnicodeDecodeError) as e:
        raise PromptError(f"prompt file {str(path)!r} cannot be read ({e})") from e
    used = template_variables(template, path)
    unknown = sorted(used - spec.allowed)
    if unknown:
        allowed = ", ".join(sorted(spec.allowed)) or "none"
        raise PromptError(
            f"{path}: unknown variable {{{unknown[0]}}} in prompt {name!r} (allowed: {allowed})"
        )
    missing = sorted(spec.required - used)
    if missing:
        raise PromptError(f"{path}: prompt {name!r} must use the variable {{{missing[0]}}}")
    if not template.strip():
        raise PromptError(f"{path}: prompt {name!r} is empty")
    return Prompt(name=name, path=path, template=template, spec=spec)


def load_prompts(settings: Settings | None = None) -> dict[str, Prompt]:
    """Every declared prompt, loaded and checked (call where the LLM is configured)."""
    return {name: load_prompt(name, settings) for name in VARIABLES}
