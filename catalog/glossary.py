"""The district glossary (config/glossary.yaml): one meaning per business term.

Contracts list the terms they are about by name; the catalogue refuses to load
a contract naming a term the glossary lacks, so every department's 低保 means the
same thing and a search for a term finds every dataset and product using it.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from catalog import yaml_text
from catalog.errors import ConfigError, load_model

GLOSSARY_FILE = "glossary.yaml"


class GlossaryEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    term: str = Field(min_length=1)
    meaning: str = Field(min_length=1)
    # Other names people search by: the full name, English, former names.
    also: list[str] = Field(default_factory=list)


class Glossary(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    terms: list[GlossaryEntry] = Field(default_factory=list)

    def get(self, term: str) -> GlossaryEntry | None:
        return next((t for t in self.terms if t.term == term), None)

    def __contains__(self, term: object) -> bool:
        return any(t.term == term for t in self.terms)


def load_glossary(config_dir: Path) -> Glossary:
    """The glossary of the configuration folder; empty when there is no glossary file."""
    path = config_dir / GLOSSARY_FILE
    if not path.exists():
        return Glossary()
    try:
        data = yaml_text.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    glossary = load_model(Glossary, path, data)
    seen: set[str] = set()
    for index, entry in enumerate(glossary.terms):
        if entry.term in seen:
            raise ConfigError(
                f"{path}: terms.{index}.term: {entry.term!r} is defined twice; one meaning per "
                "term (merge the two entries)"
            )
        seen.add(entry.term)
    return glossary
