"""``shuzhi audit who-saw`` and ``shuzhi audit trace`` on a home's delivery register."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest
from cli_home import shuzhi_in

from audit.deliveries import Delivery, mark_and_record, register_beside
from audit.log import AuditLog
from home.layout import DEFAULT_CONFIG_DIR, Home
from service.downloads import encode

TOKENS = ["t1_" + "abcdefghijklmnopqrstuvwxyz", "t1_" + "bcdefghijklmnopqrstuvwxyz2"]
ROWS: list[dict[str, object]] = [
    {"community_name": "东湖社区", "person_token": TOKENS[0], "name": "测甲乙", "age": 81},
    {"community_name": "柳岸社区", "person_token": TOKENS[1], "name": "测丙丁", "age": 77},
    {"community_name": "柳岸社区", "person_token": None, "name": "测戊己", "age": 90},
]


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return Home(tmp_path / "home").ensure()


def _deliver(home: Home, by: str) -> tuple[Delivery, pa.Table]:
    marked = mark_and_record(
        register_beside(home.audit / "audit.log"),
        ROWS,
        person_columns=["person_token", "name", "age"],
        kind="download",
        principal="street_donghu",
        by=by,
        grants=["g-donghu-elderly-alone-visits"],
        products=["proactive_elderly_alone"],
        statement="SELECT * FROM proactive_elderly_alone",
        purpose="未诉先办",
        format="csv",
    )
    return marked.delivery, pa.Table.from_pylist(marked.rows)


def test_who_saw_lists_every_delivery_of_a_person_and_is_audited(home: Home) -> None:
    first, _ = _deliver(home, "person u-0001")
    second, _ = _deliver(home, "person u-0002")
    shuzhi = shuzhi_in(home.root, DEFAULT_CONFIG_DIR, timeout=120)
    done = shuzhi("audit", "who-saw", "--json", TOKENS[1])
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)["deliveries"]
    assert [(d["id"], d["by"]) for d in found] == [
        (first.id, "person u-0001"),
        (second.id, "person u-0002"),
    ]
    assert "rows" not in found[0] and found[0]["row_count"] == 3
    table = shuzhi("audit", "who-saw", TOKENS[0])
    assert table.returncode == 0 and first.id in table.stdout and "2 deliveries" in table.stdout
    lookups = list(AuditLog(home.audit / "audit.log").events("delivery_lookup"))
    assert [e.details["token"] for e in lookups] == [TOKENS[1], TOKENS[0]]
    assert lookups[0].details["deliveries"] == [first.id, second.id]


def test_who_saw_refuses_what_is_not_a_token(home: Home) -> None:
    done = shuzhi_in(home.root, DEFAULT_CONFIG_DIR, timeout=120)("audit", "who-saw", "测甲乙")
    assert done.returncode != 0 and "expected a person token" in done.stderr
    assert not (home.audit / "audit.log").exists() or "测甲乙" not in (
        home.audit / "audit.log"
    ).read_text(encoding="utf-8")


def test_trace_names_the_recipient_or_no_one(home: Home, tmp_path: Path) -> None:
    _deliver(home, "person u-0001")
    leaker, table = _deliver(home, "person u-0002")
    leaked = tmp_path / "leak.xlsx"
    leaked.write_bytes(encode(table.select(["name", "age"]), "xlsx"))
    shuzhi = shuzhi_in(home.root, DEFAULT_CONFIG_DIR, timeout=120)
    done = shuzhi("audit", "trace", str(leaked))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("traced") and leaker.id in done.stdout
    assert "person u-0002" in done.stdout

    clean = tmp_path / "clean.csv"
    clean.write_bytes(encode(pa.Table.from_pylist(ROWS), "csv"))
    untraced = shuzhi("audit", "trace", "--json", str(clean))
    answer = json.loads(untraced.stdout)
    assert answer["verdict"] == "no delivery matches" and answer["deliveries"] == []
    assert len(answer["same_rows_also_in"]) == 2
