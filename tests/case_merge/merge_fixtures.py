"""A lake with a hand-made protected cases table: each record's redacted text as given."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from catalog.contracts import DatasetContract, MergeRule
from catalog.registry import load_catalog
from encryption.keystore import KeyStore, open_keystore
from encryption.master_key import MASTER_KEY_ENV, create_key_file
from home.layout import Home, config_dir
from lakehouse.connection import open_lake
from protection.fields import protect_staged
from protection.protect_dataset import protected_select

CASES = load_catalog(config_dir()).datasets["cases"]
T0 = dt.datetime(2026, 11, 3, 9, 0)
NOISE = "[ADDRESS]工地晚上十一点以后还在施工，吵得孩子睡不着，已经反映过多次了。联系人[PERSON]，手机[CN_MOBILE]。"
NOISE_AGAIN = "尊敬的区长：您好！[ADDRESS]工地晚上十一点以后还在施工，吵得孩子睡不着，已经反映过多次了。恳请领导重视！"
RUBBISH = (
    "[ADDRESS]旁边的垃圾桶好几天没人清运，臭味很大，蚊蝇很多，麻烦安排清理。[PERSON] [CN_MOBILE]"
)


def record(
    source: str,
    case_no: str,
    *,
    hours: float = 0.0,
    text: str = NOISE,
    phone: str | None = "13912345678",
    place: str | None = "东湖社区桂花路12号",
) -> dict[str, Any]:
    return {
        "_source": source, "case_no": case_no, "received_at": T0 + dt.timedelta(hours=hours),
        "description": text, "reporter_phone": phone, "location": place,
        "category": "噪音扰民", "community_code": "440399001001", "street_code": "440399001",
        "channel": source,
    }  # fmt: skip


def with_rules(
    contract: DatasetContract, *rules: MergeRule, across: bool = True
) -> DatasetContract:
    assert contract.merge is not None
    merge = contract.merge.model_copy(update={"rules": list(rules), "across_sources_only": across})
    return contract.model_copy(update={"merge": merge})


@dataclass
class MergeLake:
    con: duckdb.DuckDBPyConnection
    keystore: KeyStore

    def protected(self, rows: list[dict[str, Any]]) -> None:
        """(Re)write lake.protected.cases as the protect step leaves it."""
        columns: dict[str, pa.Array] = {}
        for spec in CASES.columns:
            values = [row.get(spec.name) for row in rows]
            if spec.protection == "redact":
                columns[f"{spec.name}_sealed"] = pa.array([b""] * len(rows), pa.binary())
                columns[spec.name] = pa.array(values, pa.string())
            elif spec.protection != "none":
                text = pa.array([None if v is None else str(v) for v in values], pa.string())
                columns.update(protect_staged(spec, text, CASES.name, self.keystore))
            elif spec.name == "received_at":
                columns[spec.name] = pa.array(values, pa.timestamp("s"))
            else:
                columns[spec.name] = pa.array(
                    [None if v is None else str(v) for v in values], pa.string()
                )
        columns["_batch_id"] = pa.array(["b"] * len(rows), pa.string())
        columns["_source_pos"] = pa.array([str(i) for i in range(len(rows))], pa.string())
        columns["_source"] = pa.array([row["_source"] for row in rows], pa.string())
        order = [*protected_select(CASES), "description"]
        self.con.register("hand_made", pa.table({name: columns[name] for name in order}))
        try:
            self.con.execute(
                "CREATE OR REPLACE TABLE lake.protected.cases AS SELECT * FROM hand_made"
            )
        finally:
            self.con.unregister("hand_made")

    def cases(self) -> dict[str, str]:
        """record id → case id."""
        return dict(
            self.con.execute(
                "SELECT record_id, case_id FROM lake.protected.cases_merged"
            ).fetchall()
        )

    def groups(self) -> set[frozenset[str]]:
        by_case: dict[str, set[str]] = {}
        for record_id, case in self.cases().items():
            by_case.setdefault(case, set()).add(record_id)
        return {frozenset(g) for g in by_case.values() if len(g) > 1}


@contextmanager
def merge_lake(root: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MergeLake]:
    for var in (MASTER_KEY_ENV, "SHUZHI_LAKE_CATALOG", "SHUZHI_LAKE_DATA_PATH"):
        monkeypatch.delenv(var, raising=False)
    home = Home(root / "home").ensure()
    create_key_file(home.keys / "master.key")
    with open_lake(home, threads=1) as con:
        yield MergeLake(con, open_keystore(home.keys))
