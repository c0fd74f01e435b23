"""A temporary hub home with a key store and the lakehouse open, plus 12345 case files."""

from __future__ import annotations

import csv
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from catalog.contracts import DatasetContract
from catalog.registry import load_catalog
from connectors.config import FileDropSource
from encryption.keystore import KeyStore, open_keystore
from encryption.master_key import create_key_file
from home.layout import Home, config_dir
from lakehouse.connection import open_lake

# The hotline's mapping as configured: its CSV carries no online handle.
HOTLINE_MAPPING = load_catalog(config_dir()).sources["hl_cases"].mapping


@dataclass
class OpenLake:
    home: Home
    keystore: KeyStore
    con: duckdb.DuckDBPyConnection

    def count(self, table: str, where: str = "", params: Sequence[object] = ()) -> int:
        sql = f"SELECT count(*) FROM lake.{table}" + (f" WHERE {where}" if where else "")
        row = self.con.execute(sql, list(params)).fetchone()
        assert row is not None
        return int(row[0])


@contextmanager
def temp_lake(root: Path) -> Iterator[OpenLake]:
    """Callers clear SHUZHI_MASTER_KEY / SHUZHI_LAKE_* so the home's own files are used."""
    home = Home(root).ensure()
    create_key_file(home.keys / "master.key")
    keystore = open_keystore(home.keys)
    with open_lake(home, threads=1) as con:
        yield OpenLake(home, keystore, con)


def cases_contract() -> DatasetContract:
    return load_catalog(config_dir()).datasets["cases"]


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
    row = {**CASE, "工单编号": f"C{number:04d}"}
    row.update(changes)
    return row


def write_cases(
    path: Path,
    rows: Sequence[dict[str, Any]],
    *,
    encoding: str = "utf-8",
    header: Sequence[str] | None = None,
    tail: str = "",
    age_s: float = 600.0,
) -> Path:
    """A settled CSV drop; ``tail`` is raw text appended after the rows (a truncated line)."""
    names = list(header or CASE)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=names, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        handle.write(tail)
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


def drop_source(folder: Path, **extra: Any) -> FileDropSource:
    folder.mkdir(parents=True, exist_ok=True)
    extra.setdefault("mapping", HOTLINE_MAPPING)
    return FileDropSource(
        kind="file_drop", name="hl_test", dataset="cases", folder=str(folder), **extra
    )


def files_under(folder: Path) -> Iterator[Path]:
    return (p for p in folder.rglob("*") if p.is_file())
