"""State files read as frozen models, parsed once per version of the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict

from home.private_files import write_private_json
from identity.state_file import StateFileError, change_state, read_records


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    state: str


class Loose(BaseModel):
    id: str


def test_records_are_parsed_once_and_shared_while_the_file_is_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "clients.json"
    write_private_json(path, {"format": 1, "clients": [{"id": "c-0001", "state": "active"}]})
    first = read_records(path, "clients", Record)
    second = read_records(path, "clients", Record)
    assert first == second == [Record(id="c-0001", state="active")]
    assert first[0] is second[0]  # the same parsed model
    assert first is not second  # each reader gets its own list


def test_a_change_is_seen_by_the_very_next_read(tmp_path: Path) -> None:
    path = tmp_path / "clients.json"
    write_private_json(path, {"format": 1, "clients": [{"id": "c-0001", "state": "active"}]})
    assert read_records(path, "clients", Record)[0].state == "active"

    def revoke(records: list[dict[str, str]]) -> None:
        records[0]["state"] = "revoked"  # the same length as before, written at once

    change_state(path, "clients", revoke)
    assert read_records(path, "clients", Record)[0].state == "revoked"


def test_a_missing_file_has_no_records_until_it_is_written(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    assert read_records(path, "users", Record) == []
    write_private_json(path, {"format": 1, "users": [{"id": "u-0001", "state": "on"}]})
    assert [r.id for r in read_records(path, "users", Record)] == ["u-0001"]


def test_a_damaged_file_is_refused_on_every_read(tmp_path: Path) -> None:
    path = tmp_path / "sessions.json"
    write_private_json(path, {"format": 1, "sessions": []})
    assert read_records(path, "sessions", Record) == []
    path.write_text(json.dumps({"format": 1})[:-1], "utf-8")
    for _ in range(2):
        with pytest.raises(StateFileError, match=r"sessions\.json"):
            read_records(path, "sessions", Record)


def test_only_frozen_models_are_shared(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="frozen"):
        read_records(tmp_path / "x.json", "x", Loose)
