"""``shuzhi catalog``: what datasets and products exist, and their state."""

from __future__ import annotations

import copy
import getpass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from cli.output import print_json, print_table

if TYPE_CHECKING:
    from catalog.assessment import DepartmentAssessment
    from catalog.contracts import DatasetContract, ProductContract
    from pipelines.hub import Hub

app = typer.Typer(help="The catalogue of datasets and products.", no_args_is_help=True)


def catalog_entries(hub: Hub | None = None) -> list[dict[str, object]]:
    """One entry per asset the hub materialises (``catalog.assets``), with its contract's
    classification, rows in the lakehouse, last sync and freshness (``catalog.freshness``).
    ``hub``: the hub to read (the steward's pages pass the service's); default the CLI's."""
    from catalog.assets import catalogue_assets
    from catalog.contracts import LEVEL_GRADES, LEVELS, SHARING_LABELS
    from catalog.freshness import catalog_freshness
    from catalog.levels import strictest
    from lakehouse import meta
    from lakehouse.connection import lake_tables
    from lakehouse.sql_text import sql_string

    hub = hub or _hub()
    cat = hub.catalog
    entries: list[dict[str, object]] = []
    with hub.lake() as con:
        meta.ensure_meta(con)
        syncs = meta.last_syncs(con)
        fresh = catalog_freshness(cat, syncs, meta.last_builds(con))
        existing = lake_tables(con)

        def count(table: str | None, source: str | None = None) -> int | None:
            if table is None or tuple(table.split(".")) not in existing:
                return None
            where = ""
            if source is not None and len(cat.sources_for(table.split(".")[1])) > 1:
                # a channel's share of its dataset's raw table: the rows of its batches
                # (the source's name written in: a bound parameter would import pandas)
                where = (
                    " WHERE _batch_id IN (SELECT batch_id FROM lake.meta.batches "
                    f"WHERE source = {sql_string(source)})"
                )
            row = con.execute(f"SELECT count(*) FROM lake.{table}{where}").fetchone()
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
                    "last_sync": meta.utc_iso(last),
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
                    "last_sync": meta.utc_iso(min(known, default=None)),
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
    name: str = typer.Argument(..., help="A dataset or product name, e.g. cases."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """A dataset's columns (declared level and protection beside the personal data
    detected) or a product's (level, sharing and protection, as `catalog show` gives them)."""
    from catalog.contracts import LEVELS, SHARING_LABELS, DatasetContract
    from catalog.show import dataset_columns, detected_pii, product_columns

    hub, contract = _contract_named(name)
    if not isinstance(contract, DatasetContract):
        entries = product_columns(contract, {})
        for entry in entries:
            del entry["reads"]  # the column lineage is `catalog show`'s (a sqlglot trace)
        if json_out:
            print_json({"product": name, "columns": entries})
            return
        print_table(
            f"{name}: {contract.title}",
            ["column", "title", "level", "sharing", "protection"],
            [
                [e["column"], e["title"], f"{e['level']} {e['grade']}",
                 SHARING_LABELS[e["sharing"]], e["protection"]]
                for e in entries
            ],
            caption="the treatment each principal gets: `shuzhi access explain "
            f"{name} --as PRINCIPAL`",
        )  # fmt: skip
        return
    with hub.lake() as con:
        entries = dataset_columns(contract, detected_pii(con, name))
    if json_out:
        print_json({"dataset": name, "columns": entries})
        return
    print_table(
        f"{name}: {contract.title}",
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


def _contract_named(
    name: str, hub: Hub | None = None
) -> tuple[Hub, DatasetContract | ProductContract]:
    from cli.errors import CliError

    hub = hub or _hub()
    contract = hub.catalog.datasets.get(name) or hub.catalog.products.get(name)
    if contract is None:
        known = ", ".join(sorted([*hub.catalog.datasets, *hub.catalog.products]))
        raise CliError(f"no dataset or product {name!r} in the catalogue (known: {known})")
    return hub, contract


def show_entry(name: str, hub: Hub | None = None) -> dict[str, Any]:
    """Everything ``catalog show`` prints, as one dict (also its --json); ``hub`` as for
    ``catalog_entries``."""
    from catalog import show
    from catalog.contracts import DatasetContract
    from catalog.freshness import catalog_freshness
    from catalog.lineage import column_lineage, dataset_columns, table_lineage
    from lakehouse import meta
    from lakehouse.read_cache import read_cached

    hub, contract = _contract_named(name, hub)
    catalog = hub.catalog
    entry: dict[str, Any] = show.contract_summary(catalog, contract)

    def read_lake() -> dict[str, Any]:
        facts: dict[str, Any] = {}
        with hub.lake() as con:
            meta.ensure_meta(con)
            fresh = catalog_freshness(catalog, meta.last_syncs(con), meta.last_builds(con))
            if isinstance(contract, DatasetContract):
                facts["freshness"] = fresh.datasets[name].as_dict()
                facts["columns"] = show.dataset_columns(contract, show.detected_pii(con, name))
                facts["quality"] = show.last_quality(con, name)
            else:
                facts["freshness"] = fresh.products[name].as_dict()
                inputs = {d: show.last_quality(con, d) for d in contract.inputs}
                facts["quality"] = {
                    "inputs": {d: (q["passed"] if q else None) for d, q in inputs.items()}
                }
        return facts

    # The lake's part only (a served page shows it again and again); who reads it is the
    # engine's, decided fresh below.
    entry.update(copy.deepcopy(read_cached(hub, ("show_entry", name), read_lake)))
    lineage = table_lineage(catalog, name)
    entry["lineage"] = {
        "assets": lineage.assets,
        "upstream": lineage.upstream,
        "downstream": lineage.downstream,
    }
    policies = hub.policies
    if isinstance(contract, DatasetContract):
        # where the raw copies come from: the department systems (connectors)
        entry["lineage"]["sources"] = [
            {"source": s.name, "department": catalog.department_of_source(s.name).id}
            for s in catalog.sources_for(name)
        ]
        entry["lineage"]["read_by_products"] = sorted(
            p.name for p in catalog.products.values() if name in p.inputs
        )
        entry["readers"] = show.dataset_readers(catalog, policies, name)
    else:
        # Tracing each column through the SQL (sqlglot) costs up to a second a product and
        # changes only with the contracts: kept for a served page's next view.
        traced = copy.deepcopy(
            read_cached(hub, ("column_lineage", name), lambda: column_lineage(catalog, name))
        )
        entry["columns"] = show.product_columns(contract, traced)
        entry["lineage"]["upstream_columns"] = dataset_columns(traced)
        entry["readers"] = show.product_readers(catalog, policies, name)
    return entry


@app.command("show")
def show_(
    name: str = typer.Argument(..., help="A dataset or product name, e.g. street_case_stats."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """One dataset or product for stewards: contract, columns (level, grade, declared and
    detected personal data), freshness, last quality run, lineage at table and column level
    (Dagster graph, product SQL) and which principals see it how (the policy engine)."""
    e = show_entry(name)
    if json_out:
        print_json(e)
        return
    fresh = e["freshness"]
    assert isinstance(fresh, dict)
    lines = [
        f"{e['name']} ({e['kind']}): {e['title']}",
        f"  {e['description']}",
        f"  owner: {e['owner_name'] or e['owner']} ({e['owner']}) · steward: {e['steward']}",
        f"  level: {e['level']} {e['grade']} · sharing: {e['sharing_label']}"
        + (f" — {e['refusal_reason']}" if e["refusal_reason"] else ""),
        f"  update: {e['update']} · freshness: {fresh['label']}"
        + (f" (stale: {', '.join(fresh['stale_because'])})" if fresh["stale_because"] else ""),
        f"  retention: {e['retention'] or '-'}",
        "  glossary: " + (", ".join(str(g["term"]) for g in e["glossary"]) or "-"),
    ]
    if e["downgrade"]:
        lines.append(f"  downgrade: {e['downgrade']}")
    print("\n".join(lines))
    columns = e["columns"]
    assert isinstance(columns, list)
    if e["kind"] == "dataset":
        print_table(
            "Columns",
            ["column", "title", "level", "protection", "detected", "reviewed"],
            [
                [
                    c["column"],
                    c["title"],
                    f"{c['level']} {c['grade']}",
                    c["protection"],
                    c["detected"] or ("-" if c["sampled"] is not None else "not classified"),
                    ", ".join(c["reviewed"] or {}),
                ]
                for c in columns
            ],
        )
    else:
        print_table(
            "Columns",
            ["column", "title", "level", "sharing", "protection", "reads"],
            [
                [
                    c["column"],
                    c["title"],
                    f"{c['level']} {c['grade']}",
                    c["sharing"],
                    c["protection"],
                    ", ".join(c["reads"]) or "-",
                ]
                for c in columns
            ],
        )
    quality = e["quality"]
    if isinstance(quality, dict) and "rules" in quality:
        print_table(
            f"Last quality run {quality['checked_at']}",
            ["rule", "column", "on fail", "ok", "failing", "checked"],
            [
                [r["rule"], r["column"] or "-", r["on_fail"], "✓" if r["success"] else "✗",
                 f"{r['failing_rows']:,}", f"{r['rows_checked']:,}"]
                for r in quality["rules"]
            ],
        )  # fmt: skip
    elif isinstance(quality, dict) and "inputs" in quality:
        print("inputs' last quality run: " + ", ".join(
            f"{d} {'-' if ok is None else ('✓' if ok else '✗')}" for d, ok in quality["inputs"].items()
        ))  # fmt: skip
    else:
        print("last quality run: none yet")
    lineage = e["lineage"]
    assert isinstance(lineage, dict)
    for source in lineage.get("sources") or []:
        print(f"source: {source['source']} ({source['department']})")
    print(f"assets: {', '.join(lineage['assets'])}")
    print(f"upstream: {', '.join(lineage['upstream']) or '-'}")
    print(f"downstream: {', '.join(lineage['downstream']) or '-'}")
    for dataset, cols in (lineage.get("upstream_columns") or {}).items():
        print(f"  reads {dataset}: {', '.join(cols)}")
    readers = e["readers"]
    assert isinstance(readers, list)
    if e["kind"] == "product":
        print_table(
            "Who sees it (policy engine)",
            ["principal", "kind", "sees", "rows", "treatments"],
            [
                [r["principal"], r["kind"], "yes" if r["allowed"] else "no", r["rows"] or "-",
                 "; ".join(f"{t}: {len(cs)}" for t, cs in r["treatments"].items())
                 if r["allowed"] else r["because"]]
                for r in readers
            ],
        )  # fmt: skip
    else:
        print_table(
            "Who sees it (policy engine)",
            ["principal", "kind", "through products", "re-identify"],
            [
                [r["principal"], r["kind"], ", ".join(r["through_products"]) or "-",
                 "yes" if r["reveal"] else "no"]
                for r in readers
            ],
        )  # fmt: skip


@app.command("search")
def search_(
    text: str = typer.Argument(..., help="Words to find, Chinese or English, e.g. 低保."),
    limit: int = typer.Option(20, "--limit", help="Show at most this many."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Datasets and products by name, title, glossary terms (and their other names),
    columns and description, ranked (BM25 per field; name/title > glossary > columns >
    description). Chinese is cut into words by jieba."""
    from catalog.registry import load_catalog
    from catalog.search import search
    from home.layout import config_dir

    hits = search(load_catalog(config_dir()), text, limit)
    if json_out:
        print_json([h.as_dict() for h in hits])
        return
    if not hits:
        print(f"nothing in the catalogue matches {text!r}")
        return
    print_table(
        f"Catalogue search: {text}",
        ["name", "kind", "title", "score", "matched in"],
        [
            [h.name, h.kind, h.title, f"{h.score:.2f}",
             "; ".join(f"{f}: {' '.join(ws)}" for f, ws in h.matched.items())]
            for h in hits
        ],
    )  # fmt: skip


AS_HELP = "The contract's steward (principal id); the decision is the policy engine's."
REASON_HELP = "Why (audited, cleaned of personal data)."


JSON_HELP = "Print JSON: the contract file, whether it changed, and the diff."


def _steward_change(
    act: Any, hub: Hub, *args: object, principal: str, json_out: bool = False
) -> None:
    """``act(hub, *args)``; ``principal`` is the steward among ``args``, named in refusals."""
    from catalog.errors import ConfigError
    from catalog.steward import ContractChange
    from cli.errors import CliError, Refused, naming_known_principals
    from policies.steward_actions import StewardActionRefused

    try:
        change: ContractChange = act(hub, *args)
    except StewardActionRefused as refusal:
        with naming_known_principals(hub.config_policies, principal):
            raise Refused(str(refusal)) from None
    except (ValueError, ConfigError) as problem:
        raise CliError(str(problem)) from None
    if json_out:
        print_json({"path": str(change.path), "changed": change.changed, "diff": change.diff})
        return
    if not change.changed:
        print(f"{change.path}: already so; nothing changed (the decision is audited)")
        return
    print(change.diff, end="")
    print(f"written to {change.path}; the next pipeline run applies it: `shuzhi run`")


def _hub() -> Hub:
    from pipelines.hub import Hub

    return Hub.from_env()


@app.command("classify")
def classify(
    dataset: str = typer.Argument(..., help="A dataset name, e.g. enterprises."),
    column: str = typer.Argument(..., help="The column (see `catalog columns`)."),
    entity: str = typer.Argument(..., help="The detected entity, e.g. CN_ADDRESS."),
    confirm: bool = typer.Option(
        False, "--confirm", help="It holds that entity: seal the column, at least L3."
    ),
    override: bool = typer.Option(
        False, "--override", help="It may stay as it is protected (reviewed: {ENTITY: reason})."
    ),
    principal: str = typer.Option(..., "--as", help=AS_HELP),
    reason: str = typer.Option(..., "--reason", help=REASON_HELP),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Confirm or override a column's detected personal data in its contract: steward only,
    audited, shown as a diff."""
    from catalog.steward import classify_column
    from cli.errors import CliError

    if confirm == override:
        raise CliError("give exactly one of --confirm and --override")
    _steward_change(
        classify_column,
        _hub(),
        dataset,
        column,
        entity,
        confirm,
        principal,
        reason,
        principal=principal,
        json_out=json_out,
    )


@app.command("set-level")
def set_level(
    dataset: str = typer.Argument(..., help="A dataset name."),
    column: str = typer.Argument(..., help="The column."),
    level: str = typer.Argument(..., help="L1, L2, L3 or L4."),
    principal: str = typer.Option(..., "--as", help=AS_HELP),
    reason: str = typer.Option(..., "--reason", help=REASON_HELP),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Set a column's level (分级) in its contract: steward only, audited, shown as a diff."""
    from catalog.steward import set_column_level

    _steward_change(
        set_column_level,
        _hub(),
        dataset,
        column,
        level,
        principal,
        reason,
        principal=principal,
        json_out=json_out,
    )


@app.command("set-sharing")
def set_sharing_(
    name: str = typer.Argument(..., help="A dataset (or product) name."),
    sharing: str = typer.Argument(..., help="unconditional, conditional or none (不予共享)."),
    principal: str = typer.Option(..., "--as", help=AS_HELP),
    reason: str = typer.Option(..., "--reason", help=REASON_HELP),
    refusal_reason: str = typer.Option(
        "", "--refusal-reason", help="For none: the reason every refused reader is given."
    ),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Change a sharing type (共享类型) in the contract: steward only, audited, as a diff."""
    from catalog.steward import set_sharing

    _steward_change(
        set_sharing,
        _hub(),
        name,
        sharing,
        principal,
        reason,
        refusal_reason,
        principal=principal,
        json_out=json_out,
    )


@app.command("downgrade")
def downgrade(
    product: str = typer.Argument(..., help="A product name."),
    level: str = typer.Argument(..., help="The level it is published at, e.g. L1."),
    principal: str = typer.Option(..., "--as", help=AS_HELP),
    reason: str = typer.Option(..., "--reason", help="Why it is safe at that level (audited)."),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Record a product's downgrade below its inputs' level: steward only, audited, as a diff."""
    from catalog.steward import record_downgrade

    _steward_change(
        record_downgrade,
        _hub(),
        product,
        level,
        principal,
        reason,
        principal=principal,
        json_out=json_out,
    )


def current_assessment(hub: Hub) -> list[DepartmentAssessment]:
    """The assessment as the lake, the contracts and the access requests stand now; a
    served page's second look (its chart) and later views reuse it while none changes."""
    from catalog.assessment import assess
    from lakehouse.read_cache import read_cached

    requests = hub.access_requests.all()
    answered = tuple((r.id, r.state, len(r.history)) for r in requests)

    def run() -> list[DepartmentAssessment]:
        with hub.lake() as con:
            return assess(con, hub.catalog, requests)

    return read_cached(hub, ("assessment", *answered), run)


def assessed(hub: Hub, actor: str) -> list[DepartmentAssessment]:
    """The sharing assessment of every department, run now and audited as run by ``actor``
    (the CLI's operator, or the person on the steward's assessment page)."""
    rows = current_assessment(hub)
    # The assessment is a stage of every assessed dataset's life cycle (catalog lifecycle).
    hub.audit.append(
        "assessment",
        actor,
        {
            "departments": [r.department for r in rows],
            "datasets": {r.department: r.datasets for r in rows},
        },
    )
    return rows


@app.command("assessment")
def assessment(
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    chart: Path | None = typer.Option(None, "--chart", help="Also draw a bar chart (PNG)."),
) -> None:
    """The sharing assessment (共享考核) per department: datasets registered, freshness met,
    quality score, access requests for its products answered and how fast."""
    from catalog.assessment import draw_assessment
    from charts.data import ChartError
    from cli.errors import CliError

    rows = assessed(_hub(), f"operator:{getpass.getuser()}")
    if chart is not None:
        try:
            draw_assessment(rows, chart)
        except ChartError as problem:
            raise CliError(str(problem)) from None
    if json_out:
        print_json([r.as_dict() for r in rows])
    else:
        print_table(
            "共享考核 (sharing assessment)",
            ["department", "name", "datasets", "fresh", "quality", "products", "requests",
             "answered", "median h"],
            [
                [r.department, r.name, r.datasets, f"{r.fresh}/{r.datasets}",
                 "-" if r.quality_score is None else f"{r.quality_score:.1f}", r.products,
                 r.requests, r.answered,
                 "-" if r.median_hours_to_answer is None else f"{r.median_hours_to_answer:g}"]
                for r in rows
            ],
            caption="fresh: datasets younger than their update.freshness_hours; quality: mean "
            "score of its datasets (shuzhi quality scores); requests: access requests for its "
            "products, answered = approved or denied, median hours from request to answer",
        )  # fmt: skip
    if chart is not None:
        typer.echo(f"chart written to {chart}", err=True)


@app.command("retire")
def retire(
    dataset: str = typer.Argument(..., help="A dataset name."),
    principal: str = typer.Option(..., "--as", help=AS_HELP),
    reason: str = typer.Option(..., "--reason", help=REASON_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Retire a dataset (the end of its life cycle): steward only, audited. Its data stays
    until shredded (`shuzhi keys shred`)."""
    from catalog.retirement import retire_dataset
    from cli.errors import CliError, Refused, naming_known_principals
    from policies.steward_actions import StewardActionRefused

    hub = _hub()
    try:
        retire_dataset(hub, dataset, principal, reason)
    except StewardActionRefused as refusal:
        with naming_known_principals(hub.config_policies, principal):
            raise Refused(str(refusal)) from None
    except ValueError as problem:
        raise CliError(str(problem)) from None
    if json_out:
        print_json({"dataset": dataset, "retired_by": principal})
        return
    print(f"{dataset} retired by {principal} (audited); shred its data with `shuzhi keys shred`")


@app.command("lifecycle")
def lifecycle_(
    dataset: str = typer.Argument(..., help="A dataset name."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """A dataset's life cycle register: registered, collected, shared, used, supervised,
    assessed, retired, with dates and actors, from the catalogue and the audit log."""
    from catalog.lifecycle import lifecycle
    from cli.errors import CliError

    hub = _hub()
    try:
        register = lifecycle(hub.catalog, dataset, hub.audit.events())
    except ValueError as problem:
        raise CliError(str(problem)) from None
    if json_out:
        print_json(register.as_dict())
        return
    print_table(
        f"life cycle of {dataset} (owner {register.owner}, steward {register.steward})",
        ["stage", "first", "last", "events", "actors", "note"],
        [
            [s.name, s.first or "-", s.last or "-", s.events,
             ", ".join(sorted(s.actors)) or "-", s.note]
            for s in register.stages
        ],
        caption="retired" if register.retired else "not retired",
    )  # fmt: skip
