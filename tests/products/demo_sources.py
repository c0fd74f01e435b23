"""What the demo's department systems hold, read from their own files, never the lakehouse.

The products' numbers are checked against these: the registry (SQLite), the
enterprise API's records (JSON lines), the five case channels (the hotline's GBK
CSV drops, the mayor's mailbox workbook, the WeChat mini-program's ticket store
its API pages through, the grid app's table in the grid centre's database, the
Weibo feed's JSON lines), each read with its channel's code table from config/
case_codes (the channel mapping) but none of the hub's code, the civil-affairs
roll (Excel) and register (SQLite), and the street offices' visit workbooks.
Which channel records are one incident is the generator's planted truth
(case_merge_truth.csv), not the hub's merge. A row the generator soiled beyond repair (the dirt ledger says
so: unfixable, a duplicate copy, or both rows of a conflict) is left out, as
the hub must quarantine it; fixable spellings are read as what they mean.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import sqlite3
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from python_calamine import CalamineWorkbook

from catalog.district import District
from home.layout import DEFAULT_CONFIG_DIR
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


_MOMENT = (
    re.compile(r"^(\d{4})[-/年](\d{1,2})[-/月](\d{1,2})日?[ T]*(上午|下午)?(\d{1,2}):(\d{2})(?::(\d{2}))?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2}) ?(上午|下午)?(\d{2})(\d{2})(\d{2})$"),
)  # fmt: skip
LOCAL = zoneinfo.ZoneInfo("Asia/Shanghai")


def moment_of(value: object) -> dt.datetime | None:
    """A local (district) time in any spelling the channels use; None if none."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, bool) or value is None or value == "":
        return None
    if isinstance(value, int | float):  # epoch milliseconds, or seconds from old apps
        seconds = value / 1000 if value > 10**11 else value
        return dt.datetime.fromtimestamp(seconds, LOCAL).replace(tzinfo=None)
    text = str(value).strip()
    for pattern in _MOMENT:
        match = pattern.match(text)
        if match:
            y, mo, d, half, h, mi, sec = match.groups()
            hour = int(h) + (12 if half == "下午" and int(h) < 12 else 0)
            try:
                return dt.datetime(int(y), int(mo), int(d), hour, int(mi), int(sec or 0))
            except ValueError:
                return None
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(LOCAL).replace(tzinfo=None) if parsed.tzinfo else parsed


def _code_table(relative: str) -> dict[str, str]:
    data = yaml.safe_load((DEFAULT_CONFIG_DIR / relative).read_text(encoding="utf-8"))
    return {str(code).strip(): value for code, value in data["codes"].items()}


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

    def case_records(self) -> list[dict[str, Any]]:
        """Every channel record the hub should load, with the fields the case products use
        (source, case_no, channel, received, community, category, department, deadline,
        closed, satisfaction, location as written)."""
        out = [
            self._record("hl_cases", r["工单编号"], r["受理渠道"], r["受理时间"], r["所属社区"],
                         r["诉求类别"], r["承办部门"], r["办结时限"], r["办结时间"], r["满意度"],
                         r["事发地址"])
            for r in self.loaded("cases")
        ]  # fmt: skip
        headings = _code_table("case_codes/mailbox_categories.yaml")
        out += [
            self._record("mb_cases", r["信件编号"], "市长信箱", r["来信时间"], r["所在社区"],
                         headings[r["问题类别"]], r["承办单位"], None, r["办结时间"], r["评价"],
                         r["问题地址"])
            for r in self.loaded("mailbox_cases")
        ]  # fmt: skip
        codes = _code_table("case_codes/wechat_categories.yaml")
        ratings = {5: "满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "不满意"}
        out += [
            self._record("wx_cases", r["ticket_id"], "微信小程序", r["created_at"],
                         r["community_code"], codes[str(r["category_code"])], r["assignee_org"],
                         r["due_date"], r["closed_at"], ratings.get(r["rating"]), r["address"])
            for r in self.loaded("wechat_cases")
        ]  # fmt: skip
        types = _code_table("case_codes/grid_event_types.yaml")
        out += [
            self._record("gd_cases", r["event_no"], "网格巡查", r["found_at"], r["community"],
                         types[r["event_type"]], r["handled_by"], r["due_on"], r["closed_at"],
                         None, r["place"])
            for r in self.loaded("grid_cases")
        ]  # fmt: skip
        places = _Places(self.district)
        tree = _category_tree()
        out += [
            self._record("wb_cases", r["post_id"], "网络舆情", r["posted_at"],
                         places.community(r["text"]), tree.classify(r["text"]), None, None, None,
                         None, None)
            for r in self.loaded("weibo_cases")
        ]  # fmt: skip
        return out

    def _record(
        self, source: str, case_no: object, channel: object, received: object,
        community: object, category: str, department: object, deadline: object,
        closed: object, satisfaction: object, location: object,
    ) -> dict[str, Any]:  # fmt: skip
        moment = moment_of(received)
        assert moment is not None, (source, case_no, received)
        return {
            "source": source,
            "case_no": str(case_no),
            "channel": str(channel),
            "received": moment,
            "month": f"{moment.year:04d}-{moment.month:02d}",
            "community": self.community_code(str(community)),
            "category": category,
            "department": str(department) if department else None,
            "deadline": day_of(deadline),
            "closed": moment_of(closed),
            "satisfaction": str(satisfaction) if satisfaction else None,
            "location": str(location) if location else None,
        }

    def merge_truth(self) -> dict[tuple[str, str], str]:
        """(source, case_no) → the incident it tells, for the records the generator told
        on more than one channel (every other record is an incident of its own)."""
        path = self.departments / "case_merge_truth.csv"
        with path.open(encoding="utf-8", newline="") as handle:
            return {(r["source"], r["case_no"]): r["incident"] for r in csv.DictReader(handle)}

    def cases(self) -> list[dict[str, Any]]:
        """One entry per case (the planted truth's incidents), with its records and its lead
        record's fields: the first record a department took (a work order), else the first
        (street_case_stats' rule); ``reopened`` when a record came in after another of the
        case's records had been closed."""
        truth = self.merge_truth()
        groups: dict[str, list[dict[str, Any]]] = {}
        for record in self.case_records():
            key = (record["source"], record["case_no"])
            groups.setdefault(truth.get(key, f"{key[0]}:{key[1]}"), []).append(record)
        out = []
        for incident, records in groups.items():
            lead = min(
                records,
                key=lambda r: (r["department"] is None, r["received"], r["source"], r["case_no"]),
            )
            reopened = any(
                e["closed"] is not None and e["closed"] < later["received"]
                for e in records
                for later in records
            )
            out.append({**lead, "incident": incident, "records": records, "reopened": reopened})
        return out

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


class _Places:
    """The community a post's text names: a community or compound name of exactly one
    community, else the one community all the roads it names run through (the Weibo
    channel's ``locate`` mapping, read from the district's own lists)."""

    def __init__(self, district: District) -> None:
        self.single: dict[str, str] = {}
        self.roads: dict[str, set[str]] = {}
        for _, community in district.communities:
            self.single[community.name] = community.code
            for compound in community.compounds:
                self.single[compound] = community.code
            for road in community.roads:
                self.roads.setdefault(road, set()).add(community.code)

    def community(self, text: str) -> str:
        named = {code for name, code in self.single.items() if name in text}
        if len(named) == 1:
            return next(iter(named))
        assert not named, f"a kept post names {len(named)} communities"
        runs = [codes for road, codes in self.roads.items() if road in text]
        common = set.intersection(*runs)
        assert len(common) == 1, "a kept post cannot be placed"
        return next(iter(common))


def _category_tree() -> Any:
    """The district's category tree (its keywords classify a Weibo post, the channel's
    ``classify`` mapping)."""
    from catalog.categories import load_category_tree

    return load_category_tree(DEFAULT_CONFIG_DIR, "case_categories.yaml")


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
            if path.name == "grid_centre.sqlite":  # the grid app's events, in the order written
                for number, record in enumerate(
                    db.execute("SELECT * FROM grid_events ORDER BY rowid"), start=1
                ):
                    yield number, dict(record)
                return
            (table,) = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchone()
            for record in db.execute(f'SELECT * FROM "{table}"'):
                yield int(record[0]), dict(record)  # person_id / org_id
        finally:
            db.close()
    elif path.suffix == ".jsonl":
        for line, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            try:
                yield line, json.loads(text)
            except json.JSONDecodeError:  # a line cut short (the ledger holds it back)
                yield line, {"line": text}
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
