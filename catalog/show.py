"""One dataset or product as a steward reads it (``shuzhi catalog show``).

Assembled from the parts that own each answer, never re-derived: the contract and
glossary (catalogue), the personal data detected at the last protect step
(lake.meta.pii_columns), freshness (``catalog.freshness``), the last quality run
(lake.meta.quality_results), lineage (``catalog.lineage``) and who sees it how, decided
for every principal by the one policy engine (``policies.engine.decide``; for a dataset,
through the products built on it, and its re-identification by
``policies.reveal_decision``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from catalog.contracts import LEVELS, SHARING_LABELS, DatasetContract, ProductContract

if TYPE_CHECKING:
    import duckdb

    from catalog.registry import Catalog
    from policies.models import PolicySet


def contract_summary(catalog: Catalog, contract: DatasetContract | ProductContract) -> dict:
    owner = catalog.departments.get(contract.owner)
    return {
        "name": contract.name,
        "kind": "dataset" if isinstance(contract, DatasetContract) else "product",
        "title": contract.title,
        "description": " ".join(contract.description.split()),
        "owner": contract.owner,
        "owner_name": owner.name if owner else None,
        "steward": contract.steward,
        "level": contract.level,
        "grade": LEVELS[contract.level].grade,
        "sharing": contract.sharing,
        "sharing_label": SHARING_LABELS[contract.sharing],
        "refusal_reason": getattr(contract, "refusal_reason", None),
        "update": contract.update.model_dump(),
        "retention": contract.retention.model_dump() if contract.retention else None,
        "glossary": [
            {"term": t, "meaning": e.meaning if e else None, "also": e.also if e else []}
            for t in contract.glossary
            for e in [catalog.glossary.get(t)]
        ],
        "downgrade": contract.downgrade.model_dump()
        if isinstance(contract, ProductContract) and contract.downgrade
        else None,
    }


def detected_pii(con: duckdb.DuckDBPyConnection, dataset: str) -> dict[str, tuple]:
    """column → (entity, score, matched, sampled, also_seen, classified_at) of the last census."""
    from lakehouse.connection import table_exists

    if not table_exists(con, "meta", "pii_columns"):
        return {}
    from lakehouse.meta import utc_iso

    return {
        row[0]: (*row[1:6], utc_iso(row[6]))
        for row in con.execute(
            "SELECT column_name, entity, score, matched, sampled, also_seen, "
            "classified_at FROM lake.meta.pii_columns WHERE dataset = ?",
            [dataset],
        ).fetchall()
    }


def dataset_columns(contract: DatasetContract, detected: dict[str, tuple]) -> list[dict]:
    entries = []
    for spec in contract.columns:
        entity, score, matched, sampled, also, at = detected.get(spec.name, (None,) * 6)
        entries.append(
            {
                "column": spec.name,
                "title": spec.title,
                "type": spec.type,
                "level": spec.level,
                "level_name": LEVELS[spec.level].name,
                "grade": LEVELS[spec.level].grade,
                "default_sharing": LEVELS[spec.level].default_sharing,
                "protection": spec.protection,
                "detected": entity,
                "confidence": score,
                "matched": matched,
                "sampled": sampled,
                "also_seen": also or None,
                "reviewed": dict(spec.reviewed) or None,
                "classified_at": at,
            }
        )
    return entries


def product_columns(product: ProductContract, traced: dict[str, list[str]]) -> list[dict]:
    return [
        {
            "column": c.name,
            "title": c.title,
            "level": c.level,
            "level_name": LEVELS[c.level].name,
            "grade": LEVELS[c.level].grade,
            "sharing": c.effective_sharing,
            "protection": f"sealed from {c.sealed_from}"
            if c.sealed_from
            else (f"token ({c.token_domain})" if c.token_domain else "none"),
            "reads": traced.get(c.name, []),
        }
        for c in product.columns
    ]


def last_quality(con: duckdb.DuckDBPyConnection, dataset: str) -> dict | None:
    """The dataset's latest check run, whole-dataset rows only (quality.results)."""
    from lakehouse.meta import utc_iso
    from quality.results import ensure_results

    ensure_results(con)
    rows = con.execute(
        """SELECT rule, "column", on_fail, success, rows_checked, failing_rows, failing_share,
                  checked_at, batch_id
           FROM lake.meta.quality_results
           WHERE dataset = ? AND community IS NULL AND checked_at = (
               SELECT max(checked_at) FROM lake.meta.quality_results WHERE dataset = ?)
           ORDER BY rule""",
        [dataset, dataset],
    ).fetchall()
    if not rows:
        return None
    return {
        "checked_at": utc_iso(rows[0][7]),
        "batch_id": rows[0][8],
        "passed": all(r[3] for r in rows),
        "rules": [
            {
                "rule": r[0],
                "column": r[1],
                "on_fail": r[2],
                "success": bool(r[3]),
                "rows_checked": int(r[4]),
                "failing_rows": int(r[5]),
                "failing_share": float(r[6]),
            }
            for r in rows
        ],
    }


def product_readers(catalog: Catalog, policies: PolicySet, product: str) -> list[dict]:
    """Every principal's decision on the product, by the one engine."""
    from policies.engine import decide

    readers = []
    for who in policies.principals:
        decision = decide(who.id, catalog.products[product], policies)
        treatments: dict[str, list[str]] = {}
        for column in decision.columns:
            shown = column.treatment + (f":{column.mask}" if column.mask else "")
            treatments.setdefault(shown, []).append(column.name)
        readers.append(
            {
                "principal": who.id,
                "kind": who.kind,
                "name": who.name,
                "allowed": decision.allowed,
                "rows": decision.row_filter.description
                if decision.row_filter
                else ("district" if decision.allowed else None),
                "treatments": treatments if decision.allowed else {},
                "grants": decision.grants,
                "because": decision.reasons[0] if decision.reasons else "",
            }
        )
    return readers


def dataset_readers(catalog: Catalog, policies: PolicySet, dataset: str) -> list[dict]:
    """Who sees the dataset: through which products (engine decisions), and whether they
    may re-identify its sealed columns (``policies.reveal_decision``)."""
    from policies.engine import decide
    from policies.reveal_decision import decide_reveal

    contract = catalog.datasets[dataset]
    using = [p for p in catalog.products.values() if dataset in p.inputs]
    readers = []
    for who in policies.principals:
        products = [p.name for p in using if decide(who.id, p, policies).allowed]
        reveal = decide_reveal(who.id, contract, policies)
        readers.append(
            {
                "principal": who.id,
                "kind": who.kind,
                "name": who.name,
                "allowed": bool(products) or reveal.allowed,
                "through_products": products,
                "reveal": reveal.allowed,
                "reveal_because": reveal.reasons[0] if reveal.reasons else "",
            }
        )
    return readers
