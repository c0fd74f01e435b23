"""``shuzhi demo``: write a district's department systems, with counted dirt.

Cases come in through five channels (the 12345 hotline's CSV drops, the mayor's mailbox
workbook, the WeChat mini-program's API, the grid inspectors' database table and the
Weibo feed), their hand-overs through the dispatch log; a share of incidents is told
on two or three channels, written to ``case_merge_truth.csv`` as the merge's truth.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

from catalog.district import District, load_district
from demo import (
    assistance,
    cases,
    dispatch_log,
    enterprises,
    grid_centre,
    population,
    social_organisations,
    visits,
)
from demo.addresses import AddressBook, Place, lay_out
from demo.case_channels import (
    GRID,
    HOTLINE,
    MAILBOX,
    WECHAT,
    WEIBO,
    ChannelDraw,
    ChannelRecord,
    ChannelSpec,
    Retellings,
    channel_sizes,
    draw_channel,
    handled,
    make_inspectors,
)
from demo.case_files import write_case_files
from demo.case_texts import CaseWriter
from demo.civil_affairs import write_assistance_roll
from demo.dates import EXPORT_DAY, iso_date
from demo.department_apis import ENTERPRISE_TOKEN_FILE
from demo.dirt import DirtClass, DirtKind, DirtLedger, open_ledger
from demo.dispatch_log import DispatchLog, department_chain
from demo.enterprise_api import ensure_api_token, write_enterprises_jsonl
from demo.grid_centre import GridCentreDb
from demo.grid_events import event_number, write_events
from demo.mailbox_letters import letter_number, write_letters
from demo.manifest import LEDGER_FILE, DemoManifest, DirtKindInfo, MergeTruth, SourceManifest
from demo.people import IdNumberAllocator, PersonMaker
from demo.pools import ResidentPools
from demo.population_db import copy_population_sqlite_to_postgres, write_population_sqlite
from demo.sizes import DistrictSize
from demo.sqlite_tables import write_sqlite_table
from demo.wechat_api import KEY_FILE as WECHAT_KEY_FILE
from demo.wechat_tickets import ticket_number, write_tickets
from demo.weibo_posts import post_id, write_posts
from demo.workbooks import write_sheet
from home import layout
from home.layout import Home

DEPARTMENT_FOLDERS = (
    "public_security",
    "market_regulation",
    "hotline_12345",
    "civil_affairs",
    "street_offices",
)
API_TOKEN_FILE = ENTERPRISE_TOKEN_FILE
# The API credentials outlive regenerations: the hub's settings refer to them.
_KEEP = {API_TOKEN_FILE, WECHAT_KEY_FILE}
MERGE_TRUTH_FILE = "case_merge_truth.csv"
# When each channel's records come in (hours of the day, local time).
_HOURS = {"mb_cases": (7, 23), "wx_cases": (6, 24), "gd_cases": (8, 18), "wb_cases": (0, 24)}


def api_token_path(home: Home) -> Path:
    return home.departments / API_TOKEN_FILE


def remove_demo_data(departments: Path) -> None:
    """Delete what an earlier run wrote (but keep the API token)."""
    for name in DEPARTMENT_FOLDERS:
        folder = departments / name
        if not folder.exists():
            continue
        for path in sorted(folder.rglob("*"), reverse=True):
            relative = path.relative_to(departments).as_posix()
            if relative in _KEEP:
                continue
            if path.is_dir() and not path.is_symlink():
                if not any(path.iterdir()):
                    path.rmdir()
            else:
                path.unlink()
    for name in (LEDGER_FILE, "manifest.json", MERGE_TRUTH_FILE):
        (departments / name).unlink(missing_ok=True)


def _source_rng(seed: int, source: str) -> random.Random:
    # String seeds are hashed with SHA-512: stable across runs and Python processes.
    return random.Random(f"shuzhi-demo:{seed}:{source}")


def generate_district(
    home: Home,
    *,
    seed: int = 7,
    size: DistrictSize,
    district: District | None = None,
    population_postgres_dsn: str | None = None,
    population_postgres_schema: str = "public_security",
) -> DemoManifest:
    """Write every source under ``home.departments`` and return (and save) the manifest.

    The same seed and size give byte-identical department data. When a
    PostgreSQL DSN is given, the registry is also copied into
    ``<schema>.residents`` there.
    """
    district = district or load_district(layout.config_dir())
    departments = home.departments
    departments.mkdir(parents=True, exist_ok=True)
    remove_demo_data(departments)
    ensure_api_token(api_token_path(home))
    ensure_api_token(departments / WECHAT_KEY_FILE)

    places = lay_out(district, _source_rng(seed, "geography"))
    ids = IdNumberAllocator(_source_rng(seed, "id-numbers"))
    with open_ledger(departments / LEDGER_FILE) as ledger_file:
        ledger = DirtLedger(ledger_file)

        rng = _source_rng(seed, population.SOURCE)
        pools = ResidentPools(
            rng,
            size.residents,
            assistance=size.assistance,
            legal_reps=size.enterprises,
            reporters=min(max(size.cases // 3, 1), 20_000),
        )
        ledger.declare(population.SOURCE, population.KINDS)
        population_rows = write_population_sqlite(
            departments / population.FILE,
            population.population_rows(
                size.residents,
                rng=rng,
                plan=population.draw_plan(rng, size.residents),
                maker=PersonMaker(rng, ids),
                addresses=AddressBook(district, places, rng),
                pools=pools,
                ledger=ledger,
            ),
        )

        rng = _source_rng(seed, enterprises.SOURCE)
        ledger.declare(enterprises.SOURCE, enterprises.KINDS)
        enterprise_rows = write_enterprises_jsonl(
            departments / enterprises.FILE,
            enterprises.enterprise_records(
                size.enterprises,
                rng=rng,
                plan=enterprises.draw_plan(rng, size.enterprises),
                maker=PersonMaker(rng, ids),
                addresses=AddressBook(district, places, rng),
                legal_reps=pools.legal_reps,
                ledger=ledger,
            ),
        )

        case_files = _write_cases(departments, seed, size, district, places, ids, pools, ledger)

        rng = _source_rng(seed, assistance.SOURCE)
        ledger.declare(assistance.SOURCE, assistance.KINDS)
        roll: list[assistance.AssistanceRow] = []  # the street offices visit who is on it
        assistance_rows = write_assistance_roll(
            departments / assistance.FILE,
            _kept(
                roll,
                assistance.assistance_rows(
                    size.assistance,
                    rng=rng,
                    plan=assistance.draw_plan(rng, size.assistance),
                    maker=PersonMaker(rng, ids),
                    addresses=AddressBook(district, places, rng),
                    pool=pools.assistance,
                    ledger=ledger,
                ),
            ),
        )

        rng = _source_rng(seed, visits.SOURCE)
        ledger.declare(visits.SOURCE, visits.KINDS)
        books = visits.visit_rows(
            size.visits,
            rng=rng,
            plan=visits.draw_plan(rng, size.visits),
            targets=visits.targets(roll, pools.reporters[: size.visits], district),
            district=district,
            ledger=ledger,
        )
        visit_rows = {
            path: write_sheet(departments / path, visits.SHEET, visits.HEADERS, rows)
            for path, rows in books.items()
        }

        rng = _source_rng(seed, social_organisations.SOURCE)
        ledger.declare(social_organisations.SOURCE, social_organisations.KINDS)
        organisation_rows = write_sqlite_table(
            departments / social_organisations.FILE,
            social_organisations.TABLE,
            social_organisations.COLUMNS,
            social_organisations.organisation_rows(
                size.social_organisations,
                rng=rng,
                plan=social_organisations.draw_plan(rng, size.social_organisations),
                maker=PersonMaker(rng, ids),
                addresses=AddressBook(district, places, rng),
                ledger=ledger,
            ),
            key="org_id",
            indexed=["updated_at"],
        )

        manifest = DemoManifest(
            seed=seed,
            size=size,
            export_day=iso_date(EXPORT_DAY),
            ledger=LEDGER_FILE,
            sources={
                population.SOURCE: _source_manifest(
                    ledger,
                    population.SOURCE,
                    "ps_population",
                    "public_security",
                    {population.FILE: population_rows},
                ),
                enterprises.SOURCE: _source_manifest(
                    ledger,
                    enterprises.SOURCE,
                    "mr_enterprises",
                    "market_regulation",
                    {enterprises.FILE: enterprise_rows},
                ),
                **case_files.manifests,
                assistance.SOURCE: _source_manifest(
                    ledger,
                    assistance.SOURCE,
                    "ca_assistance",
                    "civil_affairs",
                    {assistance.FILE: assistance_rows},
                ),
                visits.SOURCE: _source_manifest(
                    ledger, visits.SOURCE, "so_visits", "street_offices", visit_rows
                ),
                social_organisations.SOURCE: _source_manifest(
                    ledger,
                    social_organisations.SOURCE,
                    "ca_social_organisations",
                    "civil_affairs",
                    {social_organisations.FILE: organisation_rows},
                ),
            },
            merges=case_files.merges,
        )
    manifest.save(departments)
    _date_exports(departments, [*case_files.dropped, assistance.FILE, *visit_rows])
    if population_postgres_dsn:
        copy_population_sqlite_to_postgres(
            departments / population.FILE, population_postgres_dsn, population_postgres_schema
        )
    return manifest


T = TypeVar("T")


def _kept(keep: list[T], rows: Iterable[T]) -> Iterator[T]:
    """``rows`` passed on as they are written, each also kept in ``keep``."""
    for row in rows:
        keep.append(row)
        yield row


def _date_exports(departments: Path, files: Sequence[str]) -> None:
    """Date the dropped exports to the evening of the export day, as a department would.

    Their modification time then tells the file-drop connector they are complete,
    not still being written, however soon after generation the sync starts.
    """
    evening = dt.datetime.combine(EXPORT_DAY, dt.time(18, 0)).timestamp()
    for name in files:
        os.utime(departments / name, (evening, evening))


def _source_manifest(
    ledger: DirtLedger,
    source: str,
    hub_source: str,
    department: str,
    rows_per_file: dict[str, int],
    *,
    dataset: str | None = None,
) -> SourceManifest:
    """``source``: the name the ledger records it under (the dataset, for the first four)."""
    duplicates = ledger.counts(source, DirtClass.DUPLICATE)
    return SourceManifest(
        department=department,
        dataset=dataset or source,
        source=hub_source,
        files=list(rows_per_file),
        rows_written=sum(rows_per_file.values()),
        rows_per_file=rows_per_file,
        fixable=ledger.counts(source, DirtClass.FIXABLE),
        unfixable=ledger.counts(source, DirtClass.UNFIXABLE),
        duplicates=sum(duplicates.values()),
        conflicts=sum(ledger.counts(source, DirtClass.CONFLICT).values()),
        dirt_kinds=_kind_infos(ledger.kinds(source)),
    )


def _kind_infos(kinds: Sequence[DirtKind]) -> list[DirtKindInfo]:
    return [
        DirtKindInfo(
            name=kind.name,
            dirt_class=kind.dirt_class.value,
            column=kind.column,
            description=kind.description,
        )
        for kind in kinds
    ]


class _CaseFiles:
    """What the case channels wrote: manifests per channel, dropped files, the merge truth."""

    def __init__(self) -> None:
        self.manifests: dict[str, SourceManifest] = {}
        self.dropped: list[str] = []
        self.truth: list[tuple[str, str, str, str]] = []  # (incident, source, case_no, link)
        self.merges: MergeTruth


def _write_cases(
    departments: Path,
    seed: int,
    size: DistrictSize,
    district: District,
    places: tuple[Place, ...],
    ids: IdNumberAllocator,
    pools: ResidentPools,
    ledger: DirtLedger,
) -> _CaseFiles:
    """Every channel's records, the dispatch log of their hand-overs, and the merge truth."""
    out = _CaseFiles()
    sizes = channel_sizes(size.cases)
    retellings = Retellings(_source_rng(seed, "retellings"))
    chains = _source_rng(seed, "department-chains")
    ledger.declare(dispatch_log.SOURCE, dispatch_log.KINDS)
    with GridCentreDb(departments / grid_centre.FILE) as db:
        dispatch = DispatchLog(db, _source_rng(seed, dispatch_log.SOURCE), ledger)

        def hotline_rows() -> Iterator[tuple[cases.CaseExport, cases.CaseRecord]]:
            rng = _source_rng(seed, cases.SOURCE)
            for row in cases.case_records(
                sizes[HOTLINE],
                rng=rng,
                plan=cases.draw_plan(rng, sizes[HOTLINE]),
                maker=PersonMaker(rng, ids),
                addresses=AddressBook(district, places, rng),
                reporters=pools.reporters,
                ledger=ledger,
            ):
                incident = row.incident
                if incident is not None:  # not a repeat of last month's export
                    chain = department_chain(chains, incident.department, incident.transfers)
                    case_no = row.record.case_no
                    dispatch.record(HOTLINE, case_no, incident.received, incident.closed, chain)
                    if row.kind is None:
                        retellings.offer(case_no, incident)
                yield row.export, row.record

        ledger.declare(cases.SOURCE, cases.KINDS)
        hotline = write_case_files(departments, hotline_rows())
        out.manifests[cases.SOURCE] = _source_manifest(
            ledger, cases.SOURCE, HOTLINE, "hotline_12345", hotline, dataset="cases"
        )
        out.dropped += list(hotline)
        for spec in (MAILBOX, WECHAT, GRID, WEIBO):
            rng = _source_rng(seed, spec.ledger)
            ledger.declare(spec.ledger, spec.kinds)
            maker = PersonMaker(rng, ids)
            draw = ChannelDraw(
                rng,
                CaseWriter(rng, maker.names),
                maker,
                AddressBook(district, places, rng),
                pools.reporters,
                ledger,
            )
            records = _draw(spec, sizes[spec.source], retellings, draw)
            path = departments / spec.file
            if spec is MAILBOX:
                written = write_letters(path, records, rng, draw.writer, ledger)
                out.dropped.append(spec.file)
            elif spec is WECHAT:
                written = write_tickets(path, records, rng, draw.writer, ledger)
            elif spec is GRID:
                written = write_events(db, records, rng, draw.writer, ledger)
            else:
                written = write_posts(path, records, rng, draw.writer, ledger)
                out.dropped.append(spec.file)
            for record in records:
                incident = record.incident
                chain = department_chain(chains, incident.department, incident.transfers)
                closed, _ = handled(record)
                dispatch.record(spec.source, record.case_no, record.received, closed, chain)
                if record.retold_from is not None:
                    out.truth.append(
                        (record.retold_from, spec.source, record.case_no, record.link or "")
                    )
            out.manifests[spec.ledger] = _source_manifest(
                ledger, spec.ledger, spec.source, "hotline_12345", {spec.file: written},
                dataset="cases",
            )  # fmt: skip
    out.manifests[dispatch_log.SOURCE] = _source_manifest(
        ledger,
        dispatch_log.SOURCE,
        "dp_transfers",
        "hotline_12345",
        {grid_centre.FILE: dispatch.rows},
        dataset="case_transfers",
    )
    out.merges = _merge_truth(departments, out.truth)
    return out


def _draw(
    spec: ChannelSpec, rows: int, retellings: Retellings, draw: ChannelDraw
) -> list[ChannelRecord]:
    rng = draw.rng
    numbering = {
        "mb_cases": letter_number,
        "wx_cases": ticket_number,
        "gd_cases": event_number,
        "wb_cases": lambda _received, _number: post_id(rng),
    }[spec.source]
    inspectors = make_inspectors(rng, draw.maker) if spec is GRID else None
    return draw_channel(
        spec,
        rows,
        retellings.by_channel[spec.source],
        draw,
        _HOURS[spec.source],
        numbering,
        inspectors,
    )


def _merge_truth(departments: Path, truth: list[tuple[str, str, str, str]]) -> MergeTruth:
    """Write each planted group (the hotline record and its retellings) and count them."""
    groups: dict[str, list[tuple[str, str, str]]] = {}
    for incident, source, case_no, link in truth:
        groups.setdefault(incident, [(HOTLINE, incident, "original")]).append(
            (source, case_no, link)
        )
    with (departments / MERGE_TRUTH_FILE).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("incident", "source", "case_no", "link"))
        for incident, members in sorted(groups.items()):
            writer.writerows((incident, *member) for member in members)
    return MergeTruth(
        file=MERGE_TRUTH_FILE,
        cases=len(groups),
        records=sum(len(m) for m in groups.values()),
        by_link=dict(Counter(link for *_, link in truth)),
    )
