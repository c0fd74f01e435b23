"""Run the demo once into a temporary home and expose it to the end-to-end tests."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SHUZHI = Path(sys.executable).with_name("shuzhi")
STREETS = ("440399001", "440399002", "440399003")
STREET_OFFICES = {
    "street_donghu": "440399001",
    "street_xiling": "440399002",
    "street_nanqiao": "440399003",
}


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

    def query_json(self, principal: str, sql: str) -> dict:
        done = self.shuzhi("query", "--as", principal, "--json", sql)
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


def known_identifiers(departments: Path) -> tuple[set[str], set[str]]:
    """Every resident ID and mobile number the department systems hold, canonical."""
    ids: set[str] = set()
    phones: set[str] = set()
    id_pattern = re.compile(r"\d{17}[\dXx]")
    phone_pattern = re.compile(r"1[3-9]\d{9}")
    db = sqlite3.connect(departments / "public_security" / "population.sqlite")
    for id_number, phone in db.execute("SELECT id_number, phone FROM residents"):
        ids.update(m.upper() for m in id_pattern.findall(str(id_number or "").replace(" ", "")))
        phones.update(phone_pattern.findall(str(phone or "").replace(" ", "").replace("-", "")))
    db.close()
    for line in (departments / "market_regulation" / "enterprises.jsonl").read_text().splitlines():
        record = json.loads(line)
        ids.update(id_pattern.findall(str(record.get("legal_rep_id") or "")))
        phones.update(phone_pattern.findall(str(record.get("legal_rep_phone") or "")))
    return ids, phones


def digit_runs(blob: bytes) -> set[str]:
    """Runs of 11-18 ASCII digits (with a trailing X) found anywhere in a file."""
    return {m.decode().upper() for m in re.findall(rb"\d{11,17}[\dXx]?", blob)}
