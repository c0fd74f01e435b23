"""A small real lake with protected population and assistance rows, for re-identification.

Rows are written to ``lake.protected.<dataset>`` in the layout the protect stage
produces (``protection.protect_dataset.protected_select``): tokens and sealed
values made with the home's own key store, unprotected columns as they are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from audit.log import AuditLog
from catalog.contracts import DatasetContract
from catalog.registry import Catalog, load_catalog
from encryption.keystore import KeyStore, open_keystore
from encryption.master_key import MASTER_KEY_ENV, create_key_file
from encryption.tokens import tokenise_value
from home.layout import Home, config_dir
from identifiers.resident_id import make
from lakehouse.connection import open_lake
from policies.loader import load_policies
from policies.models import PolicySet
from protection.fields import protect_staged
from protection.protect_dataset import protected_select
from protection.reveal import RevealResult, reveal

DAY = dt.date(2026, 6, 1)  # inside the demo grants' validity
DONGHU, XILING, NANQIAO = "440399001", "440399002", "440399003"


@dataclass(frozen=True)
class Person:
    name: str
    id_number: str
    phone: str
    street: str
    community: str
    address: str


# Li and Wang share a household phone but live in different streets.
ZHANG = Person(
    "欧阳测一",
    make("440303", dt.date(1941, 3, 7), 11),
    "13912340001",
    DONGHU,
    "440399001001",
    "东湖路1号",
)
LI = Person(
    "欧阳测二",
    make("440303", dt.date(1962, 5, 9), 23),
    "13912340002",
    DONGHU,
    "440399001002",
    "翠竹路2号",
)
WANG = Person(
    "欧阳测三",
    make("440303", dt.date(1958, 8, 1), 35),
    "13912340002",
    XILING,
    "440399002001",
    "西岭路3号",
)
ZHAO = Person(
    "欧阳测四",
    make("440303", dt.date(1990, 1, 2), 47),
    "13912340004",
    NANQIAO,
    "440399003001",
    "南桥路4号",
)
PEOPLE = (ZHANG, LI, WANG, ZHAO)
ASSISTED = {ZHANG: "高龄补贴", WANG: "最低生活保障"}


def population_row(person: Person, number: int) -> dict[str, str | None]:
    return {
        "person_id": str(number),
        "name": person.name,
        "id_number": person.id_number,
        "sex": "男",
        "birth_date": "1950-01-01",
        "phone": person.phone,
        "reg_type": "户籍",
        "household_no": f"01{number:07d}",
        "relation": "户主",
        "street_code": person.street,
        "community_code": person.community,
        "grid_code": person.community + "001",
        "address": person.address,
        "move_in_date": "2001-01-01",
        "updated_at": "2026-05-01 08:00:00",
    }


def assistance_row(person: Person, category: str) -> dict[str, str | None]:
    return {
        "name": person.name,
        "id_number": person.id_number,
        "sex": "男",
        "birth_date": "1950-01-01",
        "category": category,
        "disability_grade": None,
        "community_code": person.community,
        "street_code": person.street,
        "phone": person.phone,
        "registered_on": "2020-01-01",
    }


def write_protected(
    con: duckdb.DuckDBPyConnection,
    contract: DatasetContract,
    rows: list[dict[str, str | None]],
    keystore: KeyStore,
) -> None:
    """Write rows (contract column → canonical text) as the protect stage would leave them."""
    columns: dict[str, pa.Array] = {}
    for spec in contract.columns:
        values = pa.array([row[spec.name] for row in rows], pa.string())
        if spec.protection == "none":
            columns[spec.name] = values
            continue
        columns.update(protect_staged(spec, values, contract.name, keystore))
        if spec.protection == "redact":
            columns[spec.name] = pa.array(["[redacted]"] * len(rows), pa.string())
    columns["_batch_id"] = pa.array(["b-test"] * len(rows), pa.string())
    columns["_source_pos"] = pa.array(range(len(rows)), pa.int64())
    columns["_source"] = pa.array(["s-test"] * len(rows), pa.string())
    order = [*protected_select(contract)] + [
        c.name for c in contract.columns if c.protection == "redact"
    ]
    table = pa.table({name: columns[name] for name in order})
    con.register("incoming_protected", table)
    try:
        con.execute(f"DROP TABLE IF EXISTS lake.protected.{contract.name}")
        con.execute(
            f"CREATE TABLE lake.protected.{contract.name} AS SELECT * FROM incoming_protected"
        )
    finally:
        con.unregister("incoming_protected")


@dataclass
class RevealLake:
    home: Home
    con: duckdb.DuckDBPyConnection
    keystore: KeyStore
    catalog: Catalog
    policies: PolicySet
    audit: AuditLog

    def token(self, domain: str, value: str) -> str:
        return tokenise_value(value, domain=domain, keystore=self.keystore)

    def reveal(
        self,
        principal: str,
        dataset: str,
        token: str,
        purpose: str | None = None,
        *,
        day: dt.date = DAY,
        policies: PolicySet | None = None,
    ) -> RevealResult:
        policies = policies or self.policies
        if purpose is None:  # a purpose the principal's first reveal grant accepts
            who = policies.principal(principal)
            grants = [g for g in policies.reveals if who is not None and g.to.matches(who)]
            purpose = grants[0].accepted_purposes[0] if grants else "home_visit"
        return reveal(
            self.con,
            principal=principal,
            dataset=dataset,
            token=token,
            purpose=purpose,
            datasets=self.catalog.datasets,
            policies=policies,
            keystore=self.keystore,
            audit=self.audit,
            day=day,
        )

    def events(self) -> list[dict[str, object]]:
        return [{"actor": e.actor, **e.details} for e in self.audit.events(kind="reveal")]


def fill_lake(con: duckdb.DuckDBPyConnection, catalog: Catalog, keystore: KeyStore) -> None:
    population = [population_row(p, n) for n, p in enumerate(PEOPLE, start=1)]
    write_protected(con, catalog.datasets["population"], population, keystore)
    assistance = [assistance_row(p, category) for p, category in ASSISTED.items()]
    write_protected(con, catalog.datasets["assistance"], assistance, keystore)


def new_home(root: Path, monkeypatch: pytest.MonkeyPatch) -> Home:
    """A home with its own key file and lakehouse, whatever the environment says."""
    for var in (MASTER_KEY_ENV, "SHUZHI_LAKE_CATALOG", "SHUZHI_LAKE_DATA_PATH", "SHUZHI_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    home = Home(root).ensure()
    create_key_file(home.keys / "master.key")
    return home


@contextmanager
def reveal_lake(root: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RevealLake]:
    """The lake of a new home with population and assistance protected, and the demo policies."""
    home = new_home(root, monkeypatch)
    catalog = load_catalog(config_dir())
    keystore = open_keystore(home.keys)
    with open_lake(home, threads=1) as con:
        fill_lake(con, catalog, keystore)
        yield RevealLake(
            home,
            con,
            keystore,
            catalog,
            load_policies(config_dir()),
            AuditLog(home.audit / "audit.log"),
        )
