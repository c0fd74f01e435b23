"""A tiny hand-made district for quality tests: a population registry of a few residents in
SQLite, synced and staged through the real steps into a temporary home, with the
configuration folder copied so a test may change a contract."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from demo.assistance import HEADERS as ROLL_HEADERS
from demo.population_db import upsert_population_sqlite
from encryption.master_key import MASTER_KEY_ENV, create_key_file
from home.layout import DEFAULT_CONFIG_DIR, Home
from identifiers.resident_id import make
from pipelines import steps
from pipelines.hub import Hub

TODAY = dt.date(2026, 11, 30)


def resident(person_id: int, born: dt.date | None = None, community: str = "440399001001") -> tuple:
    born = born or dt.date(1960, 1, 1) + dt.timedelta(days=person_id)
    return (
        person_id, "测试", make("440399", born, 11 + 2 * person_id), "男", born.isoformat(),
        "13912345678", "户籍", f"01{person_id:07d}", "户主", community[:9], community,
        f"{community}01", "东湖路1号", "2020-01-01", "2026-11-01 08:00:00",
    )  # fmt: skip


def make_hub(root: Path, monkeypatch: pytest.MonkeyPatch) -> Hub:
    for var in (MASTER_KEY_ENV, "SHUZHI_LAKE_CATALOG", "SHUZHI_LAKE_DATA_PATH"):
        monkeypatch.delenv(var, raising=False)
    home = Home(root / "home").ensure()
    monkeypatch.setenv("SHUZHI_HOME", str(home.root))
    monkeypatch.setenv("DAGSTER_HOME", str(root / "dagster"))
    create_key_file(home.keys / "master.key")
    config = root / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    return Hub(home, config)


def registry(hub: Hub) -> Path:
    path = hub.home.departments / "public_security" / "population.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def load_population(hub: Hub, rows: list[tuple]) -> None:
    upsert_population_sqlite(registry(hub), rows)
    steps.sync_dataset(hub, "population")
    steps.stage_dataset(hub, "population", today=TODAY)


def edit_rule(config: Path, dataset: str, rule: str, **changes: object) -> None:
    """Change one quality rule of a contract in the copied configuration folder."""
    path = config / "datasets" / f"{dataset}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for entry in data["quality"]["rules"]:
        if entry["name"] == rule:
            entry.update(changes)
            break
    else:
        data["quality"]["rules"].append({"name": rule, **changes})
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


ROLL_HEADER = list(ROLL_HEADERS)  # the civil affairs roll as the demo writes it


def drop_assistance_roll(hub: Hub, file_name: str, people: list[tuple]) -> None:
    """A civil-affairs roll (Excel, sheet 花名册) naming ``people`` (rows of ``resident``)
    as elderly-allowance recipients, settled in the drop folder."""
    import os
    import time

    from openpyxl import Workbook

    folder = hub.home.departments / "civil_affairs"
    folder.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "花名册"
    sheet.append(ROLL_HEADER)
    for p in people:
        sheet.append([p[1], p[2], p[3], p[4], "高龄补贴", "", "东湖社区", p[5], "2024-01-01"])
    path = folder / file_name
    book.save(path)
    then = time.time() - 600
    os.utime(path, (then, then))
