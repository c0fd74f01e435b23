"""A temporary hub with the lakehouse open, and 12345 case files landed in raw for staging."""

from __future__ import annotations

import csv
import datetime as dt
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from catalog.registry import Catalog, load_catalog
from connectors.config import FileDropSource
from encryption.keystore import KeyStore, open_keystore
from encryption.master_key import MASTER_KEY_ENV, create_key_file
from home.layout import Home, config_dir
from lakehouse.connection import open_lake
from lakehouse.raw_landing import land
from quality.staging import StageResult, stage

TODAY = dt.date(2023, 6, 1)

# A complete, valid case as the hotline exports it (source column names).
CASE = {
    "工单编号": "C0001",
    "受理渠道": "12345热线",
    "受理时间": "2023-05-01 08:30",
    "诉求类别": "噪音扰民",
    "诉求内容": "楼下夜间施工噪音",
    "事发地址": "东湖路1号",
    "所属社区": "东湖社区",
    "反映人": "欧阳测试",
    "联系电话": "13912345678",
    "承办部门": "城管局",
    "紧急程度": "一般",
    "办结时限": "2023-05-08",
    "转派次数": "0",
    "办结时间": "2023-05-02 10:00",
    "满意度": "满意",
}


def case(number: int, **changes: str) -> dict[str, str]:
    return {**CASE, "工单编号": f"C{number:04d}", **changes}


@dataclass
class StagingHub:
    home: Home
    keystore: KeyStore
    con: duckdb.DuckDBPyConnection
    catalog: Catalog
    drop: Path

    def drop_file(self, name: str, rows: Sequence[dict[str, Any]], tail: str = "") -> Path:
        """Write a settled CSV into the drop folder."""
        path = self.drop / name
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(CASE))
            writer.writeheader()
            writer.writerows(rows)
            handle.write(tail)
        then = time.time() - 600
        os.utime(path, (then, then))
        return path

    def land(self) -> str:
        source = FileDropSource(
            kind="file_drop",
            name="hl_test",
            dataset="cases",
            folder=str(self.drop),
            mapping=self.catalog.sources["hl_cases"].mapping,  # the hotline's own
        )
        return land(self.con, source, self.catalog.datasets["cases"], self.keystore).batch_id

    def stage(self, batch_id: str, *, replace: bool = False) -> StageResult:
        return stage(
            self.con,
            self.catalog.datasets["cases"],
            self.catalog.district,
            self.keystore,
            batch_id,
            replace=replace,
            today=TODAY,
        )

    def rows(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, list(params)).fetchall()

    def quarantined(self, batch_id: str) -> list[tuple[str, str | None, str]]:
        return [
            (pos, fld, reason)
            for pos, fld, reason in self.rows(
                "SELECT _source_pos, field, reason FROM lake.quarantine.cases "
                "WHERE _batch_id = ? ORDER BY _source_pos",
                [batch_id],
            )
        ]


@contextmanager
def staging_hub(root: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StagingHub]:
    """A hub in ``root`` that uses its own key file and lakehouse, whatever the environment."""
    for var in (MASTER_KEY_ENV, "SHUZHI_LAKE_CATALOG", "SHUZHI_LAKE_DATA_PATH"):
        monkeypatch.delenv(var, raising=False)
    home = Home(root).ensure()
    create_key_file(home.keys / "master.key")
    drop = home.departments / "hotline" / "drop"
    drop.mkdir(parents=True)
    with open_lake(home, threads=1) as con:
        yield StagingHub(home, open_keystore(home.keys), con, load_catalog(config_dir()), drop)
