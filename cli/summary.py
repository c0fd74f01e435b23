"""The demo's closing summary: reconciliation per source, products, rooms."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from demo.manifest import DemoManifest
    from demo.sign_ins import DemoSignIn
    from pipelines.hub import Hub
    from pipelines.run import RunOutcome

from cli.output import print_table


def print_demo_summary(
    hub: Hub, manifest: DemoManifest, outcome: RunOutcome, seconds: float
) -> None:
    from lakehouse.connection import table_exists
    from pipelines.steps import reconciliation

    expected = {m.source: m for m in manifest.sources.values()}
    rows = []
    for rec in reconciliation(hub):
        top = sorted(rec.reasons.items(), key=lambda kv: -kv[1])
        planted = expected.get(rec.source)
        rows.append(
            [
                rec.source,
                rec.dataset,
                f"{rec.rows_read:,}",
                f"{rec.rows_loaded:,}",
                f"{rec.rows_quarantined:,}",
                "✓" if rec.holds else "✗",
                f"{planted.expected_quarantined:,}" if planted else "-",
                "\n".join(f"{k}: {v:,}" for k, v in top),
            ]
        )
    all_ok = all(r[5] == "✓" for r in rows)
    print_table(
        "Reconciliation per source and channel (read = loaded + quarantined)",
        [
            "source",
            "dataset",
            "read",
            "loaded",
            "quarantined",
            "reconciles",
            "dirt planted",
            "quarantine reasons",
        ],
        rows,
    )
    _print_merges(hub, manifest)
    with hub.lake() as con:
        product_rows = []
        for name, product in hub.catalog.products.items():
            rows_text = "not built"
            if table_exists(con, "products", name):
                count = con.execute(f"SELECT count(*) FROM lake.products.{name}").fetchone()
                rows_text = f"{count[0]:,}" if count else "0"
            product_rows.append([name, product.title, product.level, rows_text])
    print_table("Products", ["product", "title", "level", "rows"], product_rows)
    rooms = sorted(p.name for p in hub.home.rooms.glob("*.duckdb") if not p.name.startswith("."))
    status = "succeeded" if outcome.success else "FAILED"
    print(
        f"run {outcome.run_id} {status} in {seconds:.0f}s; {len(rooms)} data rooms in "
        f"{hub.home.rooms}; reconciliation {'holds' if all_ok else 'BROKEN'} for every source"
    )
    print(
        'next: shuzhi query --as street_donghu --purpose street_governance "select * from street_case_stats limit 5"'
    )


def print_demo_sign_ins(sign_ins: list[DemoSignIn], file: Path) -> None:
    """Who can sign in to the pages, with which password (shown here and kept in ``file``)."""
    from demo.sign_ins import SERVE_URL

    print_table(
        "Sign in to the web pages",
        ["who", "principal", "role", "login", "password"],
        [[s.who, s.principal, s.role, s.login, s.password] for s in sign_ins],
        caption=f"also in {file} (0600); new passwords on every demo run",
    )
    print(f"then: shuzhi serve, and open {SERVE_URL}")


def _print_merges(hub: Hub, manifest: DemoManifest) -> None:
    """Per dataset with a merge rule: channel records merged into cases, beside the truth."""
    from case_merge.build import merge_counts

    truth = manifest.merges
    with hub.lake() as con:
        for name, contract in hub.catalog.datasets.items():
            if contract.merge is None:
                continue
            counts = merge_counts(con, contract)
            if counts is None:
                print(f"{name}: not merged (the merge step did not run)")
                continue
            print(
                f"{name}: {counts.merged_records:,} channel records merged into "
                f"{counts.merged_cases:,} cases (planted: {truth.records:,} into "
                f"{truth.cases:,}); {counts.records:,} records are {counts.cases:,} cases in all"
            )
