"""Token key rotation with a mapping plan: every token column of a domain moves at once.

Tokens are how departments' data join, so a domain's tokens cannot change
silently or piecemeal. Rotation has two steps:

1. ``plan_token_rotation`` stages the next token key version (pending, not
   yet current) and lists every token column of the domain in the layers of
   record, with the rows that will change, and the products and rooms that
   are rebuilt afterwards. Nothing in the lake changes.
2. ``apply_token_rotation`` computes each old token's successor from the
   sealed canonical value beside it, records every pair in
   ``lake.meta.token_maps`` (so tokens kept elsewhere, e.g. in audit events,
   can still be translated), and rewrites every token column — all in one
   DuckLake transaction, so readers see either the old tokens everywhere or
   the new ones everywhere and joins never break. Only then does the new key
   become current. A killed apply rolls back; running it again completes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from duckdb import sqltypes

from catalog.registry import Catalog
from encryption.field_cipher import open_column
from encryption.keystore import KeyStore, KeyStoreError
from encryption.normalisers import NORMALISERS
from encryption.tokens import tokenise_column
from lakehouse.connection import lake_transaction, table_exists
from lakehouse.functions import arrow_function
from protection.key_rotation import RetireOutcome
from protection.sealed_columns import TokenColumn, token_columns

MAP_TABLE = "lake.meta.token_maps"


@dataclass
class TokenLocation:
    column: TokenColumn
    rows: int  # rows holding a token
    to_change: int  # rows whose token is not yet under the new version


@dataclass
class TokenRotationPlan:
    domain: str
    current: int
    to_version: int
    locations: list[TokenLocation] = field(default_factory=list)
    products: list[str] = field(default_factory=list)  # rebuilt after the tokens move

    @property
    def rows_to_change(self) -> int:
        return sum(location.to_change for location in self.locations)


@dataclass
class TokenRotationResult:
    plan: TokenRotationPlan
    rows_changed: int
    tokens_mapped: int


def _check_domain(domain: str) -> None:
    if domain not in NORMALISERS:
        known = ", ".join(sorted(NORMALISERS))
        raise KeyStoreError(f"unknown identifier domain {domain!r} (known: {known})")


def _prefix(version: int) -> str:
    # LIKE pattern for tokens of one version; "_" is escaped as it is a wildcard.
    return f"t{int(version)}\\_%"


def plan_token_rotation(
    con: duckdb.DuckDBPyConnection, keystore: KeyStore, catalog: Catalog, domain: str
) -> TokenRotationPlan:
    """Stage the next token key of ``domain`` and list what moving to it will change."""
    _check_domain(domain)
    current, _ = keystore.current_token_key(domain)
    target = keystore.stage_token_key(domain)
    plan = TokenRotationPlan(domain, current, target)
    for column in token_columns(con, catalog, domain):
        row = con.execute(
            f'SELECT count("{column.column}"), '
            f"count(*) FILTER (WHERE \"{column.column}\" NOT LIKE ? ESCAPE '\\') "
            f"FROM lake.{column.schema}.{column.table}",
            [_prefix(target)],
        ).fetchone()
        assert row is not None
        plan.locations.append(TokenLocation(column, int(row[0]), int(row[1])))
    datasets = {location.column.dataset for location in plan.locations}
    plan.products = sorted(p.name for p in catalog.products.values() if datasets & set(p.inputs))
    return plan


@contextmanager
def _retoken_function(
    con: duckdb.DuckDBPyConnection, keystore: KeyStore, domain: str, version: int
) -> Iterator[str]:
    """``retoken(sealed, dataset, column)``: the token under ``version`` of a sealed value."""

    def retoken(sealed: pa.Array, dataset: pa.Array, column: pa.Array) -> pa.Array:
        out = pa.nulls(len(sealed), pa.string()).to_pylist()
        pairs = pc.binary_join_element_wise(dataset, column, "\x1f")
        for pair in pc.unique(pairs).to_pylist():
            if pair is None:
                continue
            rows = pc.equal(pairs, pair)
            name, key_column = pair.split("\x1f")
            clear = open_column(
                sealed.filter(rows), dataset=name, column=key_column, keystore=keystore
            )
            tokens = tokenise_column(clear, domain=domain, keystore=keystore, version=version)
            for position, token in zip(
                pc.indices_nonzero(rows).to_pylist(), tokens.to_pylist(), strict=True
            ):
                out[position] = token
        return pa.array(out, pa.string())

    blob, text = sqltypes.BLOB, sqltypes.VARCHAR
    with arrow_function(con, "shuzhi_retoken", retoken, [blob, text, text], text) as name:
        yield name


def _ensure_map_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {MAP_TABLE} (domain VARCHAR, from_version INTEGER, "
        "to_version INTEGER, old_token VARCHAR, new_token VARCHAR, mapped_at TIMESTAMP)"
    )


def apply_token_rotation(
    con: duckdb.DuckDBPyConnection, keystore: KeyStore, catalog: Catalog, domain: str
) -> TokenRotationResult:
    """Move every token of ``domain`` to the staged version, in one transaction, then promote it."""
    _check_domain(domain)
    if keystore.pending_token_version(domain) is None:
        raise KeyStoreError(
            f"no token rotation of {domain!r} is planned; run the plan first "
            f"(shuzhi keys rotate-tokens --domain {domain})"
        )
    plan = plan_token_rotation(con, keystore, catalog, domain)  # the same pending version
    target = plan.to_version
    _ensure_map_table(con)
    changed = 0
    with _retoken_function(con, keystore, domain, target) as retoken:
        sources = " UNION ALL ".join(
            f'SELECT "{c.column}" AS old_token, "{c.sealed_column}" AS sealed, '
            f"'{c.dataset}' AS dataset, '{c.key_column}' AS key_column "
            f"FROM lake.{c.schema}.{c.table} "
            f'WHERE "{c.column}" IS NOT NULL AND "{c.column}" NOT LIKE \'{_prefix(target)}\' '
            "ESCAPE '\\'"
            for c in (location.column for location in plan.locations)
        )
        with lake_transaction(con):
            con.execute(
                f"DELETE FROM {MAP_TABLE} WHERE domain = ? AND to_version = ?", [domain, target]
            )
            if sources:
                con.execute(
                    f"INSERT INTO {MAP_TABLE} SELECT ?, "
                    "CAST(regexp_extract(old_token, '^t([0-9]+)_', 1) AS INTEGER), ?, old_token, "
                    f"{retoken}(sealed, dataset, key_column), now()::TIMESTAMP FROM ("
                    "SELECT old_token, any_value(sealed) AS sealed, any_value(dataset) AS dataset, "
                    f"any_value(key_column) AS key_column FROM ({sources}) GROUP BY old_token)",
                    [domain, target],
                )
            for location in plan.locations:
                c = location.column
                result = con.execute(
                    f'UPDATE lake.{c.schema}.{c.table} t SET "{c.column}" = m.new_token '
                    f"FROM {MAP_TABLE} m WHERE m.domain = ? AND m.to_version = ? "
                    f'AND t."{c.column}" = m.old_token',
                    [domain, target],
                ).fetchone()
                changed += int(result[0]) if result else 0
            left = _unmapped(con, plan, target)
            if left:
                raise KeyStoreError(
                    f"{left} tokens of {domain!r} could not be mapped; nothing changed"
                )
    mapped = con.execute(
        f"SELECT count(*) FROM {MAP_TABLE} WHERE domain = ? AND to_version = ?", [domain, target]
    ).fetchone()
    keystore.promote_token_key(domain)
    return TokenRotationResult(plan, changed, int(mapped[0]) if mapped else 0)


def _unmapped(con: duckdb.DuckDBPyConnection, plan: TokenRotationPlan, target: int) -> int:
    total = 0
    for location in plan.locations:
        c = location.column
        row = con.execute(
            f'SELECT count("{c.column}") FROM lake.{c.schema}.{c.table} '
            f"WHERE \"{c.column}\" NOT LIKE ? ESCAPE '\\'",
            [_prefix(target)],
        ).fetchone()
        total += int(row[0]) if row else 0
    return total


def translate_token(
    con: duckdb.DuckDBPyConnection, domain: str, token: str, to_version: int
) -> str | None:
    """The successor of an old token under ``to_version`` (following every rotation), if mapped."""
    if not table_exists(con, "meta", "token_maps"):
        return None
    seen = {token}
    while not token.startswith(f"t{to_version}_"):
        row = con.execute(
            f"SELECT new_token FROM {MAP_TABLE} WHERE domain = ? AND old_token = ? "
            "ORDER BY to_version DESC LIMIT 1",
            [domain, token],
        ).fetchone()
        if row is None or row[0] in seen:
            return None
        token = row[0]
        seen.add(token)
    return token


def retire_unused_token_versions(
    con: duckdb.DuckDBPyConnection, keystore: KeyStore, catalog: Catalog
) -> list[RetireOutcome]:
    """Delete old token key versions no token column of record uses any more.

    The old→new map stays, so tokens kept elsewhere can still be translated.
    """
    outcomes: list[RetireOutcome] = []
    for info in keystore.slots():
        if info.kind != "token" or info.domain not in NORMALISERS:
            continue
        for version in info.versions:
            if version in (info.current, info.pending):
                continue
            left = 0
            for c in token_columns(con, catalog, info.domain):
                row = con.execute(
                    f'SELECT count(*) FROM lake.{c.schema}.{c.table} WHERE "{c.column}" '
                    "LIKE ? ESCAPE '\\'",
                    [_prefix(version)],
                ).fetchone()
                left += int(row[0]) if row else 0
            if not left:
                keystore.retire_token_key(info.domain, version)
            outcomes.append(RetireOutcome(f"token:{info.domain}", version, not left, left))
    return outcomes
