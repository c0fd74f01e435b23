"""Configuration errors that name the file and the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class ConfigError(ValueError):
    """A configuration file is invalid; the message names the file and key."""


def load_model(model: type[M], path: Path, data: Any) -> M:
    """Validate ``data`` read from ``path``; turn pydantic errors into one clear message."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(part) for part in err["loc"]) or "(top level)"
            problems.append(f"{path}: {key}: {err['msg']}")
        raise ConfigError("; ".join(problems)) from None
