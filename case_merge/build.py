"""Group a dataset's channel records into cases, by its contract's merge rules.

1. Candidates, per rule in contract order: two records (of different sources unless the
   contract says otherwise) sharing the rule's join token and received within its
   window. Their redacted texts are compared (``case_merge.similarity``); a pair at or
   above the rule's threshold is linked by the first rule it meets.
2. The steward's overrides (``case_merge.overrides``), oldest first: ``split`` cuts every
   link of a record made so far (automatic or forced), ``merge`` adds a forced link.
3. Cases are the connected groups of links; every record has one (a record alone is a
   case of one). Forced links join first; then automatic links, strongest first (highest
   similarity, then shortest gap). Where the contract merges across sources only, a link
   that would put two records of one channel into one case is left out (a reporter who
   rang the hotline twice about two matters, each like one WeChat message, must not chain
   the two calls into one case through it); the evidence keeps only the links used. A
   case's id comes from its earliest record, so it stays while that record stays.

Writes ``lake.protected.<dataset>_merged`` (one row per record: record_id, _source, the
key, the case id and how many records the case has) and
``lake.protected.<dataset>_merge_links`` (one row per link: the two records, the rule,
the token column they share, the hours between them and the similarity; tokens'
names and numbers only, never a value).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from case_merge.overrides import Override, load_overrides
from case_merge.similarity import bigrams, dice
from catalog.contracts import DatasetContract, MergeSpec
from lakehouse.connection import lake_transaction, table_exists

STEWARD_RULE = "steward"


@dataclass(frozen=True)
class Link:
    """Two records linked into one case, with the evidence (names and numbers only)."""

    first: str  # record id, the earlier of the two
    second: str
    rule: str  # a merge rule's name, or "steward" for a forced merge
    same: str | None  # the token column they share (None for a forced merge)
    gap_hours: float | None
    similarity: float | None
    override_id: str | None = None


@dataclass
class MergeResult:
    dataset: str
    records: int = 0
    cases: int = 0
    merged_records: int = 0  # records in cases of two or more
    merged_cases: int = 0  # cases of two or more records
    links: Counter[str] = field(default_factory=Counter)  # by rule
    overrides: int = 0
    stale_overrides: list[str] = field(default_factory=list)  # naming records gone since


def merged_table(contract: DatasetContract) -> str:
    return f"{contract.name}_merged"


def links_table(contract: DatasetContract) -> str:
    return f"{contract.name}_merge_links"


def record_id_sql(contract: DatasetContract, alias: str = "") -> str:
    """SQL for a record's id: its source, then its key (``hl_cases:GD2026110300012``)."""
    prefix = f"{alias}." if alias else ""
    key = " || '/' || ".join(f"CAST({prefix}{k} AS VARCHAR)" for k in contract.key)
    return f"{prefix}_source || ':' || {key}"


def _spec(contract: DatasetContract) -> MergeSpec:
    if contract.merge is None:
        raise ValueError(f"dataset {contract.name} has no merge: block in its contract")
    return contract.merge


def _candidates(
    con: duckdb.DuckDBPyConnection, contract: DatasetContract, spec: MergeSpec
) -> list[tuple[str, str, int, float]]:
    """(first, second, rule index, hours apart) of every pair a rule's token and window
    allow, earliest rule first; the first of a pair is the earlier record."""
    rid_a, rid_b = record_id_sql(contract, "a"), record_id_sql(contract, "b")
    t = spec.time_column
    across = "AND a._source <> b._source" if spec.across_sources_only else ""
    out = []
    for index, rule in enumerate(spec.rules):
        token = f"{rule.same}_token"
        rows = con.execute(
            f"""SELECT {rid_a}, {rid_b}, abs(epoch(a.{t}) - epoch(b.{t})) / 3600.0
                FROM lake.protected.{contract.name} a
                JOIN lake.protected.{contract.name} b
                  ON a.{token} = b.{token}
                 AND (a.{t}, {rid_a}) < (b.{t}, {rid_b}) {across}
                WHERE abs(epoch(a.{t}) - epoch(b.{t})) <= ?""",
            [rule.within_hours * 3600],
        ).fetchall()
        out += [(a, b, index, float(gap)) for a, b, gap in rows]
    return out


def _texts(
    con: duckdb.DuckDBPyConnection, contract: DatasetContract, spec: MergeSpec, ids: set[str]
) -> dict[str, frozenset[str]]:
    """The bigrams of the redacted text of each record named."""
    if not ids:
        return {}
    wanted = pa.table({"record_id": pa.array(sorted(ids), pa.string())})
    con.register("merge_wanted", wanted)
    try:
        rows = con.execute(
            f"""SELECT w.record_id, p.{spec.text_column}
                FROM lake.protected.{contract.name} p
                JOIN merge_wanted w ON w.record_id = {record_id_sql(contract, "p")}"""
        ).fetchall()
    finally:
        con.unregister("merge_wanted")
    return {rid: bigrams(text) for rid, text in rows}


def automatic_links(con: duckdb.DuckDBPyConnection, contract: DatasetContract) -> list[Link]:
    """Links the contract's rules make, each pair by the first rule it meets."""
    spec = _spec(contract)
    candidates = _candidates(con, contract, spec)
    grams = _texts(con, contract, spec, {c[0] for c in candidates} | {c[1] for c in candidates})
    links: dict[tuple[str, str], Link] = {}
    for first, second, index, gap in candidates:
        if (first, second) in links:
            continue
        rule = spec.rules[index]
        score = dice(grams.get(first, frozenset()), grams.get(second, frozenset()))
        if score >= rule.min_similarity:
            links[(first, second)] = Link(
                first, second, rule.name, rule.same, round(gap, 2), round(score, 3)
            )
    return list(links.values())


def apply_overrides(
    links: list[Link], overrides: list[Override], known: set[str], result: MergeResult
) -> list[Link]:
    """The links once the steward's overrides are applied, oldest first."""
    kept = list(links)
    for override in overrides:
        gone = [r for r in override.records if r not in known]
        if gone:
            result.stale_overrides.append(override.override_id)
            continue
        result.overrides += 1
        if override.action == "split":
            record = override.records[0]
            kept = [link for link in kept if record not in (link.first, link.second)]
        else:
            first, second = override.records
            kept.append(Link(first, second, STEWARD_RULE, None, None, None, override.override_id))
    return kept


def case_id(record_id: str) -> str:
    """A case's id, from its earliest record's id: stable while that record stays."""
    return "C-" + hashlib.sha256(record_id.encode("utf-8")).hexdigest()[:10]


def _groups(
    order: list[str], links: list[Link], source_of: dict[str, str] | None
) -> tuple[dict[str, str], list[Link]]:
    """record id → the id of its case's earliest record (``order`` is earliest first), and
    the links used. With ``source_of`` (across sources only), no case holds two records
    of one source: an automatic link that would make one is not used."""
    parent = {rid: rid for rid in order}
    rank = {rid: i for i, rid in enumerate(order)}
    sources = {rid: {source_of[rid]} if source_of else set() for rid in order}

    def root(rid: str) -> str:
        while parent[rid] != rid:
            parent[rid] = parent[parent[rid]]
            rid = parent[rid]
        return rid

    def strength(link: Link) -> tuple[bool, float, float]:
        forced = link.rule == STEWARD_RULE
        return (not forced, -(link.similarity or 0.0), link.gap_hours or 0.0)

    used = []
    for link in sorted(links, key=strength):
        a, b = root(link.first), root(link.second)
        if a == b:
            used.append(link)
            continue
        if link.rule != STEWARD_RULE and sources[a] & sources[b]:
            continue
        # the earlier record stays the root, so the case is named after it
        keep, joined = (a, b) if rank[a] < rank[b] else (b, a)
        parent[joined] = keep
        sources[keep] |= sources.pop(joined)
        used.append(link)
    return {rid: root(rid) for rid in order}, used


def merge_cases(con: duckdb.DuckDBPyConnection, contract: DatasetContract) -> MergeResult:
    """(Re)build the dataset's merge tables from its protected layer and the overrides."""
    spec = _spec(contract)
    result = MergeResult(contract.name)
    if not table_exists(con, "protected", contract.name):
        raise ValueError(
            f"{contract.name} has no protected table yet: protect it before merging its records"
        )
    key = ", ".join(contract.key)
    records = con.execute(
        f"""SELECT {record_id_sql(contract)} AS record_id, _source, {key}
            FROM lake.protected.{contract.name}
            ORDER BY {spec.time_column} NULLS LAST, record_id"""
    ).fetch_arrow_table()
    order = records.column("record_id").to_pylist()
    links = automatic_links(con, contract)
    links = apply_overrides(links, load_overrides(con, contract.name), set(order), result)
    source_of = (
        dict(zip(order, records.column("_source").to_pylist(), strict=True))
        if spec.across_sources_only
        else None
    )
    first_of, links = _groups(order, links, source_of)
    sizes = Counter(first_of.values())
    ids = {first: case_id(first) for first in sizes}
    merged = records.append_column(
        spec.id_column, pa.array([ids[first_of[r]] for r in order], pa.string())
    ).append_column("case_records", pa.array([sizes[first_of[r]] for r in order], pa.int32()))
    evidence = pa.table(
        {
            spec.id_column: pa.array([ids[first_of[k.first]] for k in links], pa.string()),
            "record_id": pa.array([k.second for k in links], pa.string()),
            "linked_to": pa.array([k.first for k in links], pa.string()),
            "rule": pa.array([k.rule for k in links], pa.string()),
            "same_token": pa.array([k.same for k in links], pa.string()),
            "gap_hours": pa.array([k.gap_hours for k in links], pa.float64()),
            "similarity": pa.array([k.similarity for k in links], pa.float64()),
            "override_id": pa.array([k.override_id for k in links], pa.string()),
        }
    )
    with lake_transaction(con):
        for name, table in ((merged_table(contract), merged), (links_table(contract), evidence)):
            con.register("incoming_merge", table)
            try:
                con.execute(
                    f"CREATE OR REPLACE TABLE lake.protected.{name} AS SELECT * FROM incoming_merge"
                )
            finally:
                con.unregister("incoming_merge")
    result.records = len(order)
    result.cases = len(sizes)
    result.merged_cases = sum(1 for n in sizes.values() if n > 1)
    result.merged_records = sum(n for n in sizes.values() if n > 1)
    result.links.update(link.rule for link in links)
    return result


@dataclass(frozen=True)
class MergeCounts:
    records: int
    cases: int
    merged_records: int
    merged_cases: int


def merge_counts(con: duckdb.DuckDBPyConnection, contract: DatasetContract) -> MergeCounts | None:
    """What the last merge run left: None when the dataset was never merged."""
    if not table_exists(con, "protected", merged_table(contract)):
        return None
    spec = _spec(contract)
    row = con.execute(
        f"""SELECT count(*), count(DISTINCT {spec.id_column}),
                   count(*) FILTER (WHERE case_records > 1),
                   count(DISTINCT {spec.id_column}) FILTER (WHERE case_records > 1)
            FROM lake.protected.{merged_table(contract)}"""
    ).fetchone()
    assert row is not None
    return MergeCounts(*(int(v) for v in row))
