"""``shuzhi access`` as users run it on the demo district: request, explain, approve,
query, revoke, and the refusals, each audited."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cli_home import Shuzhi, demo_config, shuzhi_in

from audit.log import AuditLog
from audit.verify import verify

pytestmark = pytest.mark.slow

ROSTER = "street_enterprise_roster"  # 有条件共享 in the demo configuration
ASKER = "dept_hotline_12345"
STEWARD = "steward_district"


@pytest.fixture(scope="module")
def home(demo: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Shuzhi]:
    """A copy of the session's demo district (requests, grants and rebuilt rooms change
    it), run with a copy of its configuration whose grants are valid whatever today is.
    ``demo`` is tests/end_to_end/demo_run.py's DemoRun."""
    root = tmp_path_factory.mktemp("access")
    copied = demo.copy(root / "home")
    return copied.home, shuzhi_in(copied.home, demo_config(root / "config"), timeout=900)


def _json(done: subprocess.CompletedProcess[str]) -> object:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_request_approve_query_revoke(home: tuple[Path, Shuzhi]) -> None:
    root, shuzhi = home
    until = (dt.date.today() + dt.timedelta(days=60)).isoformat()
    sql = f"select legal_rep_phone from {ROSTER} limit 5"
    query = ("query", "--as", ASKER, "--purpose", "企业类诉求核实", "--json", sql)

    before = _json(shuzhi("access", "explain", "--as", ASKER, ROSTER, "--json"))
    assert isinstance(before, dict) and before["allowed"] is False
    assert any("有条件共享" in r for r in before["reasons"]) and "access request" in before["hint"]
    assert shuzhi(*query).returncode == 2

    asked = shuzhi(
        "access", "request", "--as", ASKER, ROSTER, "--purpose", "企业类诉求核实", "--until", until
    )
    assert asked.returncode == 0, asked.stderr
    assert asked.stdout.startswith("req-0001:")

    own = shuzhi("access", "approve", "req-0001", "--as", ASKER, "--reason", "自己批准")
    assert own.returncode == 2 and own.stderr.strip().startswith("refused:")
    assert "only a data steward" in own.stderr and len(own.stderr.strip().splitlines()) == 1

    approved = shuzhi("access", "approve", "req-0001", "--as", STEWARD, "--reason", "职责所需")
    assert approved.returncode == 0, approved.stderr
    assert "grant g-req-0001" in approved.stdout and f"room of {ASKER} rebuilt" in approved.stdout

    answer = _json(shuzhi(*query))
    assert isinstance(answer, dict) and answer["grants"] == ["g-req-0001"]
    assert answer["rows"] and all("****" in row["legal_rep_phone"] for row in answer["rows"])
    explained = _json(shuzhi("access", "explain", "--as", ASKER, ROSTER, "--json"))
    assert isinstance(explained, dict) and explained["allowed"] is True
    assert explained["rows"] == "district"
    # The request's purpose is what a read through its grant must state.
    assert [g["purposes"] for g in explained["grants"]] == [["企业类诉求核实"]]
    other = shuzhi("query", "--as", ASKER, "--purpose", "随便看看", sql)
    assert other.returncode == 2 and "g-req-0001 accepts 企业类诉求核实" in other.stderr
    columns = {c["name"]: (c["treatment"], c["because"]) for c in explained["columns"]}
    assert (
        columns["legal_rep_phone"][0] == "masked" and "g-req-0001" in columns["legal_rep_phone"][1]
    )
    assert columns["legal_rep_token"][0] == "withheld"
    table = shuzhi("access", "explain", "--as", ASKER, ROSTER)
    assert "ALLOWED" in table.stdout and "access request req-0001" in table.stdout

    listed = _json(shuzhi("access", "list", "--json"))
    assert isinstance(listed, list)
    assert [(e["id"], e["state"], e["decided_by"]) for e in listed] == [
        ("req-0001", "approved", STEWARD)
    ]
    assert _json(shuzhi("access", "list", "--as", "street_donghu", "--json")) == []
    assert "req-0001" in shuzhi("access", "list").stdout

    revoked = shuzhi("access", "revoke", "req-0001", "--as", STEWARD, "--reason", "核实结束")
    assert revoked.returncode == 0, revoked.stderr
    assert ROSTER not in revoked.stdout.partition("rebuilt")[2]
    refused = shuzhi(*query)
    assert refused.returncode == 2 and "refused:" in refused.stderr
    import duckdb

    room = duckdb.connect(str(root / "rooms" / f"{ASKER}.duckdb"), read_only=True)
    try:
        tables = {r[0] for r in room.execute("select table_name from duckdb_tables()").fetchall()}
    finally:
        room.close()
    assert ROSTER not in tables and "street_case_stats" in tables
    after = _json(shuzhi("access", "explain", "--as", ASKER, ROSTER, "--json"))
    assert isinstance(after, dict) and any("revoked by" in r for r in after["reasons"])

    log = AuditLog(root / "audit" / "audit.log")
    grant_events = [
        (e.actor, e.details["action"], e.details["outcome"])
        for e in log.events("grant")
        if e.details.get("request") == "req-0001"
    ]
    assert grant_events == [
        (ASKER, "request", "requested"),
        (ASKER, "approve", "refused"),
        (STEWARD, "approve", "approved"),
        (STEWARD, "revoke", "revoked"),
    ]
    rebuilt = [e.details["because"] for e in log.events("room_build") if "because" in e.details]
    assert rebuilt == ["req-0001", "req-0001"]
    assert verify(log.path).ok


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("request", "--as", ASKER, "street_case_stats"), "already sees street_case_stats"),
        (("request", "--as", "reviewer_security", ROSTER), "deny rule d-reviewers-see-no-data"),
        (("request", "--as", ASKER, "no_such_product"), "unknown product"),
        (("request", "--as", "nobody", ROSTER), "unknown principal"),
    ],
)
def test_refused_requests_exit_2_with_one_line(
    home: tuple[Path, Shuzhi], args: tuple[str, ...], expected: str
) -> None:
    _, shuzhi = home
    until = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    done = shuzhi("access", *args, "--purpose", "统计分析", "--until", until)
    assert done.returncode == 2
    assert done.stderr.startswith("refused:") and expected in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_bad_date_and_unknown_request_are_errors(home: tuple[Path, Shuzhi]) -> None:
    _, shuzhi = home
    bad = shuzhi("access", "request", "--as", ASKER, ROSTER, "--purpose", "p", "--until", "soon")
    assert bad.returncode == 1 and "not a date" in bad.stderr
    missing = shuzhi("access", "deny", "req-9999", "--as", STEWARD, "--reason", "r")
    assert missing.returncode == 1 and "no access request 'req-9999'" in missing.stderr


def test_personal_data_typed_into_a_request_reaches_neither_log_nor_state(
    home: tuple[Path, Shuzhi],
) -> None:
    root, shuzhi = home
    until = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    typed = ("王秀英", "110105 19900307 1239", "138-0013-8000")
    purpose = f"核实反映人{typed[0]}（身份证{typed[1]}）"
    refused = shuzhi("access", "request", "--as", typed[2], ROSTER, "--purpose", purpose,
                     "--until", until)  # fmt: skip
    assert refused.returncode == 2 and "unknown principal" in refused.stderr
    asked = shuzhi("access", "request", "--as", "dept_civil_affairs", ROSTER, "--purpose",
                   purpose, "--until", until)  # fmt: skip
    assert asked.returncode == 0, asked.stderr
    request_id = asked.stdout.split(":")[0]
    denied = shuzhi("access", "deny", request_id, "--as", STEWARD, "--reason",
                    f"请先联系{typed[0]}，电话{typed[2]}")  # fmt: skip
    assert denied.returncode == 0, denied.stderr

    grants = [e for e in AuditLog(root / "audit" / "audit.log").events("grant")]
    assert grants[-3].actor == "[CN_MOBILE]"
    assert grants[-3].details["purpose"] == "核实反映人[PERSON]（身份证[CN_RESIDENT_ID]）"
    assert grants[-1].details["reason"] == "请先联系[PERSON]，电话[CN_MOBILE]"
    stored = (root / "audit" / "audit.log").read_text(encoding="utf-8")
    stored += (root / "state" / "access_requests.json").read_text(encoding="utf-8")
    for value in typed:
        assert value not in stored


def test_request_and_decision_as_json(home: tuple[Path, Shuzhi]) -> None:
    _, shuzhi = home
    until = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    asker = "dept_public_security"
    made = _json(shuzhi("access", "request", "--as", asker, ROSTER, "--purpose", "治安核查",
                        "--until", until, "--json"))  # fmt: skip
    assert isinstance(made, dict) and made["state"] == "requested" and made["until"] == until
    assert (made["principal"], made["product"]) == (asker, ROSTER)
    denied = _json(shuzhi("access", "deny", made["id"], "--as", STEWARD, "--reason", "不需要",
                          "--json"))  # fmt: skip
    assert isinstance(denied, dict) and denied["id"] == made["id"]
    assert (denied["state"], denied["decided_by"], denied["reason"]) == (
        "denied",
        STEWARD,
        "不需要",
    )
    assert denied["room_rebuilt"] is None
    assert str(denied["decided_at"]).endswith("+00:00")
