"""The recognizer registry, built from ``recognizers.yaml``.

Only our own recognizers are loaded: Presidio's predefined ones are English or
country-specific for other countries, and some of them would need a spaCy model.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from presidio_analyzer import EntityRecognizer, RecognizerRegistry
from pydantic import BaseModel, ConfigDict, Field, ValidationError

import pii.recognizers

DEFAULT_RECOGNIZERS_YAML = Path(__file__).with_name("recognizers.yaml")
LANGUAGE = "zh"


class RecognizerConfigError(ValueError):
    """The recognizer configuration is invalid; the message names the file and key."""


class RecognizerEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    name: str = Field(min_length=1)
    class_name: str = Field(alias="class", min_length=1)
    entity: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    enabled: bool = True


class RecognizersFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    recognizers: list[RecognizerEntry]


def read_recognizers_yaml(path: Path | None = None) -> list[RecognizerEntry]:
    """Every entry of the file, enabled or not, checked against the code."""
    path = Path(path) if path is not None else DEFAULT_RECOGNIZERS_YAML
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RecognizerConfigError(f"{path}: cannot read: {exc}") from None
    try:
        config = RecognizersFile.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{path}: {'.'.join(str(part) for part in err['loc']) or '(top level)'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise RecognizerConfigError("; ".join(problems)) from None

    seen: set[str] = set()
    for index, entry in enumerate(config.recognizers):
        key = f"{path}: recognizers.{index}"
        if entry.name in seen:
            raise RecognizerConfigError(f"{key}.name: duplicate name {entry.name!r}")
        seen.add(entry.name)
        cls = recognizer_class(entry.class_name)
        if cls is None:
            raise RecognizerConfigError(
                f"{key}.class: {entry.class_name!r} is not exported by pii.recognizers"
            )
        reported = getattr(cls, "ENTITY", None)
        if entry.entity != reported:
            raise RecognizerConfigError(
                f"{key}.entity: {entry.class_name} reports {reported}, not {entry.entity}"
            )
    return config.recognizers


def recognizer_class(class_name: str) -> type[EntityRecognizer] | None:
    """The recognizer class of that name exported by ``pii.recognizers``, if any.

    Every such class reports one entity, named by its ``ENTITY`` attribute, and
    takes ``name`` and ``supported_language`` keyword arguments.
    """
    if class_name not in pii.recognizers.__all__:
        return None
    cls = getattr(pii.recognizers, class_name)
    return cls if isinstance(cls, type) and issubclass(cls, EntityRecognizer) else None


def load_registry(path: Path | None = None) -> RecognizerRegistry:
    """A registry of the enabled recognizers, for language ``zh``."""
    entries = read_recognizers_yaml(path)
    enabled = [entry for entry in entries if entry.enabled]
    if not enabled:
        # An empty registry makes AnalyzerEngine load Presidio's English defaults.
        raise RecognizerConfigError(f"{path or DEFAULT_RECOGNIZERS_YAML}: no recognizer enabled")
    recognizers = []
    for entry in enabled:
        cls = recognizer_class(entry.class_name)
        assert cls is not None  # read_recognizers_yaml checked it
        # EntityRecognizer's own signature needs supported_entities; ours default it.
        recognizers.append(cls(name=entry.name, supported_language=LANGUAGE))  # type: ignore[call-arg]
    return RecognizerRegistry(recognizers=recognizers, supported_languages=[LANGUAGE])
