"""Real data rooms for the gateway's enforcement tests (a plain module, no conftest).

A small lake holds the three real products (config/products) for the three
street offices of config/principals.yaml and for one street no office owns.
Rooms are built from it by policies.rooms.build_room with the real catalogue,
the real grants and a real key store, so the enterprise roster's legal
representative is sealed in the lake, opened and masked in the room, and its
L4 pseudonym column is withheld.

Every text value that identifies a row (codes, names, addresses, phones) is
unique to its street, so a value of another street showing up in an answer
can only have come from that street's rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from audit.log import AuditLog
from catalog.registry import Catalog, load_catalog
from encryption.field_cipher import seal_column
from encryption.keystore import KEYSTORE_FILE, KeyStore
from encryption.master_key import FileMasterKey, create_key_file
from gateway.service import QueryGateway
from home.layout import DEFAULT_CONFIG_DIR
from policies.loader import load_policies
from policies.models import PolicySet
from policies.rooms import build_room, room_path

IN_FORCE = dt.date(2026, 6, 1)  # config/grants.yaml grants run 2026-01-01 .. 2027-12-31

# principal → street code (config/principals.yaml); 440399009 belongs to no office.
STREET_OFFICES = {
    "street_donghu": "440399001",
    "street_xiling": "440399002",
    "street_nanqiao": "440399003",
}
STREETS = {**{code: code[-3:] for code in STREET_OFFICES.values()}, "440399009": "009"}
PRODUCTS = ("street_case_stats", "street_population_profile", "street_enterprise_roster")
WITHHELD = {"street_enterprise_roster": ["legal_rep_token"]}  # L4 under g-street-returned-products
MASKED = {"street_enterprise_roster": ["legal_rep", "legal_rep_phone"]}  # L3

# Values shared by every street: seeing them proves nothing.
CATEGORIES = ("噪音扰民", "环境卫生")
MONTHS = ("2026-04", "2026-05")
INDUSTRIES = ("餐饮", "零售")


@dataclass
class District:
    """The lake's text values per street, and the rooms built from it."""

    catalog: Catalog
    policies: PolicySet
    rooms_dir: Path
    # street code → every text value in that street's lake rows (sealed columns in clear)
    texts: dict[str, set[str]] = field(default_factory=dict)
    # values no street office may ever see: clear L3 values and L4 pseudonyms, all streets
    never_shown: set[str] = field(default_factory=set)

    def gateway(self, audit_path: Path, *, policies: PolicySet | None = None) -> QueryGateway:
        return QueryGateway(
            self.catalog, policies or self.policies, self.rooms_dir, AuditLog(audit_path)
        )

    def with_own_rooms(self, folder: Path) -> District:
        """This district with a private copy of its rooms, for a test that changes a room."""
        rooms = folder / "rooms"
        shutil.copytree(self.rooms_dir, rooms)
        return dataclasses.replace(self, rooms_dir=rooms)

    def only_elsewhere(self, principal: str) -> set[str]:
        """Text values found only in other streets' rows, never in the principal's own."""
        own = STREET_OFFICES[principal]
        others = set().union(*(values for code, values in self.texts.items() if code != own))
        return others - self.texts[own]

    def room(self, principal: str) -> Path:
        return room_path(self.rooms_dir, principal)


def _case_stats(street: str) -> list[dict[str, object]]:
    tag = STREETS[street]
    rows: list[dict[str, object]] = []
    for community in (1, 2):
        for category in CATEGORIES:
            for month in MONTHS:
                rows.append(
                    {
                        "street_code": street,
                        "community_code": f"{street}{community:03d}",
                        "community_name": f"街{tag}社区{community}",
                        "category": category,
                        "month": month,
                        "cases": 10 + community,
                        "closed": 9,
                        "closed_on_time": 8,
                        "on_time_rate": 0.8,
                        "satisfaction_rate": 0.9,
                        "avg_transfers": 1.5,
                        "reopened": 1,
                        "cases_per_10k_residents": 12.5,
                    }
                )
    return rows


def _population(street: str) -> list[dict[str, object]]:
    tag = STREETS[street]
    return [
        {
            "street_code": street,
            "community_code": f"{street}{community:03d}",
            "community_name": f"街{tag}社区{community}",
            "grid_code": f"G{tag}-{community}-{grid}",
            "age_band": band,
            "sex": sex,
            "reg_type": "户籍",
            "residents": 20 + grid,
        }
        for community in (1, 2)
        for grid in (1, 2)
        for band, sex in (("18-59", "男"), ("60+", "女"))
    ]


def _roster(street: str, keystore: KeyStore) -> tuple[list[dict[str, object]], pa.Table]:
    """The roster's rows in clear, and as the lake holds them (legal rep sealed)."""
    tag = STREETS[street]
    rows = [
        {
            "uscc": f"91440300MA{tag}{i:05d}X",
            "name": f"街{tag}商号{i}有限公司",
            "industry": INDUSTRIES[i % 2],
            "status": "存续",
            "established": dt.date(2020, 1, 1 + i),
            "address": f"示范区街{tag}路{i}号",
            "street_code": street,
            "community_code": f"{street}{1 + i % 2:03d}",
            "legal_rep": f"欧阳{tag}代表{i}",
            "legal_rep_phone": f"139{tag}{i:05d}",
            "legal_rep_token": f"tok-{tag}-{i:04d}-withheld",
        }
        for i in range(6)
    ]
    table = pa.Table.from_pylist(rows)
    for column in MASKED["street_enterprise_roster"]:
        sealed = seal_column(
            table.column(column), dataset="enterprises", column=column, keystore=keystore
        )
        table = table.set_column(table.schema.get_field_index(column), column, sealed)
    return rows, table


def _texts(rows: list[dict[str, object]]) -> set[str]:
    return {value for row in rows for value in row.values() if isinstance(value, str)}


def build_district(folder: Path, principals: tuple[str, ...] = tuple(STREET_OFFICES)) -> District:
    """Build the lake in memory and one room per street office under ``folder/rooms``."""
    create_key_file(folder / "master.key")
    keystore = KeyStore(folder / KEYSTORE_FILE, FileMasterKey(folder / "master.key"))
    catalog = load_catalog(DEFAULT_CONFIG_DIR)
    policies = load_policies(DEFAULT_CONFIG_DIR)
    district = District(catalog, policies, folder / "rooms")

    lake = duckdb.connect()
    try:
        lake.execute("ATTACH ':memory:' AS lake")
        lake.execute("CREATE SCHEMA lake.products")
        tables: dict[str, list[pa.Table]] = {name: [] for name in PRODUCTS}
        for street in STREETS:
            cases, people = _case_stats(street), _population(street)
            clear_roster, roster = _roster(street, keystore)
            tables["street_case_stats"].append(pa.Table.from_pylist(cases))
            tables["street_population_profile"].append(pa.Table.from_pylist(people))
            tables["street_enterprise_roster"].append(roster)
            district.texts[street] = _texts(cases) | _texts(people) | _texts(clear_roster)
            district.never_shown |= {
                str(row[column])
                for row in clear_roster
                for column in (*MASKED["street_enterprise_roster"], "legal_rep_token")
            }
        for name, parts in tables.items():
            lake.register("incoming", pa.concat_tables(parts))
            lake.execute(f"CREATE TABLE lake.products.{name} AS SELECT * FROM incoming")
            lake.unregister("incoming")
        for principal in principals:
            report = build_room(
                lake, district.rooms_dir, principal, catalog, policies, keystore, day=IN_FORCE
            )
            assert set(report.products) == set(PRODUCTS), report.denied
    finally:
        lake.close()
    return district
