"""The four case channels beside the hotline, the dispatch log and the planted merges,
read back plainly from the files the shared small demo wrote."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from demo_generated import GeneratedDemo
from demo_readers import gbk_csv, ledger, ledger_kinds, sheet_rows

from catalog.categories import load_category_tree, load_code_table
from catalog.registry import load_catalog
from demo import cases, dispatch_log, grid_centre
from demo.case_channels import (
    GRID,
    GRID_EVENT_TYPES,
    MAILBOX,
    MAILBOX_HEADINGS,
    WECHAT,
    WECHAT_CODES,
    WEIBO,
    address_variant,
)
from demo.mailbox_letters import HEADERS as LETTER_HEADERS
from demo.mailbox_letters import SHEET as LETTER_SHEET
from demo.wechat_tickets import FIELDS as TICKET_FIELDS
from encryption.normalisers import canonical_address
from home.layout import config_dir
from identifiers import phone
from quality.place_names import PlaceLocator
from quality.standardise import ValueProblem

CATALOG = load_catalog(config_dir())
LOCATOR = PlaceLocator(CATALOG.district)


@pytest.fixture(scope="module")
def channels(small_demo: GeneratedDemo) -> dict[str, list[dict[str, Any]]]:
    """Every channel's records as field → value, keyed by hub source name."""
    out: dict[str, list[dict[str, Any]]] = {}
    root = small_demo.departments
    hotline = [row for export in cases.EXPORTS for row in gbk_csv(root / export.file)]
    out["hl_cases"] = [
        {cases.HEADERS[i]: value for i, value in enumerate(row.values())} for row in hotline
    ]
    sheet = sheet_rows(root / MAILBOX.file, LETTER_SHEET)
    out["mb_cases"] = [dict(zip(sheet[0], row, strict=True)) for row in sheet[1:]]
    lines = (root / WECHAT.file).read_text(encoding="utf-8").splitlines()
    out["wx_cases"] = [json.loads(line) for line in lines]
    with sqlite3.connect(root / grid_centre.FILE) as db:
        db.row_factory = sqlite3.Row
        out["gd_cases"] = [dict(r) for r in db.execute("SELECT * FROM grid_events ORDER BY rowid")]
        out["dispatch"] = [dict(r) for r in db.execute("SELECT * FROM dispatch_log")]
    out["wb_cases"] = [
        _json_or_text(line) for line in (root / WEIBO.file).read_text(encoding="utf-8").splitlines()
    ]
    return out


def _json_or_text(line: str) -> dict[str, Any]:
    try:
        return json.loads(line)
    except json.JSONDecodeError:
        return {"broken": line}


@pytest.fixture(scope="module")
def truth(small_demo: GeneratedDemo) -> list[dict[str, str]]:
    path = small_demo.departments / small_demo.manifest.merges.file
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


NUMBER_FIELD = {
    "hl_cases": "工单编号", "mb_cases": "信件编号", "wx_cases": "ticket_id",
    "gd_cases": "event_no", "wb_cases": "post_id",
}  # fmt: skip


def test_each_channel_writes_its_own_form_as_many_rows_as_the_manifest_says(
    small_demo: GeneratedDemo, channels: dict[str, list[dict[str, Any]]]
) -> None:
    planted = {m.source: m for m in small_demo.manifest.sources.values()}
    for source in ("hl_cases", "mb_cases", "wx_cases", "gd_cases", "wb_cases"):
        assert len(channels[source]) == planted[source].rows_written, source
    assert len(channels["dispatch"]) == planted["dp_transfers"].rows_written
    assert tuple(sheet_rows(small_demo.departments / MAILBOX.file, LETTER_SHEET)[0]) == (
        LETTER_HEADERS
    )
    assert all(tuple(t) == TICKET_FIELDS for t in channels["wx_cases"])
    assert set(channels["gd_cases"][0]) == {name for name, _ in grid_centre.EVENT_COLUMNS}
    posts = [p for p in channels["wb_cases"] if "broken" not in p]
    assert all(set(p) == {"post_id", "posted_at", "user", "text"} for p in posts)
    assert all(p["posted_at"].endswith(("Z", "+08:00")) for p in posts)


def test_every_dirty_row_shows_its_kind(
    small_demo: GeneratedDemo, channels: dict[str, list[dict[str, Any]]]
) -> None:
    ledger_path = small_demo.departments / small_demo.manifest.ledger
    district = CATALOG.district
    kinds_seen: Counter[str] = Counter()
    for spec in (MAILBOX, WECHAT, GRID, WEIBO):
        rows = channels[spec.source]
        for row_number, kind in ledger_kinds(ledger_path, spec.ledger).items():
            row = rows[row_number - 1]
            kinds_seen[kind] += 1
            if kind == "letter_time_text":
                assert isinstance(row["来信时间"], str) and (
                    "上午" in row["来信时间"] or "下午" in row["来信时间"]
                )
            elif kind == "letter_time_missing":
                assert row["来信时间"] in ("", None)
            elif kind == "heading_unmapped":
                assert row["问题类别"] not in MAILBOX_HEADINGS.values()
            elif kind == "community_unknown":
                assert row["所在社区"] not in district.community_by_name
            elif kind == "created_seconds":
                assert isinstance(row["created_at"], int) and row["created_at"] < 10**11
            elif kind == "created_iso":
                assert isinstance(row["created_at"], str) and row["created_at"].endswith("+08:00")
            elif kind == "mobile_format":
                assert row["contact_mobile"] != phone.normalise(row["contact_mobile"])
            elif kind == "category_code_unknown":
                assert row["category_code"] not in WECHAT_CODES.values()
            elif kind == "community_code_unknown":
                assert row["community_code"] not in district.community_by_code
            elif kind == "event_type_unknown":
                assert row["event_type"] not in GRID_EVENT_TYPES.values()
            elif kind == "found_at_unparseable":
                assert not row["found_at"].startswith("2026-")
            elif kind == "updated_at_missing":
                assert row["updated_at"] is None
            elif kind == "phone_format":
                assert row["inspector_phone"] != phone.normalise(row["inspector_phone"])
            elif kind == "posted_at_offset":
                assert row["posted_at"].endswith("+08:00")
            elif kind == "post_bad_json":
                assert "broken" in row
            elif kind in ("post_unplaced", "post_ambiguous"):
                with pytest.raises(ValueProblem):
                    PlaceLocator(district).community(row["text"])
            else:
                pytest.fail(f"unexpected dirt kind {kind}")
    every = {k.name for spec in (MAILBOX, WECHAT, GRID, WEIBO) for k in spec.kinds}
    assert set(kinds_seen) == every


def test_clean_weibo_posts_are_placed_in_a_community(
    small_demo: GeneratedDemo, channels: dict[str, list[dict[str, Any]]]
) -> None:
    ledger_path = small_demo.departments / small_demo.manifest.ledger
    dirty = ledger_kinds(ledger_path, WEIBO.ledger)
    locator = PlaceLocator(CATALOG.district)
    clean = [
        p for i, p in enumerate(channels["wb_cases"], start=1) if dirty.get(i) != "post_bad_json"
    ]
    for number, post in enumerate(channels["wb_cases"], start=1):
        if number not in dirty or dirty[number] == "posted_at_offset":
            assert locator.community(post["text"]) in CATALOG.district.community_by_code
            assert locator.location(post["text"])  # every post opens with a place
    assert len(clean) > len(dirty)


def test_the_channels_codes_are_the_ones_the_hubs_code_tables_map() -> None:
    """The demo is the departments' side; config/case_codes is the hub's: they must agree."""
    tables = {
        "mailbox": (MAILBOX_HEADINGS, "case_codes/mailbox_categories.yaml"),
        "wechat": ({k: str(v) for k, v in WECHAT_CODES.items()}, "case_codes/wechat_categories.yaml"),
        "grid": (GRID_EVENT_TYPES, "case_codes/grid_event_types.yaml"),
    }  # fmt: skip
    tree = load_category_tree(config_dir(), "case_categories.yaml")
    for channel_codes, table in tables.values():
        codes = load_code_table(config_dir(), table).codes
        assert {category: codes[code] for category, code in channel_codes.items()} == {
            c: c for c in channel_codes
        }, table
        assert set(channel_codes) == set(cases_categories()) and set(channel_codes) <= tree.leaves
    dispatch = load_code_table(config_dir(), "case_codes/dispatch_channels.yaml").codes
    assert {dispatch[name]: name for name in dispatch_log.CHANNEL_NAMES.values()} == (
        dispatch_log.CHANNEL_NAMES
    )


def cases_categories() -> set[str]:
    from demo.case_texts import CATEGORIES

    return set(CATEGORIES)


def test_retold_incidents_are_clean_and_linked_as_planted(
    small_demo: GeneratedDemo,
    channels: dict[str, list[dict[str, Any]]],
    truth: list[dict[str, str]],
) -> None:
    merges = small_demo.manifest.merges
    groups: dict[str, list[dict[str, str]]] = {}
    for row in truth:
        groups.setdefault(row["incident"], []).append(row)
    assert merges.cases == len(groups) > 0
    assert merges.records == len(truth)
    assert all(2 <= len(g) <= 3 for g in groups.values())
    ledger_path = small_demo.departments / small_demo.manifest.ledger
    dirty_numbers = {
        source: {_number(channels, source, r) for r in ledger_kinds(ledger_path, ledger_name)}
        for source, ledger_name in (
            ("mb_cases", "mailbox_cases"), ("wx_cases", "wechat_cases"),
            ("gd_cases", "grid_cases"), ("wb_cases", "weibo_cases"),
        )
    }  # fmt: skip
    by_number = {
        source: {str(r.get(NUMBER_FIELD[source])): r for r in rows}
        for source, rows in channels.items()
        if source in NUMBER_FIELD
    }
    for members in groups.values():
        original = by_number["hl_cases"][members[0]["case_no"]]
        assert members[0]["link"] == "original"
        for member in members[1:]:
            assert member["case_no"] not in dirty_numbers[member["source"]]
            record = by_number[member["source"]][member["case_no"]]
            if member["link"] == "same_reporter":
                mobile = record.get("contact_mobile") or record.get("联系电话")
                assert mobile == original["联系电话"]
            else:
                assert member["link"] == "same_place"
                place = record.get("place") or LOCATOR.location(record["text"])
                assert place and canonical_address(original["事发地址"]) == canonical_address(place)


def _number(channels: dict[str, list[dict[str, Any]]], source: str, row: int) -> str:
    return str(channels[source][row - 1].get(NUMBER_FIELD[source]))


@pytest.mark.parametrize(
    "spot", ["东湖社区桂花路12号", "东湖花园3栋", "桂花路与榕树路交叉口", "翠竹苑12栋"]
)
def test_an_address_spelled_another_way_is_the_same_address_token(spot: str) -> None:
    import random

    rng = random.Random(spot)
    for _ in range(20):
        assert canonical_address(address_variant(rng, spot)) == canonical_address(spot)


def test_transfer_histories_match_the_channels_counts_and_end_where_the_record_does(
    small_demo: GeneratedDemo, channels: dict[str, list[dict[str, Any]]]
) -> None:
    ledger_path = small_demo.departments / small_demo.manifest.ledger
    # Orders one of whose hand-overs was soiled (its channel renamed, say) are left out.
    soiled = {
        tuple(entry["key"].split("/")[:2])
        for entry in ledger(ledger_path)
        if entry["source"] == dispatch_log.SOURCE
    }
    history: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in channels["dispatch"]:
        history.setdefault((row["channel"], row["case_no"]), []).append(row)
    channel = dispatch_log.CHANNEL_NAMES
    checked = 0
    for source, count_field, department_field in (
        ("hl_cases", "转派次数", "承办部门"),
        ("gd_cases", "transfer_count", "handled_by"),
    ):
        for record in channels[source]:
            number = str(record[NUMBER_FIELD[source]])
            if (source, number) in soiled:
                continue
            hops = history.get((channel[source], number), [])
            assert len(hops) == int(record[count_field])
            if hops:
                assert [h["seq"] for h in hops] == list(range(1, len(hops) + 1))
                assert hops[-1]["to_dept"] == record[department_field]
                assert all(a["to_dept"] == b["from_dept"] for a, b in itertools.pairwise(hops))
                checked += 1
    assert checked > 20
    returns = [r for r in channels["dispatch"] if r["returned"] == "是"]
    assert returns and all(r["reason"] == dispatch_log.RETURN_REASON for r in returns)
    bounced = {(r["channel"], r["case_no"], r["seq"]) for r in returns}
    for chan, case_no, seq in bounced:
        hops = history[(chan, case_no)]
        if seq >= 2 and len(hops) >= seq:
            assert hops[seq - 1]["to_dept"] == hops[seq - 2]["from_dept"]  # A→B→A


def test_retold_texts_classify_as_their_incident_by_the_category_tree(
    channels: dict[str, list[dict[str, Any]]], truth: list[dict[str, str]]
) -> None:
    tree = load_category_tree(config_dir(), "case_categories.yaml")
    hotline = {r["工单编号"]: r for r in channels["hl_cases"]}
    posts = {p.get("post_id"): p for p in channels["wb_cases"]}
    pairs = [
        (posts[row["case_no"]]["text"], hotline[row["incident"]]["诉求类别"])
        for row in truth
        if row["source"] == "wb_cases"
    ]
    right = sum(tree.classify(text) == category for text, category in pairs)
    assert pairs and right >= 0.8 * len(pairs)


def test_letters_and_tickets_are_dated_in_their_channels_forms(
    channels: dict[str, list[dict[str, Any]]],
) -> None:
    cells = [r["来信时间"] for r in channels["mb_cases"]]
    assert sum(isinstance(c, dt.datetime) for c in cells) > len(cells) // 2
    stamps = [t["created_at"] for t in channels["wx_cases"]]
    assert sum(isinstance(s, int) and s > 10**12 for s in stamps) > len(stamps) // 2


def test_the_drops_are_where_the_sources_look(small_demo: GeneratedDemo) -> None:
    from connectors.config import FileDropSource

    for name in ("mb_cases", "wb_cases"):
        source = CATALOG.sources[name]
        assert isinstance(source, FileDropSource)
        folder = Path(source.folder.replace("${SHUZHI_HOME}", str(small_demo.home.root)))
        assert any(folder.iterdir()), name
