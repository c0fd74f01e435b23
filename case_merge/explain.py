"""Why records are one case: its records, the links between them and the overrides.

Only what a steward may read anywhere: record ids, channel, times, category,
community, rules, hours and similarity scores, overrides with their steward and
reason. Never a text, an address, a name or a phone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import duckdb

from case_merge.build import links_table, merged_table, record_id_sql
from case_merge.overrides import Override, load_overrides
from catalog.contracts import DatasetContract
from lakehouse.connection import table_exists

# Record columns an explanation shows, when the contract has them (all L1).
SHOWN = ("channel", "received_at", "category", "community_code", "street_code")


class UnknownCase(LookupError):
    """No case or record by that id."""


@dataclass
class CaseExplanation:
    dataset: str
    case_id: str
    rules: list[dict[str, object]]
    records: list[dict[str, object]]
    links: list[dict[str, object]]
    overrides: list[Override] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "overrides": [asdict(o) for o in self.overrides]}


def explain_case(
    con: duckdb.DuckDBPyConnection, contract: DatasetContract, ident: str
) -> CaseExplanation:
    """The case ``ident`` names: a case id (C-…) or the id of one of its records."""
    if contract.merge is None:
        raise ValueError(f"dataset {contract.name} has no merge rule")
    spec = contract.merge
    merged = f"lake.protected.{merged_table(contract)}"
    if not table_exists(con, "protected", merged_table(contract)):
        raise UnknownCase(f"{contract.name} has not been merged yet: run its pipeline first")
    row = con.execute(
        f"SELECT {spec.id_column} FROM {merged} WHERE {spec.id_column} = ? OR record_id = ? "
        "LIMIT 1",
        [ident, ident],
    ).fetchone()
    if row is None:
        raise UnknownCase(f"no case or record {ident!r} in {contract.name}")
    case_id = str(row[0])
    names = {c.name for c in contract.columns}
    shown = [c for c in SHOWN if c in names]
    columns = ", ".join(f"p.{c}" for c in shown)
    found = con.execute(
        f"""SELECT m.record_id, m._source, {columns}
            FROM {merged} m JOIN lake.protected.{contract.name} p
              ON {record_id_sql(contract, "p")} = m.record_id
            WHERE m.{spec.id_column} = ? ORDER BY p.{spec.time_column}, m.record_id""",
        [case_id],
    ).fetchall()
    records = [
        {
            "record_id": r[0],
            "source": r[1],
            **{c: _plain(v) for c, v in zip(shown, r[2:], strict=True)},
        }
        for r in found
    ]
    links = [
        dict(zip(("record_id", "linked_to", "rule", "same_token", "gap_hours", "similarity",
                  "override_id"), r, strict=True))
        for r in con.execute(
            f"SELECT record_id, linked_to, rule, same_token, gap_hours, similarity, override_id "
            f"FROM lake.protected.{links_table(contract)} WHERE {spec.id_column} = ? "
            "ORDER BY record_id, linked_to",
            [case_id],
        ).fetchall()
    ]  # fmt: skip
    ids = {r["record_id"] for r in records}
    touching = [o for o in load_overrides(con, contract.name) if ids & set(o.records)]
    return CaseExplanation(
        dataset=contract.name,
        case_id=case_id,
        rules=[r.model_dump() for r in spec.rules],
        records=records,
        links=links,
        overrides=touching,
    )


def _plain(value: object) -> object:
    return str(value) if value is not None and not isinstance(value, (str, int, float)) else value
