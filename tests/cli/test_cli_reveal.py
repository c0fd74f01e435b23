"""``shuzhi reveal`` as a user runs it, on a small real lake: answered, refused, audited."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from cli_home import demo_config, shuzhi_in

sys.path.insert(0, str(Path(__file__).parents[1] / "protection"))
from reveal_fixtures import LI, WANG, ZHANG, fill_lake, new_home

from audit.log import AuditLog
from audit.verify import verify
from audit.watermark import strip_marks
from catalog.registry import load_catalog
from encryption.keystore import open_keystore
from encryption.tokens import tokenise_value
from lakehouse.connection import open_lake


def test_reveal_answers_under_a_grant_refuses_without_one_and_audits_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The demo configuration, with its grants valid whatever the date the test runs on.
    config = demo_config(tmp_path / "config")

    home = new_home(tmp_path / "home", monkeypatch)
    keystore = open_keystore(home.keys)
    with open_lake(home, threads=1) as con:
        fill_lake(con, load_catalog(config), keystore)
    shared_phone = tokenise_value(LI.phone, domain="phone", keystore=keystore)
    zhang = tokenise_value(ZHANG.id_number, domain="resident_id", keystore=keystore)

    shuzhi = shuzhi_in(home.root, config, timeout=300)
    purpose = ("--purpose", "入户走访")
    done = shuzhi("reveal", "--as", "street_xiling", *purpose, "--json", "population", shared_phone)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["grant"] == "r-street-home-visits" and answer["count"] == 1
    assert answer["rows_of"] == "street 440399002"
    unmarked = [{k: strip_marks(v) for k, v in r.items()} for r in answer["rows"]]
    assert unmarked == [
        {
            "street_code": "440399002",
            "community_code": WANG.community,
            "matched_on": "phone",
            "name": WANG.name,
            "phone": WANG.phone,
        }
    ]

    table = shuzhi("reveal", "--as", "street_donghu", *purpose, "population", zhang)
    assert table.returncode == 0, table.stderr
    assert ZHANG.name in table.stdout and "1 row of population revealed" in table.stdout

    refused = shuzhi("reveal", "--as", "street_donghu", *purpose, "assistance", zhang)
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.startswith("refused: no reveal grant covers")
    assert refused.stderr.count("\n") == 1

    no_purpose = shuzhi("reveal", "--as", "street_donghu", "population", zhang)
    assert no_purpose.returncode == 2 and "a purpose is required" in no_purpose.stderr

    events = list(AuditLog(home.audit / "audit.log").events(kind="reveal"))
    assert [(e.actor, e.details["outcome"], e.details["rows"]) for e in events] == [
        ("street_xiling", "revealed", 1),
        ("street_donghu", "revealed", 1),
        ("street_donghu", "refused", 0),
        ("street_donghu", "refused", 0),
    ]
    assert verify(home.audit / "audit.log").ok
    assert ZHANG.id_number not in (home.audit / "audit.log").read_text(encoding="utf-8")
