"""``shuzhi catalog``: what datasets and products exist, and their state."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.output import print_json, print_table

app = typer.Typer(help="The catalogue of datasets and products.", no_args_is_help=True)


def catalog_entries() -> list[dict[str, object]]:
    """One entry per asset the hub materialises (``catalog.assets``), with its contract's
    classification, rows in the lakehouse, last sync and freshness (``catalog.freshness``)."""
    from catalog.assets import catalogue_assets
    from catalog.contracts import LEVEL_GRADES, LEVELS, SHARING_LABELS
    from catalog.freshness import catalog_freshness
    from catalog.levels import strictest
    from lakehouse import meta
    from lakehouse.connection import table_exists
    from pipelines.hub import Hub

    hub = Hub.from_env()
    cat = hub.catalog
    entries: list[dict[str, object]] = []
    with hub.lake() as con:
        meta.ensure_meta(con)
        syncs = meta.last_syncs(con)
        fresh = catalog_freshness(cat, syncs, meta.last_builds(con))

        def count(table: str | None, source: str | None = None) -> int | None:
            if table is None or not table_exists(con, *table.split(".")):
                return None
            where, params = "", []
            if source is not None and len(cat.sources_for(table.split(".")[1])) > 1:
                # a channel's share of its dataset's raw table: the rows of its batches
                where = (
                    " WHERE _batch_id IN (SELECT batch_id FROM lake.meta.batches WHERE source = ?)"
                )
                params = [source]
            row = con.execute(f"SELECT count(*) FROM lake.{table}{where}", params).fetchone()
            return int(row[0]) if row else 0

        for asset in catalogue_assets(cat):
            if asset.dataset is not None:
                ds = cat.datasets[asset.dataset]
                freshness = fresh.sources[asset.source] if asset.source else fresh.datasets[ds.name]
                synced = [syncs[s.name] for s in cat.sources_for(ds.name) if s.name in syncs]
                last = syncs.get(asset.source) if asset.source else max(synced, default=None)
                entry: dict[str, object] = {
                    "title": ds.title if asset.layer != "quarantine" else f"{ds.title}（隔离）",
                    "owner": ds.owner,
                    "steward": ds.steward,
                    "level": ds.level,
                    "sharing": ds.sharing,
                    "last_sync": str(last) if last else None,
                    "sources": [asset.source]
                    if asset.source
                    else [s.name for s in cat.sources_for(ds.name)],
                }
            elif asset.product is not None:
                product = cat.products[asset.product]
                freshness = fresh.products[product.name]
                inputs_synced = [fresh.datasets[d].last_update for d in product.inputs]
                known = [t for t in inputs_synced if t is not None]
                entry = {
                    "title": product.title,
                    "owner": product.owner,
                    "steward": product.steward,
                    "level": product.level,
                    "downgraded_by": product.downgrade.by if product.downgrade else None,
                    "sharing": product.sharing,
                    "last_sync": str(min(known)) if known else None,
                }
            else:  # the data rooms: every product, each principal's share of it
                freshness = None
                entry = {
                    "title": "数据室（每个主体一个，按授权）",
                    "owner": None,
                    "steward": None,
                    "level": strictest(p.level for p in cat.products.values()),
                    "sharing": None,
                    "last_sync": None,
                }
            level = str(entry["level"])
            sharing = entry["sharing"]
            entries.append(
                {
                    "name": asset.name,
                    "kind": asset.kind,
                    "layer": asset.layer,
                    **entry,
                    "level_name": LEVELS[level].name,
                    "grade": LEVEL_GRADES[level],
                    "sharing_label": SHARING_LABELS[str(sharing)] if sharing else "按授权",
                    "table": asset.table,
                    "rows": count(asset.table, asset.source),
                    "quarantined": count(f"quarantine.{asset.dataset}")
                    if asset.layer == "staged"
                    else None,
                    "freshness": freshness.state if freshness else None,
                    "freshness_label": freshness.text() if freshness else None,
                    "stale": freshness.state == "stale" if freshness else None,
                    "fresh_within_hours": freshness.expected_hours if freshness else None,
                }
            )
    return entries


@app.command("list")
def list_(json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Everything the hub materialises (raw per source, staged, quarantine, protected, merged,
    products, rooms): owner, classification, sharing, rows, last sync and freshness (过期 when
    older than the contract's update.freshness_hours)."""
    entries = catalog_entries()
    if json_out:
        print_json(entries)
        return
    print_table(
        "Catalogue",
        ["name", "layer", "owner", "level", "grade", "sharing", "rows", "last sync", "freshness"],
        [
            [
                e["name"],
                e["layer"],
                e["owner"] or "-",
                f"{e['level']} {e['level_name']}",
                e["grade"],
                e["sharing_label"],
                "-" if e["rows"] is None else f"{e['rows']:,}",
                e["last_sync"] or "never",
                e["freshness_label"] or "-",
            ]
            for e in entries
        ],
    )


@app.command("export")
def export(
    name: str = typer.Argument(..., help="A dataset or product name, e.g. assistance."),
    fmt: str = typer.Option("odcs", "--format", help="Only odcs (Open Data Contract Standard v3)."),
    out: Path | None = typer.Option(None, "--out", help="Write to this file (default: print)."),
) -> None:
    """A contract in the Open Data Contract Standard (ODCS v3.2.0 YAML), checked against the
    ODCS JSON schema shipped in catalog/schemas/."""
    import yaml

    from catalog.odcs import export_odcs, odcs_problems
    from catalog.registry import load_catalog
    from cli.errors import CliError
    from home.layout import config_dir

    if fmt != "odcs":
        raise CliError(f"--format {fmt}: only odcs is supported")
    catalog = load_catalog(config_dir())
    contract = catalog.datasets.get(name) or catalog.products.get(name)
    if contract is None:
        known = ", ".join(sorted([*catalog.datasets, *catalog.products]))
        raise CliError(f"no dataset or product {name!r} in the catalogue (known: {known})")
    query = catalog.queries.get(name)
    document = export_odcs(
        contract,
        department_name=catalog.departments[contract.owner].name,
        glossary=catalog.glossary,
        sql=query.sql if query else None,
    )
    problems = odcs_problems(document)
    if problems:  # a bug of ours, never the steward's: say so rather than write it
        raise CliError(f"{name}: the export is not valid ODCS: " + "; ".join(problems))
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
    if out is None:
        print(text, end="")
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"{name}: ODCS {document['apiVersion']} contract written to {out}")


@app.command("import")
def import_(
    file: Path = typer.Argument(..., help="An ODCS v3 YAML file (from `catalog export`)."),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Write our contract YAML here, e.g. config/datasets/NAME.yaml (a product's SQL "
        "goes beside it as NAME.sql); default: print it.",
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite --out if it exists."),
) -> None:
    """An ODCS contract as our contract YAML: validated against the ODCS schema, then as a
    contract, then cross-checked with the catalogue (owner, steward, glossary, inputs)."""
    import yaml

    from catalog.errors import ConfigError
    from catalog.odcs import OdcsError, check_in_catalogue, contract_yaml, import_odcs
    from cli.errors import CliError
    from home.layout import config_dir

    try:
        document = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as problem:
        raise CliError(f"{file}: cannot read it as YAML: {problem}") from None
    try:
        contract, sql = import_odcs(document, str(file))
        check_in_catalogue(contract, sql, config_dir())
    except (OdcsError, ConfigError) as problem:
        raise CliError(str(problem)) from None
    text = contract_yaml(contract)
    if out is None:
        print(text, end="")
        return
    written = [out, *([out.with_suffix(".sql")] if sql is not None else [])]
    existing = [str(p) for p in written if p.exists()]
    if existing and not force:
        raise CliError(f"{', '.join(existing)} already exists; give --force to overwrite")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    if sql is not None:
        out.with_suffix(".sql").write_text(sql + "\n", encoding="utf-8")
    print(f"{contract.name}: contract written to {' and '.join(str(p) for p in written)}")


@app.command("columns")
def columns(
    dataset: str = typer.Argument(..., help="A dataset name, e.g. cases."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """A dataset's columns: declared level and protection beside the personal data detected."""
    from catalog.contracts import LEVELS, SHARING_LABELS
    from cli.errors import CliError
    from lakehouse.connection import table_exists
    from pipelines.hub import Hub

    hub = Hub.from_env()
    contract = hub.catalog.datasets.get(dataset)
    if contract is None:
        known = ", ".join(sorted(hub.catalog.datasets))
        raise CliError(f"no dataset {dataset!r} in the catalogue (known: {known})")
    detected: dict[str, tuple[object, ...]] = {}
    with hub.lake() as con:
        if table_exists(con, "meta", "pii_columns"):
            for row in con.execute(
                "SELECT column_name, entity, score, matched, sampled, also_seen, "
                "classified_at::VARCHAR FROM lake.meta.pii_columns WHERE dataset = ?",
                [dataset],
            ).fetchall():
                detected[row[0]] = row[1:]
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
    if json_out:
        print_json({"dataset": dataset, "columns": entries})
        return
    print_table(
        f"{dataset}: {contract.title}",
        ["column", "title", "type", "level", "protection", "detected", "confidence", "also seen"],
        [
            [
                e["column"],
                e["title"],
                e["type"],
                f"{e['level']} {e['grade']}",
                e["protection"],
                e["detected"] or ("-" if e["sampled"] is not None else "not classified"),
                "" if e["confidence"] is None else f"{e['confidence']:.2f}",
                e["also_seen"] or "",
            ]
            for e in entries
        ],
        caption="level: L1 public, L2 internal (一般), L3 sensitive (重要), L4 highly sensitive "
        "(核心); a column defaults to "
        + ", ".join(f"{lv} {SHARING_LABELS[info.default_sharing]}" for lv, info in LEVELS.items())
        + ". detected: from a sample of the staged data at the last protect step",
    )
