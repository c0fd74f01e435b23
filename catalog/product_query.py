"""A product's SQL, kept as data beside its contract: ``config/products/<name>.sql``.

Like a dbt model, the file holds one ``SELECT`` over ``lake.protected.*`` and
the reference tables the build registers (``communities``, ``grids``). Values
come in as DuckDB named parameters (``$today``, ``$threshold``, ``$window_days``…),
each declared in the contract's ``parameters`` with its meaning. When the
catalogue loads, DuckDB's own parser reads the file and the parameters it uses
must be exactly those the contract declares: a parameter used but not declared,
declared but not used, or a positional ``$1``/``?`` is an error naming the file
and the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from catalog.contracts import ProductContract
from catalog.errors import ConfigError


@dataclass(frozen=True)
class ProductQuery:
    """One product's SQL and the named parameters it uses."""

    product: str
    path: Path
    sql: str
    parameters: frozenset[str]


def query_path(products_dir: Path, product: str) -> Path:
    return products_dir / f"{product}.sql"


def load_product_query(products_dir: Path, contract: ProductContract) -> ProductQuery:
    """Read ``<name>.sql`` beside the contract and check it against the contract."""
    import duckdb  # the parser is DuckDB's own; imported here, off the CLI's start path

    path = query_path(products_dir, contract.name)
    contract_path = products_dir / f"{contract.name}.yaml"
    if not path.is_file():
        raise ConfigError(
            f"{path}: missing; product {contract.name} ({contract_path}) needs its SQL "
            "beside the contract"
        )
    sql = path.read_text(encoding="utf-8").strip().rstrip(";").strip()
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise ConfigError(f"{path}: not valid SQL: {' '.join(str(exc).split())}") from None
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        raise ConfigError(f"{path}: must hold exactly one SELECT statement")
    used = set(statements[0].named_parameters)
    positional = sorted(p for p in used if p.isdigit())
    if positional:
        raise ConfigError(
            f"{path}: positional parameters (${', $'.join(positional)} or ?) are not allowed; "
            f"name them ($today, $threshold…) and declare them in {contract_path} under parameters"
        )
    declared = set(contract.parameters)
    undeclared = sorted(used - declared)
    if undeclared:
        raise ConfigError(
            f"{contract_path}: parameters: {path.name} uses "
            f"{', '.join('$' + p for p in undeclared)}, which the contract does not declare "
            "(add each with its type and meaning)"
        )
    unused = sorted(declared - used)
    if unused:
        raise ConfigError(
            f"{contract_path}: parameters.{unused[0]}: declared but {path.name} does not use "
            f"${unused[0]}; remove it or use it"
        )
    return ProductQuery(contract.name, path, sql, frozenset(used))
