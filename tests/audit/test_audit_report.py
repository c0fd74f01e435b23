"""The access review: each finding from a crafted log, with the events behind it; grants
about to expire or unused; personal data per principal and purpose; the files written."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from crafted_log import TOKEN, write_log

from audit.report import Period, build_report
from audit.report_files import write_report
from audit.report_settings import ReportSettings, load_settings
from audit.search import parse_time
from catalog.errors import ConfigError
from home.layout import DEFAULT_CONFIG_DIR
from policies.loader import load_policies
from policies.models import Grant

DEMO = load_policies(DEFAULT_CONFIG_DIR)
WIDE = Grant.model_validate(
    {
        "id": "g-req-0009", "to": {"principal": "street_donghu"},
        "products": ["street_case_stats"], "rows": "district",
        "treatments": {"L1": "clear"}, "purpose": "全区对比", "purposes": ["street_governance"],
        "valid_from": "2026-11-01", "valid_until": "2027-01-15", "reason": "test",
    }
)  # fmt: skip
POLICIES = DEMO.model_copy(update={"grants": [*DEMO.grants, WIDE]})
LEVELS = {
    "street_case_stats": {"L1", "L2"},
    "street_enterprise_roster": {"L1", "L2", "L3"},
    "proactive_elderly_alone": {"L1", "L3", "L4"},
}
SETTINGS = ReportSettings(bulk_rows=100, reveals_per_day=3, download_burst=3)
ROWS = "GET /api/v1/products/{name}/rows"


def _query(at: str, principal: str, by: str, product: str, grants: list[str], **more: Any):
    details = {
        "principal": principal, "by": by, "purpose": more.pop("purpose", "street_governance"),
        "statement": "SELECT * FROM x", "outcome": "answered", "products": [product],
        "grants": grants, "rows": more.pop("rows", 5), **more,
    }  # fmt: skip
    return (at, "query", principal, details)


def _reveal(at: str, principal: str, by: str, outcome: str, rows_of: str, grant: str):
    details = {
        "dataset": "assistance" if principal.startswith("dept") else "population",
        "token": TOKEN, "purpose": "assistance_check", "outcome": outcome,
        "allowed": outcome == "revealed", "reasons": [], "grant": grant, "rows_of": rows_of,
        "columns": ["name"], "rows": 1 if outcome == "revealed" else 0, "by": by,
    }  # fmt: skip
    return (at, "reveal", principal, details)


CIVIL = "r-civil-affairs-assistance-check"
# Times are UTC; Shanghai is 8 hours ahead. 2026-12-01 is a Tuesday, 12-05 a Saturday.
EVENTS = [
    _query("2026-11-30T10:00:00.000Z", "street_donghu", "person u-0001", "street_case_stats",
           ["g-street-returned-products"]),  # 1: before the period
    _query("2026-12-01T02:00:00.000Z", "street_donghu", "person u-0001", "street_case_stats",
           ["g-street-returned-products"]),  # 2: ordinary, not personal
    _query("2026-12-01T03:00:00.000Z", "street_donghu", "person u-0001",
           "proactive_elderly_alone", ["g-donghu-elderly-alone-visits"], rows=500,
           purpose="proactive_elderly_visits"),  # 3: bulk L4
    _query("2026-12-01T14:00:00.000Z", "street_xiling", "person u-0002",
           "street_enterprise_roster", ["g-street-returned-products"]),  # 4: 22:00
    _query("2026-12-05T02:00:00.000Z", "street_xiling", "person u-0002",
           "street_enterprise_roster", ["g-street-returned-products"]),  # 5: Saturday
    _query("2026-12-07T03:00:00.000Z", "street_donghu", "person u-0001", "street_case_stats",
           ["g-req-0009"]),  # 6: district rows through a grant
    _reveal("2026-12-07T04:00:00.000Z", "street_nanqiao", "person u-0003", "revealed",
            "street 440399001", "r-street-home-visits"),  # 7: another street's rows
    _reveal("2026-12-02T01:00:00.000Z", "dept_civil_affairs", "operator root", "revealed",
            "district", CIVIL),  # 8
    _reveal("2026-12-02T02:00:00.000Z", "dept_civil_affairs", "operator root", "refused",
            "", CIVIL),  # 9
    _reveal("2026-12-02T03:00:00.000Z", "dept_civil_affairs", "operator root", "revealed",
            "district", CIVIL),  # 10
    _query("2026-12-03T02:00:00.000Z", "street_donghu", "client c-0007", "street_case_stats",
           ["g-street-returned-products"], endpoint=ROWS),  # 11
    _query("2026-12-03T02:02:00.000Z", "street_donghu", "client c-0007", "street_case_stats",
           ["g-street-returned-products"], endpoint=ROWS),  # 12
    _query("2026-12-03T02:04:00.000Z", "street_donghu", "client c-0007", "street_case_stats",
           ["g-street-returned-products"], endpoint=ROWS),  # 13
    _query("2026-12-03T05:00:00.000Z", "street_donghu", "client c-0007", "street_case_stats",
           ["g-street-returned-products"], endpoint=ROWS),  # 14: hours later, no burst
]  # fmt: skip
PERIOD = Period(parse_time("2026-12-01"), parse_time("2026-12-31", end=True))


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        path = tmp_path_factory.mktemp("report") / "audit.log"
        log = write_log(path, EVENTS, monkeypatch)
    return build_report(log.events(), PERIOD, POLICIES, LEVELS, SETTINGS)


def _findings(report: dict[str, Any], kind: str) -> list[tuple[str, list[int]]]:
    return [(f["who"], f["seqs"]) for f in report["findings"] if f["kind"] == kind]


def test_only_the_periods_events_are_reviewed(report: dict[str, Any]) -> None:
    assert report["events"] == len(EVENTS) - 1


def test_a_bulk_read_of_l4_data_is_a_finding(report: dict[str, Any]) -> None:
    assert _findings(report, "bulk_l4_read") == [("u-0001", [3])]


def test_access_outside_working_hours_is_a_finding(report: dict[str, Any]) -> None:
    # 22:00 on a Tuesday and 10:00 on a Saturday; 10:00 and 11:00 on weekdays are not.
    assert _findings(report, "off_hours") == [("u-0002", [4, 5])]


def test_reading_beyond_ones_own_jurisdiction_through_a_grant_is_a_finding(
    report: dict[str, Any],
) -> None:
    assert _findings(report, "other_jurisdiction") == [
        ("street_donghu", [6]),
        ("street_nanqiao", [7]),
    ]
    (donghu,) = [f for f in report["findings"] if f["who"] == "street_donghu"]
    assert "g-req-0009" in donghu["detail"]


def test_many_reveals_by_one_person_in_a_day_is_a_finding(report: dict[str, Any]) -> None:
    assert _findings(report, "many_reveals") == [("root", [8, 9, 10])]


def test_a_burst_of_downloads_is_a_finding_and_a_later_one_is_not_in_it(
    report: dict[str, Any],
) -> None:
    assert _findings(report, "download_burst") == [("client c-0007", [11, 12, 13])]


def test_quiet_settings_find_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = write_log(tmp_path / "audit.log", EVENTS[1:3], monkeypatch)
    quiet = build_report(log.events(), PERIOD, POLICIES, LEVELS, ReportSettings())
    assert quiet["findings"] == []  # 500 rows are under the default bulk threshold of 1000


def test_personal_data_access_per_principal_and_purpose(report: dict[str, Any]) -> None:
    rows = {(a["principal"], a["purpose"]): a for a in report["personal_data_access"]}
    assert set(rows) == {
        ("street_donghu", "proactive_elderly_visits"),
        ("street_xiling", "street_governance"),
        ("street_nanqiao", "assistance_check"),
        ("dept_civil_affairs", "assistance_check"),
    }  # street_case_stats holds no personal level: events 2, 6, 11–14 are not here
    xiling = rows[("street_xiling", "street_governance")]
    assert xiling["seqs"] == [4, 5] and xiling["rows"] == 10
    assert xiling["what"] == ["street_enterprise_roster"] and xiling["persons"] == ["u-0002"]
    assert rows[("dept_civil_affairs", "assistance_check")]["seqs"] == [8, 10]  # not the refusal


def test_grants_about_to_expire_or_unused(report: dict[str, Any]) -> None:
    expiring = report["grants"]["expiring"]
    assert [(g["id"], g["days_left"]) for g in expiring] == [("g-req-0009", 15)]
    unused = {g["id"] for g in report["grants"]["unused"]}
    assert unused == {"g-street-department-response", "g-steward-oversight",
                      "g-departments-own-products"}  # fmt: skip


def test_the_report_files_are_written_with_embedded_charts(
    report: dict[str, Any], tmp_path: Path
) -> None:
    written = write_report(report, tmp_path / "out")
    names = {path.name for path in written}
    assert names == {"report.json", "report.html", "events_per_day.png",
                     "accesses_per_principal.png"}  # fmt: skip
    assert json.loads((tmp_path / "out" / "report.json").read_text())["events"] == 13
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "数据访问审查报告" in page and "集中下载" in page and "g-req-0009" in page
    assert page.count("data:image/png;base64,") == 2
    assert "http://" not in page and "https://" not in page  # every asset is in the page
    for chart in ("events_per_day.png", "accesses_per_principal.png"):
        assert (tmp_path / "out" / chart).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_settings_come_from_the_config_file_or_the_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path) == ReportSettings()
    (tmp_path / "audit_report.yaml").write_text("bulk_rows: 50\nwork_start: '09:00'\n")
    settings = load_settings(tmp_path)
    assert settings.bulk_rows == 50 and settings.work_start == dt.time(9, 0)
    (tmp_path / "audit_report.yaml").write_text("bulk_rowz: 50\n")
    with pytest.raises(ConfigError, match=r"audit_report\.yaml: bulk_rowz"):
        load_settings(tmp_path)
    (tmp_path / "audit_report.yaml").write_text("zone: Mars/Base\n")
    with pytest.raises(ConfigError, match="unknown time zone"):
        load_settings(tmp_path)


def test_files_written_by_the_cli_count_towards_a_download_burst(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``shuzhi query --out`` goes through no API route: its event says delivery_kind."""
    files = [
        _query(f"2026-12-03T02:0{minute}:00.000Z", "street_donghu", "operator root",
               "proactive_elderly_alone", ["g-donghu-elderly-alone-visits"],
               purpose="proactive_elderly_visits", delivery=f"dlv{minute}",
               delivery_kind=kind)
        for minute, kind in ((0, "download"), (1, "download"), (2, "list"), (3, "download"))
    ]  # fmt: skip
    log = write_log(tmp_path / "audit.log", files, monkeypatch)
    found = build_report(log.events(), PERIOD, POLICIES, LEVELS, SETTINGS)
    # The list shown on screen (seq 3) is not a file handed out.
    assert _findings(found, "download_burst") == [("root", [1, 2, 4])]
