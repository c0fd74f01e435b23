"""``shuzhi demo``: write a district's department systems, with counted dirt."""

from __future__ import annotations

import datetime as dt
import os
import random
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

from catalog.district import District, load_district
from demo import assistance, cases, enterprises, population, social_organisations, visits
from demo.addresses import AddressBook, lay_out
from demo.case_files import write_case_files
from demo.civil_affairs import write_assistance_roll
from demo.dates import EXPORT_DAY, iso_date
from demo.dirt import DirtClass, DirtKind, DirtLedger, open_ledger
from demo.enterprise_api import ensure_api_token, write_enterprises_jsonl
from demo.manifest import LEDGER_FILE, DemoManifest, DirtKindInfo, SourceManifest
from demo.people import IdNumberAllocator, PersonMaker
from demo.pools import ResidentPools
from demo.population_db import copy_population_sqlite_to_postgres, write_population_sqlite
from demo.sizes import DistrictSize
from demo.sqlite_tables import write_sqlite_table
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
API_TOKEN_FILE = "market_regulation/api_token"
_KEEP = {API_TOKEN_FILE}  # the token outlives regenerations: the hub's settings refer to it


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
    for name in (LEDGER_FILE, "manifest.json"):
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

        rng = _source_rng(seed, cases.SOURCE)
        ledger.declare(cases.SOURCE, cases.KINDS)
        case_rows = write_case_files(
            departments,
            cases.case_records(
                size.cases,
                rng=rng,
                plan=cases.draw_plan(rng, size.cases),
                maker=PersonMaker(rng, ids),
                addresses=AddressBook(district, places, rng),
                reporters=pools.reporters,
                ledger=ledger,
            ),
        )

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
                    ledger, population.SOURCE, "public_security", {population.FILE: population_rows}
                ),
                enterprises.SOURCE: _source_manifest(
                    ledger,
                    enterprises.SOURCE,
                    "market_regulation",
                    {enterprises.FILE: enterprise_rows},
                ),
                cases.SOURCE: _source_manifest(ledger, cases.SOURCE, "hotline_12345", case_rows),
                assistance.SOURCE: _source_manifest(
                    ledger, assistance.SOURCE, "civil_affairs", {assistance.FILE: assistance_rows}
                ),
                visits.SOURCE: _source_manifest(
                    ledger, visits.SOURCE, "street_offices", visit_rows
                ),
                social_organisations.SOURCE: _source_manifest(
                    ledger,
                    social_organisations.SOURCE,
                    "civil_affairs",
                    {social_organisations.FILE: organisation_rows},
                ),
            },
        )
    manifest.save(departments)
    _date_exports(departments, [*case_rows, assistance.FILE, *visit_rows])
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
    ledger: DirtLedger, source: str, department: str, rows_per_file: dict[str, int]
) -> SourceManifest:
    duplicates = ledger.counts(source, DirtClass.DUPLICATE)
    return SourceManifest(
        department=department,
        dataset=source,
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
