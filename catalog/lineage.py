"""Lineage for stewards: table level from the Dagster asset graph, column level from SQL.

Table level: the assets of a dataset (raw per source, staged, quarantine, protected,
merged) or of a product, and the assets just before and after them in the graph that
``pipelines.definitions`` builds from the catalogue (so the answer is Dagster's own).

Column level (products): each product column → the protected-layer columns its SQL
reads, traced by ``sqlglot.lineage`` against the schemas of ``lake.protected.*``
(``protection.protect_dataset.protected_select``) and the reference tables the build
registers (``products.reference_tables``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from catalog.assets import catalogue_assets

if TYPE_CHECKING:
    from dagster._core.definitions.assets.graph.asset_graph import AssetGraph
    from sqlglot import exp

    from catalog.registry import Catalog

# The reference tables a product's SQL may join (products.reference_tables).
REFERENCE_TABLES: dict[str, list[str]] = {
    "communities": ["code", "name", "street_code"],
    "grids": ["grid_code", "community_code", "street_code"],
}


@dataclass
class TableLineage:
    assets: list[str]  # the dataset's or product's own assets, in flow order
    upstream: list[str] = field(default_factory=list)
    downstream: list[str] = field(default_factory=list)


def own_assets(catalog: Catalog, name: str) -> list[str]:
    return [a.name for a in catalogue_assets(catalog) if a.dataset == name or a.product == name]


def asset_graph(catalog: Catalog) -> AssetGraph:
    """The Dagster asset graph ``pipelines.definitions`` builds from this catalogue."""
    from home.layout import config_dir
    from pipelines.definitions import build_definitions, defs

    # importing the module built the graph of the configured catalogue already
    built = defs if catalog.config_dir == config_dir() else build_definitions(catalog.config_dir)
    return built.resolve_asset_graph()


def table_lineage(catalog: Catalog, name: str) -> TableLineage:
    """Parents and children of ``name``'s assets in the Dagster graph (outside its own)."""
    import dagster as dg  # seconds to import: only when lineage is asked for

    graph = asset_graph(catalog)
    mine = own_assets(catalog, name)
    up: set[str] = set()
    down: set[str] = set()
    for asset in mine:
        node = graph.get(dg.AssetKey(asset))
        up |= {k.to_user_string() for k in node.parent_keys}
        down |= {k.to_user_string() for k in node.child_keys}
    return TableLineage(mine, sorted(up - set(mine)), sorted(down - set(mine)))


def protected_schema(catalog: Catalog) -> dict[str, dict[str, dict[str, dict[str, str]]]]:
    """``lake.protected.*`` as sqlglot wants a schema (types do not matter for lineage)."""
    from case_merge.build import merged_table
    from protection.protect_dataset import protected_select

    tables: dict[str, dict[str, str]] = {}
    for contract in catalog.datasets.values():
        # free text is carried into protected redacted, under its own name (protect step)
        redacted = [c.name for c in contract.columns if c.protection == "redact"]
        columns = [*protected_select(contract), *redacted]
        tables[contract.name] = dict.fromkeys(columns, "VARCHAR")
        if contract.merge is not None:
            merged = ["record_id", "_source", *contract.key, contract.merge.id_column]
            tables[merged_table(contract)] = {c: "VARCHAR" for c in [*merged, "case_records"]}
    return {"lake": {"protected": tables}}


def column_lineage(catalog: Catalog, product: str) -> dict[str, list[str]]:
    """Each product column → the ``dataset.column`` (or reference ``table.column``) it reads.

    A column whose SQL cannot be traced maps to an empty list rather than failing the
    whole view: lineage is shown to stewards, never used to decide anything.
    """
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError
    from sqlglot.lineage import lineage

    query = catalog.queries.get(product)
    if query is None:
        return {}
    schema = protected_schema(catalog)
    # sqlglot wants one nesting depth: the reference tables join the catalogue as lake.main
    schema["lake"]["main"] = {t: dict.fromkeys(c, "VARCHAR") for t, c in REFERENCE_TABLES.items()}
    ast = sqlglot.parse_one(query.sql, dialect="duckdb")
    ctes = {cte.alias_or_name: cte.this for cte in ast.find_all(exp.CTE)}
    for table in ast.find_all(exp.Table):
        if not table.args.get("db") and table.name in REFERENCE_TABLES and table.name not in ctes:
            table.set("db", exp.to_identifier("main"))
            table.set("catalog", exp.to_identifier("lake"))
    traced: dict[str, list[str]] = {}
    for column in catalog.products[product].columns:
        try:
            node = lineage(column.name, ast, schema=schema, dialect="duckdb")
        except (SqlglotError, KeyError, ValueError):
            traced[column.name] = []
            continue
        found: set[str] = set()
        for step in node.walk():
            if step.downstream:
                continue
            if isinstance(step.source, exp.Table):
                column_name = step.name.split(".")[-1]
                if step.source.name and column_name and column_name != "*":
                    found.add(f"{step.source.name}.{column_name}")
            else:  # count(*) and the like: the rows of every table the select reads
                found |= {f"{t}.*" for t in _tables_read(step.source, ctes)}
        traced[column.name] = sorted(found)
    return traced


def _tables_read(select: exp.Expr, ctes: dict[str, exp.Expr]) -> set[str]:
    """The base tables a select reads, through the CTEs it names."""
    from sqlglot import exp

    found: set[str] = set()
    seen: set[str] = set()
    todo = [select]
    while todo:
        for table in todo.pop().find_all(exp.Table):
            if table.name in ctes and not table.args.get("db"):
                if table.name not in seen:
                    seen.add(table.name)
                    todo.append(ctes[table.name])
            elif table.name:
                found.add(table.name)
    return found


def dataset_columns(traced: dict[str, list[str]]) -> dict[str, list[str]]:
    """The datasets a product reads, each with the columns read (protected names)."""
    read: dict[str, set[str]] = {}
    for sources in traced.values():
        for source in sources:
            table, _, column = source.partition(".")
            read.setdefault(table, set()).add(column)
    return {table: sorted(columns) for table, columns in sorted(read.items())}
