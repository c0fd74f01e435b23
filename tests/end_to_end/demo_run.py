"""Run the demo once into a temporary home and expose it to the end-to-end tests."""

from __future__ import annotations

import csv
import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

SHUZHI = Path(sys.executable).with_name("shuzhi")
STREETS = ("440399001", "440399002", "440399003")
STREET_OFFICES = {
    "street_donghu": "440399001",
    "street_xiling": "440399002",
    "street_nanqiao": "440399003",
}


def demo_purpose(principal: str, sql: str) -> str:
    """A purpose the demo's grants accept for this principal's read (config/grants.yaml)."""
    if "proactive_elderly_alone" in sql:
        return "proactive_elderly_visits"
    if principal.startswith("dept_"):
        return "department_statistics"
    if principal.startswith("steward"):
        return "catalogue_oversight"
    return "street_governance"


@dataclass
class DemoRun:
    home: Path
    output: str
    returncode: int

    def shuzhi(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "SHUZHI_HOME": str(self.home), "COLUMNS": "200"}
        return subprocess.run(
            [str(SHUZHI), *args], env=env, capture_output=True, text=True, timeout=300, check=False
        )

    def sign_ins(self) -> dict[str, str]:
        """login → password of the people the demo made for the web pages
        (``demo-sign-ins.txt`` in the home, demo/sign_ins.py)."""
        from demo.sign_ins import SIGN_INS_FILE

        text = (self.home / SIGN_INS_FILE).read_text(encoding="utf-8")
        lines = [line for line in text.splitlines() if line and not line.startswith("#")]
        return {row["login"]: row["password"] for row in csv.DictReader(lines, delimiter="\t")}

    def query_json(self, principal: str, sql: str, purpose: str | None = None) -> dict:
        purpose = purpose or demo_purpose(principal, sql)
        done = self.shuzhi("query", "--as", principal, "--purpose", purpose, "--json", sql)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


def run_demo(home: Path, *, scale: float = 0.1, seed: int = 11) -> DemoRun:
    env = {**os.environ, "SHUZHI_HOME": str(home), "COLUMNS": "200"}
    env.pop("SHUZHI_MASTER_KEY", None)
    done = subprocess.run(
        [str(SHUZHI), "demo", "--scale", str(scale), "--seed", str(seed)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    return DemoRun(home, done.stdout + done.stderr, done.returncode)


# The source columns that hold identifiers, and those of free text that may mention them
# (every case channel's: hotline, mailbox, WeChat, grid app, Weibo; a Weibo line cut
# short is read whole as "line").
ID_COLUMNS = frozenset({"id_number", "legal_rep_id", "身份证号"})
PHONE_COLUMNS = frozenset(
    {"phone", "legal_rep_phone", "联系电话", "contact_mobile", "inspector_phone"}
)
TEXT_COLUMNS = frozenset({"问题描述", "诉求内容", "来信内容", "content", "details", "text", "line"})


def known_identifiers(departments: Path) -> tuple[set[str], set[str]]:
    """Every resident ID and mobile number the department systems hold, canonical.

    Read from every source (the registry, the enterprise API's data, the
    hotline's CSV and Excel drops, the civil-affairs roll): its identifier
    columns in whatever spelling was planted (blanks, dashes, +86, full-width
    digits, a lower-case x, the 15-digit legacy ID, upgraded here), and the
    IDs and mobiles written inside its free text.
    """
    ids: set[str] = set()
    phones: set[str] = set()
    for record in department_records(departments):
        for column, value in record.items():
            if value is None or value == "":
                continue
            if column in ID_COLUMNS | PHONE_COLUMNS | TEXT_COLUMNS:
                found_ids, found_phones = identifiers_in(str(value), legacy=column in ID_COLUMNS)
                ids |= found_ids
                phones |= found_phones
    return ids, phones


def searched_forms(ids: set[str], phones: set[str]) -> set[str]:
    """What a leak looks like once digits are half-width and blanks gone: each ID, the
    legacy 15-digit form of IDs born in the 1900s, and each mobile number."""
    legacy = {i[:6] + i[8:17] for i in ids if i[6:8] == "19"}
    return ids | legacy | phones


# Runs of digits as typed, allowing the blanks and dashes people put inside numbers.
_SPACED_RUN = re.compile(r"[0-9](?:[ \t\-]{0,2}[0-9])*[Xx]?")
_PLAIN_RUN = re.compile(r"[0-9]+[Xx]?")
_ID_18 = re.compile(r"[0-9]{17}[0-9X]")
_MOBILE = re.compile(r"(?:0086|86)?(1[3-9][0-9]{9})")


def identifiers_in(text: str, *, legacy: bool = False) -> tuple[set[str], set[str]]:
    """Resident IDs and mobile numbers in a text, canonical; with ``legacy``, a
    15-digit run is read as a legacy resident ID (only in ID columns: elsewhere
    15 digits are as likely a grid code)."""
    from identifiers.resident_id import upgrade_15_to_18
    from identifiers.text import to_halfwidth

    ids: set[str] = set()
    phones: set[str] = set()
    half = to_halfwidth(text)
    runs = {m.group() for m in _SPACED_RUN.finditer(half)} | set(_PLAIN_RUN.findall(half))
    for run in runs:
        compact = re.sub(r"[ \t\-]", "", run).upper()
        if _ID_18.fullmatch(compact):
            ids.add(compact)
        elif legacy and len(compact) == 15 and compact.isdigit():
            ids.add(upgrade_15_to_18(compact))
        mobile = _MOBILE.fullmatch(compact)
        if mobile:
            phones.add(mobile.group(1))
    return ids, phones


def department_records(
    departments: Path, *, missing_ok: bool = False
) -> Iterator[Mapping[str, object]]:
    """Every row of every source file the demo wrote (per its manifest), as {column: value}.

    With ``missing_ok``, files a test has since removed (a registry that is down) are skipped.
    """
    from python_calamine import CalamineWorkbook

    from demo.manifest import DemoManifest

    manifest = DemoManifest.load(departments)
    files = sorted({f for source in manifest.sources.values() for f in source.files})
    for path in (departments / f for f in files):
        if missing_ok and not path.exists():
            continue
        if path.suffix == ".sqlite":
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            db.row_factory = sqlite3.Row
            try:
                tables = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                for (table,) in tables.fetchall():
                    yield from (dict(row) for row in db.execute(f'SELECT * FROM "{table}"'))
            finally:
                db.close()
        elif path.suffix == ".jsonl":
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    yield {"line": line}  # a line the feed cut short, personal data and all
        elif path.suffix == ".csv":
            with path.open(encoding="gb18030", newline="") as handle:  # the hotline's GBK
                yield from csv.DictReader(handle)
        elif path.suffix == ".xlsx":
            workbook = CalamineWorkbook.from_path(str(path))
            for name in workbook.sheet_names:
                header, *rows = workbook.get_sheet_by_name(name).to_python()
                names = [str(cell) for cell in header]
                yield from (dict(zip(names, row, strict=False)) for row in rows)


_FULLWIDTH_DIGIT = re.compile(rb"\xef\xbc([\x90-\x99\xb8])|\xef\xbd\x98")


def digit_runs(blob: bytes) -> set[str]:
    """Runs of 11-18 ASCII digits (with a trailing X) found anywhere in a file;
    full-width digits (UTF-8) count as digits."""
    blob = _FULLWIDTH_DIGIT.sub(_halfwidth_digit, blob)
    return {m.decode().upper() for m in re.findall(rb"\d{11,17}[\dXx]?", blob)}


def _halfwidth_digit(match: re.Match[bytes]) -> bytes:
    if match.group(1) is None or match.group(1) == b"\xb8":
        return b"X"
    return bytes([match.group(1)[0] - 0x90 + 0x30])
