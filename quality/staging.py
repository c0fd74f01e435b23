"""raw → staged: standardise every value, keep each row or quarantine it with a reason.

Works one raw record batch at a time (bounded memory). Identifiers become join
tokens plus sealed canonical values before anything is written. A row's
identity is the source's primary key (the contract key when the source has
none): a second row with the same identity in one batch is a duplicate, a
newer version from a later batch replaces the older. The contract key must
stay unique too: rows of different identities claiming the same key (two
people with one ID number) are all quarantined with the conflict named, never
one silently replacing the other. The counts must reconcile: rows read = rows
loaded + rows quarantined, or staging fails.

A dataset may be fed by several sources (channels). Every staged row carries its
``_source``; identity, duplicates and key conflicts are judged within one source
(two channels' case numbers never collide), and a full batch of one source
replaces that source's rows only. A source's mapping (``quality.channel_rules``)
converts its values on the way in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from catalog.contracts import ColumnSpec, DatasetContract
from catalog.district import District
from catalog.source_mapping import SourceMapping, channel_fields
from encryption.keystore import KeyStore
from lakehouse import meta
from lakehouse.connection import add_missing_columns, lake_transaction, table_exists
from metering.costs import CRYPTO, metered
from protection.fields import is_protected, open_raw, protect_staged
from quality.channel_rules import ChannelRules
from quality.row_rules import derive, id_consistency
from quality.rule_rows import RowRules
from quality.standardise import Standardiser, ValueProblem, arrow_type

READ_ROWS = 50_000
ROW_FINGERPRINT_DOMAIN = "row_fingerprint"


class ReconciliationError(RuntimeError):
    """Rows went missing between raw and staged/quarantine: a bug, never ignored."""


@dataclass
class StageResult:
    batch_id: str
    dataset: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    # rows staged by earlier batches taken back into quarantine by a key conflict
    rows_withdrawn: int = 0
    reasons: Counter[str] = field(default_factory=Counter)


def staged_columns(contract: DatasetContract) -> list[tuple[str, str]]:
    """(name, DuckDB type) of the staged table."""
    cols: list[tuple[str, str]] = []
    sql_types = {pa.int64(): "BIGINT", pa.date32(): "DATE", pa.timestamp("s"): "TIMESTAMP"}
    for spec in contract.columns:
        if spec.protection == "token+seal":
            cols.append((f"{spec.name}_token", "VARCHAR"))
        if is_protected(spec):
            cols.append((f"{spec.name}_sealed", "BLOB"))
        else:
            cols.append((spec.name, sql_types.get(arrow_type(spec), "VARCHAR")))
    return [
        *cols,
        ("_batch_id", "VARCHAR"),
        ("_source_pos", "VARCHAR"),
        ("_row_hash", "VARCHAR"),
        ("_source", "VARCHAR"),  # the source (channel) the row came from
    ]


def key_columns(contract: DatasetContract, names: list[str] | None = None) -> list[str]:
    """Staged columns that hold the key, or the named columns (tokens stand in for
    protected identifiers)."""
    out = []
    for name in contract.key if names is None else names:
        spec = contract.column(name)
        out.append(f"{name}_token" if spec.protection == "token+seal" else name)
    return out


def identity_columns(
    contract: DatasetContract,
    source_primary_key: list[str],
    mapping: SourceMapping | None = None,
) -> list[str]:
    """Contract columns that carry the source's primary key (the source's field names
    mapped as its mapping says), or the contract key when the source declares none."""
    by_source = channel_fields(contract, mapping)
    unknown = [k for k in source_primary_key if k not in by_source]
    if unknown:
        raise ValueError(
            f"dataset {contract.name}: the source's primary_key names {unknown}, which are "
            "not columns of the contract"
        )
    return [by_source[k] for k in source_primary_key] or list(contract.key)


def ensure_staged_table(con: duckdb.DuckDBPyConnection, contract: DatasetContract) -> None:
    """Create the staged table, or add the columns the contract gained since (rows staged
    before ``_source`` existed get it from their batch)."""
    columns = staged_columns(contract)
    if not table_exists(con, "staged", contract.name):
        cols = ", ".join(f'"{n}" {t}' for n, t in columns)
        con.execute(f"CREATE TABLE lake.staged.{contract.name} ({cols})")
        return
    if "_source" in add_missing_columns(con, "staged", contract.name, columns):
        con.execute(
            f"UPDATE lake.staged.{contract.name} AS s SET _source = b.source "
            "FROM lake.meta.batches b WHERE s._batch_id = b.batch_id"
        )


class _Stager:
    def __init__(
        self,
        contract: DatasetContract,
        district: District,
        keystore: KeyStore,
        today: dt.date,
        rules: ChannelRules,
    ) -> None:
        self.contract = contract
        self.keystore = keystore
        self.rules = rules
        std = Standardiser(district, today, rules.clock)
        self.parsers: dict[str, Callable[[str], object]] = {
            c.name: _memoised(std.for_column(c)) if c.type in REPEATING_TYPES else std.for_column(c)
            for c in contract.columns
            if not c.derived_from
        }
        self.fingerprint_columns = [c.name for c in contract.columns]
        self.street_of_community = {c.code: s.code for s, c in district.communities}
        self.rules_by_row = RowRules(contract, district)
        self.seen_keys: dict[tuple, str] = {}
        self._fingerprint_mac = hmac.new(
            keystore.token_key(ROW_FINGERPRINT_DOMAIN), digestmod=hashlib.sha256
        )

    def row(self, values: dict[str, str | None]) -> tuple[dict[str, object] | None, str, str]:
        """(clean row, "", "") or (None, field, reason)."""
        clean: dict[str, object] = {}
        for spec in self.contract.columns:
            if spec.derived_from:
                continue
            text = values.get(spec.name)
            if text is None or (isinstance(text, str) and not text.strip()):
                if spec.required:
                    return None, spec.name, "required value is missing"
                clean[spec.name] = None
                continue
            try:
                if spec.name in self.rules.codes:
                    text = self.rules.codes[spec.name].decode(text)
                clean[spec.name] = self.parsers[spec.name](text)
                if spec.name in self.rules.vocabularies:
                    self.rules.vocabularies[spec.name].check(clean[spec.name])
            except ValueProblem as problem:
                return None, spec.name, str(problem)
        for spec in self.contract.columns:
            if spec.derived_from:
                derive(clean, spec.name, spec.derived_from, self.street_of_community)
                if clean.get(spec.name) is None and spec.required:
                    return None, spec.name, f"cannot be derived from {spec.derived_from}"
        if "street_code" in clean and "community_code" in clean:
            community = clean["community_code"]
            if community and self.street_of_community.get(str(community)) != clean["street_code"]:
                return None, "community_code", "community does not belong to the row's street"
        mismatch = id_consistency(clean)
        if mismatch:
            return None, *mismatch
        broken = self.rules_by_row.first_failure(clean)
        if broken:
            return None, *broken
        return clean, "", ""

    def fingerprint(self, clean: dict[str, object]) -> str:
        canonical = json.dumps(
            [str(clean.get(name)) for name in self.fingerprint_columns], ensure_ascii=False
        ).encode()
        mac = self._fingerprint_mac.copy()  # the keyed state, without re-keying per row
        mac.update(canonical)
        return mac.hexdigest()[:32]


# Columns whose values repeat across rows (dates, codes, categories): each distinct
# spelling is parsed once per batch run. Identifiers and names are unique; no cache.
REPEATING_TYPES = {
    "date",
    "datetime",
    "sex",
    "enum",
    "community_code",
    "community_name",
    "street_code",
}
MEMO_LIMIT = 200_000


def _memoised(parse: Callable[[str], object]) -> Callable[[str], object]:
    cache: dict[str, object] = {}

    def parse_once(text: str) -> object:
        try:
            return cache[text]
        except KeyError:
            pass
        value = parse(text)  # a bad value raises and is not cached; bad values are rare
        if len(cache) < MEMO_LIMIT:
            cache[text] = value
        return value

    return parse_once


def _typed_array(spec: ColumnSpec, values: list[object]) -> pa.Array:
    return pa.array(values, type=arrow_type(spec))


def stage(
    con: duckdb.DuckDBPyConnection,
    contract: DatasetContract,
    district: District,
    keystore: KeyStore,
    batch_id: str,
    *,
    replace: bool,
    identity: list[str] | None = None,
    today: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
    rules: ChannelRules | None = None,
) -> StageResult:
    """Stage one raw batch. ``replace`` rebuilds the batch's source's rows from this
    batch (a full sync of that source); other sources' rows stay.

    ``identity`` names the contract columns of the source's primary key (default: the
    contract key); ``rules``, the source's compiled mapping (default: none)."""
    meta.ensure_meta(con)
    ensure_staged_table(con, contract)
    source = _batch_source(con, batch_id)
    rules = rules or ChannelRules(source)
    stager = _Stager(contract, district, keystore, today or dt.date.today(), rules)
    result = StageResult(batch_id, contract.name)
    identity = identity or list(contract.key)
    keys = key_columns(contract, identity)
    key_specs = [contract.column(k) for k in identity]
    key_label = "/".join(identity)

    if not replace:
        # Rows already staged by earlier batches: same key + same content is a repeat export.
        existing = con.execute(
            f"SELECT {', '.join(keys)}, _row_hash, _batch_id FROM lake.staged.{contract.name} "
            "WHERE _source = ?",
            [source],
        ).fetchall()
        existing_hash = {tuple(r[: len(keys)]): (r[-2], r[-1]) for r in existing}
    else:
        existing_hash = {}

    with lake_transaction(con):
        if replace:
            con.execute(f"DELETE FROM lake.staged.{contract.name} WHERE _source = ?", [source])
        # A cursor of its own: a statement on ``con`` would close a reader opened on it.
        reader = (
            con.cursor()
            .execute(f"SELECT * FROM lake.raw.{contract.name} WHERE _batch_id = ?", [batch_id])
            .fetch_record_batch(READ_ROWS)
        )
        for raw in reader:
            plain = open_raw(raw, contract, keystore)
            filled = rules.fill(plain, raw.num_rows)
            positions = raw.column("_source_pos").to_pylist()
            origins = raw.column("_origin").to_pylist()
            good: list[dict[str, object]] = []
            good_pos: list[str] = []
            good_hash: list[str] = []
            bad: list[tuple[str, str, str, str]] = []
            replaced_keys: list[tuple] = []
            parsed: list[tuple[int, dict[str, object]]] = []
            for i in range(raw.num_rows):
                problem = filled[i]
                if problem is not None:
                    bad.append((positions[i], origins[i], problem[0], problem[1]))
                    continue
                values = {name: col[i] for name, col in plain.items()}
                clean, fld, reason = stager.row(values)
                if clean is None:
                    bad.append((positions[i], origins[i], fld, reason))
                else:
                    parsed.append((i, clean))
            row_keys = _key_tuples(key_specs, [clean for _, clean in parsed], keystore)
            for (i, clean), key in zip(parsed, row_keys, strict=True):
                fingerprint = stager.fingerprint(clean)
                if any(part is None for part in key):
                    bad.append((positions[i], origins[i], ",".join(identity), "key is missing"))
                    continue
                if key in stager.seen_keys:
                    first = stager.seen_keys[key]
                    bad.append(
                        (
                            positions[i],
                            origins[i],
                            ",".join(identity),
                            f"duplicate: same {key_label} as {first}",
                        )
                    )
                    continue
                if key in existing_hash:
                    old_hash, old_batch = existing_hash[key]
                    if old_hash == fingerprint:
                        bad.append(
                            (
                                positions[i],
                                origins[i],
                                ",".join(identity),
                                f"duplicate: identical row already loaded in batch {old_batch}",
                            )
                        )
                        continue
                    replaced_keys.append(key)  # a newer version of a row: it replaces the old
                stager.seen_keys[key] = positions[i]
                good.append(clean)
                good_pos.append(positions[i])
                good_hash.append(fingerprint)
            result.rows_read += raw.num_rows
            table = _staged_table(contract, keystore, good, good_pos, good_hash, batch_id, source)
            _write(con, contract, keys, table, bad, batch_id, replaced_keys, source)
            result.rows_loaded += table.num_rows
            result.rows_quarantined += len(bad)
            result.reasons.update(reason_kind(b[3]) for b in bad)
            if progress:
                progress(raw.num_rows)

        if identity != list(contract.key):
            _quarantine_key_conflicts(con, contract, keys, batch_id, result, source)
        rejected = con.execute(
            f"SELECT count(*) FROM lake.quarantine.{contract.name} WHERE _batch_id = ? "
            "AND field IS NULL",
            [batch_id],
        ).fetchone()
        n_rejected = rejected[0] if rejected else 0
        result.rows_read += n_rejected
        result.rows_quarantined += n_rejected
        if n_rejected:
            result.reasons["unreadable row"] += n_rejected
        _reconcile(con, contract, batch_id, result)
    return result


def _batch_source(con: duckdb.DuckDBPyConnection, batch_id: str) -> str:
    row = con.execute(
        "SELECT source FROM lake.meta.batches WHERE batch_id = ?", [batch_id]
    ).fetchone()
    if row is None:
        raise ValueError(f"no committed batch {batch_id}")
    return str(row[0])


def _quarantine_key_conflicts(
    con: duckdb.DuckDBPyConnection,
    contract: DatasetContract,
    identity: list[str],
    batch_id: str,
    result: StageResult,
    source: str,
) -> None:
    """Rows of different identities of one source that share the contract key, where this
    batch touched that key: every one of them goes to quarantine, each naming where the
    others are."""
    keys = key_columns(contract)
    table = f"lake.staged.{contract.name}"
    key_list = ", ".join(keys)
    match = " AND ".join(f"s.{k} = c.{k}" for k in keys)
    conflicts = con.execute(
        f"""WITH mine AS (SELECT * FROM {table} WHERE _source = ?),
                 touched AS (SELECT DISTINCT {key_list} FROM mine WHERE _batch_id = ?),
                 conflicted AS (
                    SELECT {key_list} FROM mine WHERE ({key_list}) IN (SELECT * FROM touched)
                    GROUP BY ALL HAVING count(*) > 1)
            SELECT s._batch_id, s._source_pos, list(s._source_pos) OVER (PARTITION BY
                   {", ".join("s." + k for k in keys)}) AS everyone
            FROM mine s JOIN conflicted c ON {match}""",
        [source, batch_id],
    ).fetchall()
    if not conflicts:
        return
    key_label = "/".join(contract.key)
    identity_label = "/".join(i.removesuffix("_token") for i in identity)
    batch_ids: list[str] = []
    rows: list[tuple[str, str | None, str, str]] = []
    for row_batch, position, everyone in conflicts:
        others = ", ".join(p for p in everyone if p != position)
        reason = (
            f"conflict: same {key_label} as {others} with a different {identity_label}; all "
            "held back until the department corrects the source (then sync it with --full)"
        )
        batch_ids.append(row_batch)
        rows.append((position, None, ",".join(contract.key), reason))
        if row_batch == batch_id:
            result.rows_loaded -= 1
            result.rows_quarantined += 1
            result.reasons["conflict"] += 1
        else:
            result.rows_withdrawn += 1
    _insert_quarantine(con, contract, batch_ids, rows)
    # A staged row is one (batch, position): take back exactly the rows just quarantined.
    held = pa.table({"_batch_id": batch_ids, "_source_pos": [r[0] for r in rows]})
    con.register("held_back_rows", held)
    try:
        con.execute(
            f"DELETE FROM {table} s USING held_back_rows h "
            "WHERE s._batch_id = h._batch_id AND s._source_pos = h._source_pos"
        )
    finally:
        con.unregister("held_back_rows")


def _key_tuples(
    key_specs: list[ColumnSpec], rows: list[dict[str, object]], keystore: KeyStore
) -> list[tuple]:
    """Each row's key, with tokens for protected identifiers, tokenised a column at a time."""
    columns: list[list[object]] = []
    for spec in key_specs:
        values = [row[spec.name] for row in rows]
        if spec.protection == "token+seal":
            from encryption.tokens import tokenise_column

            assert spec.token_domain
            text = pa.array([None if v is None else str(v) for v in values], pa.string())
            with metered(CRYPTO, len(values)):
                values = tokenise_column(
                    text, domain=spec.token_domain, keystore=keystore
                ).to_pylist()
        columns.append(values)
    return list(zip(*columns, strict=True)) if columns else [() for _ in rows]


def reason_kind(reason: str) -> str:
    """Group reasons for the summary: 'invalid resident ID: check…' → 'invalid resident ID'."""
    return reason.split(":")[0].split(" (")[0]


def _staged_table(
    contract: DatasetContract,
    keystore: KeyStore,
    rows: list[dict[str, object]],
    positions: list[str],
    hashes: list[str],
    batch_id: str,
    source: str,
) -> pa.Table:
    arrays: dict[str, pa.Array] = {}
    for spec in contract.columns:
        values = [r.get(spec.name) for r in rows]
        if is_protected(spec):
            canonical = pa.array([None if v is None else str(v) for v in values], pa.string())
            arrays.update(protect_staged(spec, canonical, contract.name, keystore))
        else:
            arrays[spec.name] = _typed_array(spec, values)
    arrays["_batch_id"] = pa.array([batch_id] * len(rows), pa.string())
    arrays["_source_pos"] = pa.array(positions, pa.string())
    arrays["_row_hash"] = pa.array(hashes, pa.string())
    arrays["_source"] = pa.array([source] * len(rows), pa.string())
    return pa.table(arrays)


def _write(
    con: duckdb.DuckDBPyConnection,
    contract: DatasetContract,
    keys: list[str],
    table: pa.Table,
    bad: list[tuple[str, str, str, str]],
    batch_id: str,
    replaced_keys: list[tuple],
    source: str,
) -> None:
    if replaced_keys:
        old = pa.table({k: [key[i] for key in replaced_keys] for i, k in enumerate(keys)})
        con.register("replaced_keys", old)
        try:
            match = " AND ".join(f"s.{k} = r.{k}" for k in keys)
            con.execute(
                f"DELETE FROM lake.staged.{contract.name} s USING replaced_keys r "
                f"WHERE s._source = ? AND {match}",
                [source],
            )
        finally:
            con.unregister("replaced_keys")
    if table.num_rows:
        con.register("incoming_staged", table)
        try:
            con.execute(
                f"INSERT INTO lake.staged.{contract.name} BY NAME SELECT * FROM incoming_staged"
            )
        finally:
            con.unregister("incoming_staged")
    if bad:
        _insert_quarantine(con, contract, [batch_id] * len(bad), bad)


def _insert_quarantine(
    con: duckdb.DuckDBPyConnection,
    contract: DatasetContract,
    batch_ids: list[str],
    rows: Sequence[tuple[str, str | None, str, str]],
) -> None:
    """Quarantine rows (position, origin, field, reason), each under its own batch."""
    now = meta.utcnow()
    quarantine = pa.table(
        {
            "_batch_id": pa.array(batch_ids, pa.string()),
            "_source_pos": pa.array([r[0] for r in rows], pa.string()),
            "_origin": pa.array([r[1] for r in rows], pa.string()),
            "field": pa.array([r[2] for r in rows], pa.string()),
            "reason": pa.array([r[3] for r in rows], pa.string()),
            "_rejected_row": pa.array([None] * len(rows), pa.binary()),
            "quarantined_at": pa.array([now] * len(rows), pa.timestamp("us")),
        }
    )
    con.register("incoming_quarantine", quarantine)
    try:
        con.execute(
            f"INSERT INTO lake.quarantine.{contract.name} BY NAME SELECT * FROM incoming_quarantine"
        )
    finally:
        con.unregister("incoming_quarantine")


def _reconcile(
    con: duckdb.DuckDBPyConnection, contract: DatasetContract, batch_id: str, result: StageResult
) -> None:
    raw = con.execute(
        f"SELECT count(*) FROM lake.raw.{contract.name} WHERE _batch_id = ?", [batch_id]
    ).fetchone()
    batch = con.execute(
        "SELECT rows_read, source FROM lake.meta.batches WHERE batch_id = ?", [batch_id]
    ).fetchone()
    read_at_source = batch[0] if batch else None
    if read_at_source is not None and read_at_source != result.rows_read:
        raise ReconciliationError(
            f"{contract.name} batch {batch_id}: source read {read_at_source} rows, staging saw "
            f"{result.rows_read}"
        )
    if result.rows_loaded + result.rows_quarantined != result.rows_read:
        raise ReconciliationError(
            f"{contract.name} batch {batch_id}: read {result.rows_read} != loaded "
            f"{result.rows_loaded} + quarantined {result.rows_quarantined}"
        )
    assert raw is not None
    con.execute(
        "INSERT INTO lake.meta.reconciliation VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            batch_id,
            contract.name,
            batch[1] if batch else None,
            result.rows_read,
            result.rows_loaded,
            result.rows_quarantined,
            json.dumps(dict(result.reasons), ensure_ascii=False),
            meta.utcnow(),
        ],
    )
