"""What the demo's department systems hold, read from their own files, never the lakehouse.

The products' numbers are checked against these: the registry (SQLite), the
enterprise API's records (JSON lines), the hotline's drops (GBK CSV, Excel),
the civil-affairs roll (Excel) and register (SQLite), and the street offices'
visit workbooks. A row the generator soiled beyond repair (the dirt ledger says
so: unfixable, a duplicate copy, or both rows of a conflict) is left out, as
the hub must quarantine it; fixable spellings are read as what they mean.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from catalog.district import District
from identifiers import credit_code, household_no, resident_id

DROPPED = {"unfixable", "duplicate", "conflict"}
_DATE = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})"),
)


def day_of(value: object) -> dt.date | None:
    """A date (or the day of a date-time) in any spelling the demo plants; None if none."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    for pattern in _DATE:
        match = pattern.match(text)
        if match:
            try:
                return dt.date(*(int(part) for part in match.groups()))
            except ValueError:
                return None
    return None


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@dataclass
class DemoSources:
    departments: Path
    district: District

    def _manifest(self) -> dict[str, Any]:
        return json.loads((self.departments / "manifest.json").read_text(encoding="utf-8"))

    def _dropped(self, source: str) -> dict[str, dict[int, str]]:
        """file → {row: dirt class} of the rows the hub must hold back."""
        out: dict[str, dict[int, str]] = {}
        with (self.departments / "dirt_ledger.csv").open(encoding="utf-8", newline="") as f:
            for entry in csv.DictReader(f):
                if entry["source"] == source and entry["class"] in DROPPED:
                    out.setdefault(entry["file"], {})[int(entry["row"])] = entry["class"]
        return out

    def _rows(self, source: str) -> Iterator[tuple[str, int, dict[str, Any], str | None]]:
        """(file, row, record, dirt class if held back) of every file of a source."""
        dropped = self._dropped(source)
        for name in self._manifest()["sources"][source]["files"]:
            path = self.departments / name
            held = dropped.get(name, {})
            for row, record in _read(path):
                yield name, row, record, held.get(row)

    def loaded(self, source: str, key: str | None = None) -> list[dict[str, Any]]:
        """The rows the hub should load. ``key`` canonicalises a conflict's key column, so
        that a row claiming an earlier row's identity takes that row back too."""
        rows = list(self._rows(source))
        conflicted: set[object] = set()
        if key is not None:
            canonical = _CANONICAL[key]
            conflicted = {canonical(r[key]) for _, _, r, held in rows if held == "conflict"}
        return [
            record
            for _, _, record, held in rows
            if held is None and (key is None or _CANONICAL[key](record[key]) not in conflicted)
        ]

    def community_code(self, name_or_code: str) -> str:
        if name_or_code in self.district.community_by_code:
            return name_or_code
        return self.district.community_by_name[name_or_code][1].code

    # --- per source, as the products read them ------------------------------------------

    def residents(self) -> list[dict[str, Any]]:
        out = []
        for r in self.loaded("population", key="id_number"):
            number = resident_id.parse(r["id_number"]).value
            birth = day_of(r["birth_date"])
            assert birth is not None
            out.append(
                {
                    "id": number,
                    "birth": birth,
                    "sex": {"1": "男", "2": "女"}.get(r["sex"], r["sex"]),
                    "reg_type": r["reg_type"],
                    "household": household_no.parse(r["household_no"])
                    if r["household_no"]
                    else None,
                    "community": r["community_code"],
                    "street": r["street_code"],
                    "grid": r["grid_code"],
                }
            )
        return out

    def roll(self) -> list[dict[str, Any]]:
        out = []
        for r in self.loaded("assistance"):
            out.append(
                {
                    "id": resident_id.parse(str(r["身份证号"])).value,
                    "category": r["救助类别"],
                    "community": self.community_code(r["所属社区"]),
                }
            )
        return out

    def visits(self) -> list[dict[str, Any]]:
        return [
            {"id": resident_id.parse(str(r["身份证号"])).value, "day": day_of(r["走访日期"])}
            for r in self.loaded("visits")
        ]

    def cases(self) -> list[dict[str, Any]]:
        return [
            {
                "community": self.community_code(r["所属社区"]),
                "category": r["诉求类别"],
                "month": f"{day.year:04d}-{day.month:02d}",
            }
            for r in self.loaded("cases")
            if (day := day_of(r["受理时间"])) is not None
        ]

    def enterprises(self) -> list[dict[str, Any]]:
        return [
            {
                "uscc": credit_code.parse(r["uscc"]),
                "status": r["status"],
                "street": r["street_code"],
            }
            for r in self.loaded("enterprises")
        ]

    def social_organisations(self) -> list[dict[str, Any]]:
        return [
            {
                "code": credit_code.parse(r["credit_code"]),
                "status": r["status"],
                "community": self.community_code(r["community"]),
            }
            for r in self.loaded("social_organisations", key="credit_code")
        ]

    # --- the dispatch log (added for the department products) --------------------------

    def transfers(self) -> list[dict[str, Any]]:
        """The dispatch log's hand-overs the hub should load: the grid centre's
        ``dispatch_log`` table, less the rows the ledger says are beyond repair; fixable
        spellings (是否退回 as Y/1/N/0, a time as 2026/9/5 6:58) read as what they mean."""
        channels = {
            "12345热线": "hl_cases",
            "市长信箱": "mb_cases",
            "微信小程序": "wx_cases",
            "网格巡查": "gd_cases",
            "网络舆情": "wb_cases",
        }
        (name,) = self._manifest()["sources"]["case_transfers"]["files"]
        held = self._dropped("case_transfers").get(name, {})
        db = sqlite3.connect(f"file:{self.departments / name}?mode=ro", uri=True)
        db.row_factory = sqlite3.Row
        try:
            rows = [dict(r) for r in db.execute("SELECT * FROM dispatch_log ORDER BY log_id")]
        finally:
            db.close()
        return [
            {
                "source": channels[r["channel"]],
                "case_no": r["case_no"],
                "seq": int(r["seq"]),
                "from": r["from_dept"],
                "to": r["to_dept"],
                "at": _moment(r["transferred_at"]),
                "returned": r["returned"] in ("是", "Y", "1"),
            }
            for r in rows
            if int(r["log_id"]) not in held
        ]


def _moment(text: str) -> dt.datetime:
    """A hand-over time as the dispatch log spells it: ISO, or 2026/9/5 6:58."""
    day = day_of(text)
    assert day is not None, text
    clock = text.split()[1]
    hour, minute, second = ([int(part) for part in clock.split(":")] + [0])[:3]
    return dt.datetime.combine(day, dt.time(hour, minute, second))


_CANONICAL = {
    "id_number": lambda v: resident_id.parse(str(v)).value,
    "credit_code": lambda v: credit_code.normalise(str(v)),
}


def _read(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row, record): the 1-based data row (for the registry, the key column) of each record."""
    if path.suffix == ".sqlite":
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        db.row_factory = sqlite3.Row
        try:
            (table,) = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchone()
            for record in db.execute(f'SELECT * FROM "{table}"'):
                yield int(record[0]), dict(record)  # person_id / org_id
        finally:
            db.close()
    elif path.suffix == ".jsonl":
        for line, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            yield line, json.loads(text)
    elif path.suffix == ".csv":
        with path.open(encoding="gb18030", newline="") as handle:
            for line, record in enumerate(csv.DictReader(handle), start=1):
                yield line, record
    elif path.suffix == ".xlsx":
        workbook = CalamineWorkbook.from_path(str(path))
        header, *rows = workbook.get_sheet_by_index(0).to_python()
        names = [str(cell) for cell in header]
        for line, row in enumerate(rows, start=1):
            yield line, dict(zip(names, row, strict=False))
