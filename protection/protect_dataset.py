"""staged → protected: redact free text, and refuse undeclared personal data.

The protected layer is what products are built from. Free-text columns get a
redacted version (personal data found by the detector replaced by
``[ENTITY]``) beside the sealed original. Every column the contract leaves
unprotected is sampled through the detector: if personal data turns up there,
the stage stops (deny by default) and names the dataset, column and entity,
never the value (``protection.pii_census``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from catalog.contracts import DatasetContract
from encryption.field_cipher import open_column
from encryption.keystore import KeyStore
from lakehouse.arrow_insert import create_from_arrow, insert_arrow
from lakehouse.connection import lake_transaction
from metering.costs import CRYPTO, PII, metered
from protection.pii_census import take_census

READ_ROWS = 50_000


@dataclass
class ProtectResult:
    dataset: str
    rows: int = 0
    entity_counts: Counter[str] = field(default_factory=Counter)
    rows_redacted: int = 0
    columns_scanned: list[str] = field(default_factory=list)
    # column → the entity the census found in it (None: nothing found).
    detected: dict[str, str | None] = field(default_factory=dict)


def protected_select(contract: DatasetContract) -> list[str]:
    """Staged columns carried into protected (free text is added redacted)."""
    cols = []
    for spec in contract.columns:
        if spec.protection == "token+seal":
            cols.append(f"{spec.name}_token")
        if spec.protection != "none":
            cols.append(f"{spec.name}_sealed")
        else:
            cols.append(spec.name)
    return [*cols, "_batch_id", "_source_pos", "_source"]


def protect(
    con: duckdb.DuckDBPyConnection, contract: DatasetContract, keystore: KeyStore
) -> ProtectResult:
    from pii.parallel import PARALLEL_MIN_ROWS, available_workers, prestart
    from pii.text_scan import redact_column

    result = ProtectResult(contract.name)
    redact_cols = [c.name for c in contract.columns if c.protection == "redact"]
    workers = 1
    if redact_cols:
        staged = con.execute(f"SELECT count(*) FROM lake.staged.{contract.name}").fetchone()
        # Start workers only for a table large enough to be split; they start while
        # the census runs.
        if staged and staged[0] >= PARALLEL_MIN_ROWS:
            workers = available_workers()
            prestart(workers)
    with metered(PII):
        census = take_census(con, contract, keystore)
    result.columns_scanned = [item.spec.name for item in census]
    result.detected = {item.spec.name: item.classification.entity for item in census}
    select = ", ".join(f'"{c}"' for c in protected_select(contract))

    with lake_transaction(con):
        con.execute(f"DROP TABLE IF EXISTS lake.protected.{contract.name}")
        created = False
        # A cursor of its own: a statement on ``con`` would close a reader opened on it.
        reader = (
            con.cursor()
            .execute(f"SELECT {select} FROM lake.staged.{contract.name}")
            .fetch_record_batch(READ_ROWS)
        )
        for batch in reader:
            table = pa.Table.from_batches([batch])
            for name in redact_cols:
                with metered(CRYPTO, table.num_rows):
                    clear = open_column(
                        table.column(f"{name}_sealed"),
                        dataset=contract.name,
                        column=name,
                        keystore=keystore,
                    )
                with metered(PII, table.num_rows):
                    redaction = redact_column(clear, workers=workers)
                table = table.append_column(name, redaction.redacted)
                result.entity_counts.update(redaction.entity_counts)
                result.rows_redacted += redaction.rows_with_pii
            if not created:
                create_from_arrow(con, f"lake.protected.{contract.name}", table)
                created = True
            else:
                insert_arrow(con, f"lake.protected.{contract.name}", table)
            result.rows += table.num_rows
        if not created:
            con.execute(
                f"CREATE TABLE lake.protected.{contract.name} AS SELECT {select}"
                + "".join(f', NULL::VARCHAR AS "{n}"' for n in redact_cols)
                + f" FROM lake.staged.{contract.name} LIMIT 0"
            )
    return result
