"""What a sync must prove before its batch is committed: the source delivered all of it.

Three comparisons, each refusing with one line that names the source and the numbers,
so the transaction rolls back and the last good batch stays published:

- complete: a full read got as many rows as the source says it holds;
- shrink: a full read is not smaller than the last full batch beyond the contract's
  tolerance, unless a steward accepted this shrink for the next sync;
- schema: the columns the source describes have the types they had at the last batch,
  unless a steward accepted the change (names are checked against the contract when
  each batch is aligned).
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.contracts import DatasetContract
from lakehouse.meta import BatchRecord

SHRINK = "shrink"
SCHEMA = "schema"
CHANGES = (SHRINK, SCHEMA)
# JSON sources describe a value, not a column: a null says nothing, and 1 and 1.5 are one kind.
_UNTYPED = {"null", ""}
_SAME_KIND = {"integer": "number"}


class IncompleteSync(RuntimeError):
    """The source says it holds more (or fewer) rows than the sync read; nothing published."""


class ShrinkRefused(RuntimeError):
    """A full sync read far fewer rows than the last one; nothing published."""


class SchemaTypeChanged(RuntimeError):
    """A source column changed type since the last batch; nothing published."""


@dataclass(frozen=True)
class Acceptance:
    steward: str
    reason: str


def accept_hint(source: str, change: str) -> str:
    return (
        f"If the source really changed, the dataset's steward accepts it for the next sync: "
        f'shuzhi sources accept {source} --change {change} --as STEWARD --reason "…"'
    )


def check_complete(source: str, declared_rows: int | None, rows_read: int) -> None:
    if declared_rows is not None and declared_rows != rows_read:
        raise IncompleteSync(
            f"source {source}: the source says it holds {declared_rows:,} rows but this full "
            f"sync read {rows_read:,}; nothing was published and the last good batch stays"
        )


def check_shrink(
    source: str,
    contract: DatasetContract,
    rows_read: int,
    previous: BatchRecord | None,
    accepted: Acceptance | None,
) -> str | None:
    """None when the size is within tolerance; a note when a steward's acceptance was used."""
    if previous is None or previous.rows_read == 0:
        return None
    floor = previous.rows_read * (1 - contract.max_shrink_ratio)
    if rows_read >= floor:
        return None
    drop = 1 - rows_read / previous.rows_read
    what = (
        f"this full sync read {rows_read:,} rows where the last full batch "
        f"{previous.batch_id} read {previous.rows_read:,} (-{drop:.0%}; the {contract.name} "
        f"contract allows -{contract.max_shrink_ratio:.0%})"
    )
    if accepted:
        return f"shrink accepted by {accepted.steward}: {what}"
    raise ShrinkRefused(
        f"source {source}: {what}; nothing was published and the last good batch stays. "
        + accept_hint(source, SHRINK)
    )


def _kind(type_name: str) -> str:
    name = type_name.strip().lower()
    return _SAME_KIND.get(name, name)


def type_changes(now: dict[str, str], before: dict[str, str]) -> list[str]:
    """'column: OLD → NEW' for each column both describe with a different type."""
    changes = []
    for column, new in now.items():
        old = before.get(column)
        if old is None or _kind(old) in _UNTYPED or _kind(new) in _UNTYPED:
            continue
        if _kind(old) != _kind(new):
            changes.append(f"{column}: {old} → {new}")
    return changes


def check_schema(
    source: str,
    now: dict[str, str],
    previous: BatchRecord | None,
    accepted: Acceptance | None,
) -> str | None:
    """None when no column changed type; a note when a steward's acceptance was used."""
    if previous is None or not now or not previous.source_schema:
        return None
    changes = type_changes(now, previous.source_schema)
    if not changes:
        return None
    what = f"columns changed type since batch {previous.batch_id}: {'; '.join(changes)}"
    if accepted:
        return f"schema change accepted by {accepted.steward}: {what}"
    raise SchemaTypeChanged(
        f"source {source}: {what}; nothing was published. " + accept_hint(source, SCHEMA)
    )
