"""The source YAML settings added for issue 19 are documented where source YAML is."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from connectors.config import HttpIncremental, Schedule, Sensor

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("block", "model"),
    [("schedule", Schedule), ("sensor", Sensor), ("incremental", HttpIncremental)],
)
def test_every_key_of_the_block_is_in_the_readme(block: str, model: type[BaseModel]) -> None:
    assert f"{block}: {{" in README
    missing = [key for key in model.model_fields if f"{key}:" not in README]
    assert missing == [], f"README does not document {block}: {missing}"
