"""Five channels, one case schema, by configuration only.

1. Each channel's record of one incident stages to the contract's values: fields
   renamed, constants set, codes decoded, times read in the channel's form and zone,
   a Weibo post classified and located.
2. Identity includes the source: two channels' case numbers never collide; a full
   batch of one channel replaces that channel's rows only.
3. Bad input per channel is quarantined naming file, row (line, page item) and field.
4. A small configuration change changes the mapping, with no code change.
5. Older lakes gain the columns a contract gained (regressions).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from channel_fixtures import (
    ChannelHub,
    channel_hub,
    event,
    hand_over,
    hotline_row,
    letter,
    post,
    source_of,
    ticket,
)

NOON_UTC_PLUS_8 = dt.datetime(2026, 11, 3, 9, 5)  # every channel's time of the incident


@pytest.fixture
def channels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ChannelHub]:
    with channel_hub(tmp_path, monkeypatch) as hub:
        yield hub


# 1. one incident, five channels, one schema -----------------------------------------------


def test_every_channel_maps_onto_the_one_case_schema(channels: ChannelHub) -> None:
    channels.hotline("cases_2026-11.csv", [hotline_row("GD1")])
    channels.mailbox("letters.xlsx", [letter("XX1", 来信时间="2026年11月3日 上午9:05")])
    channels.grid([event("WG-1", found_at="2026-11-03 09:05:00")])
    channels.weibo("posts.jsonl", [post("aB3")])
    with channels.wechat([ticket("WX1")]):
        for source in ("hl_cases", "mb_cases", "wx_cases", "gd_cases", "wb_cases"):
            _, [staged] = channels.sync(source)
            assert (staged.rows_read, staged.rows_loaded) == (1, 1), (source, staged.reasons)
    columns = "channel, received_at, category, community_code, street_code, urgency, department"
    rows = {
        s: channels.staged(s, columns)
        for s in ("hl_cases", "mb_cases", "wx_cases", "gd_cases", "wb_cases")
    }
    donghu = ("440399001001", "440399001")
    assert rows["hl_cases"] == [
        ("12345热线", NOON_UTC_PLUS_8, "噪音扰民", *donghu, "一般", "城管局")
    ]
    assert rows["mb_cases"] == [("市长信箱", NOON_UTC_PLUS_8, "噪音扰民", *donghu, None, "城管局")]
    # epoch milliseconds, code 101 and priority 1 decoded
    assert rows["wx_cases"] == [
        ("微信小程序", NOON_UTC_PLUS_8, "噪音扰民", *donghu, "紧急", "城管局")
    ]
    assert rows["gd_cases"] == [("网格巡查", NOON_UTC_PLUS_8, "噪音扰民", *donghu, None, "城管局")]
    # UTC 01:05Z is 09:05 here; the category from the redacted text; the community from
    # the place names in it
    assert rows["wb_cases"] == [("网络舆情", NOON_UTC_PLUS_8, "噪音扰民", *donghu, None, None)]
    tokens = {
        s: channels.staged(s, "location_token, reporter_phone_token, reporter_handle_token")[0]
        for s in rows
    }
    # One place spelled five ways is one address token; one phone in three spellings one token.
    assert len({t[0] for t in tokens.values()}) == 1
    assert tokens["hl_cases"][1] == tokens["mb_cases"][1] == tokens["wx_cases"][1]
    assert tokens["wb_cases"][1] is None and tokens["wb_cases"][2]  # a handle, not a phone


def test_raw_keeps_the_channels_codes_as_sent(channels: ChannelHub) -> None:
    with channels.wechat([ticket("WX1")]):
        synced, _ = channels.sync("wx_cases")
    with channels.hub.lake() as con:
        raw = con.execute(
            "SELECT category, urgency, received_at, channel FROM lake.raw.cases WHERE _batch_id = ?",
            [synced.batch_id],
        ).fetchall()
    assert raw == [("101", "1", "1793667900000", None)]  # a constant is not sent, so not raw


# 2. identity includes the source ------------------------------------------------------------


def test_two_channels_case_numbers_never_collide(channels: ChannelHub) -> None:
    channels.hotline("a.csv", [hotline_row("SAME-1")])
    channels.mailbox("letters.xlsx", [letter("SAME-1")])
    channels.sync("hl_cases")
    _, [staged] = channels.sync("mb_cases")
    assert staged.rows_loaded == 1 and not staged.reasons
    assert channels.staged("hl_cases", "case_no") == channels.staged("mb_cases", "case_no")


def test_a_full_batch_of_one_channel_replaces_only_its_own_rows(channels: ChannelHub) -> None:
    channels.hotline("a.csv", [hotline_row("GD1"), hotline_row("GD2")])
    channels.sync("hl_cases")
    with channels.wechat([ticket(f"WX{n}") for n in range(1, 6)]):
        channels.sync("wx_cases")
    # WX2 is gone from the API (within the contract's 20% shrink), WX3 changed its category.
    again = [ticket("WX1"), ticket("WX3", category_code=103), ticket("WX4"), ticket("WX5")]
    with channels.wechat(again):
        synced, _ = channels.sync("wx_cases")
    assert synced.mode == "full"
    assert channels.staged("wx_cases", "case_no, category") == [
        ("WX1", "噪音扰民"), ("WX3", "环境卫生"), ("WX4", "噪音扰民"), ("WX5", "噪音扰民"),
    ]  # fmt: skip
    assert channels.staged("hl_cases", "case_no") == [("GD1",), ("GD2",)]


# 3. bad input, per channel ------------------------------------------------------------------


def test_unmapped_codes_are_quarantined_naming_file_row_and_field(channels: ChannelHub) -> None:
    channels.mailbox("letters.xlsx", [letter("XX1"), letter("XX2", 问题类别="咨询建议")])
    synced, [staged] = channels.sync("mb_cases")
    assert staged.rows_loaded == 1
    [(position, field, reason)] = channels.quarantined(synced.batch_id)
    assert position == "letters.xlsx[来信登记]:row 3" and field == "category"
    assert reason == "code '咨询建议' is not in case_codes/mailbox_categories.yaml"
    with channels.wechat([ticket("WX1", category_code=999), ticket("WX2")]):
        synced, _ = channels.sync("wx_cases")
    [(position, field, reason)] = channels.quarantined(synced.batch_id)
    assert (position, field) == ("cursor page 1 item 1", "category")
    assert reason == "code '999' is not in case_codes/wechat_categories.yaml"


def test_times_in_a_form_the_channel_does_not_write_are_quarantined(channels: ChannelHub) -> None:
    tickets = [
        ticket("WX1", created_at=1793667900),  # seconds: an older app, allowed
        ticket("WX2", created_at="2026-11-03T09:05:00+08:00"),  # ISO with zone: allowed
        ticket("WX3", created_at="2026/11/3 9:05"),  # a form this channel never writes
    ]
    with channels.wechat(tickets):
        synced, _ = channels.sync("wx_cases")
    assert channels.staged("wx_cases", "case_no, received_at") == [
        ("WX1", NOON_UTC_PLUS_8), ("WX2", NOON_UTC_PLUS_8),
    ]  # fmt: skip
    [(position, field, reason)] = channels.quarantined(synced.batch_id)
    assert (position, field) == ("cursor page 1 item 3", "received_at")
    assert reason == (
        "not a date-time in a form this channel writes (epoch_millis, epoch_seconds, iso8601)"
    )


def test_posts_that_cannot_be_placed_or_parsed_are_quarantined(channels: ChannelHub) -> None:
    lines = [
        post("p1"),
        post("p2", text="晚上太吵了，有没有人管管"),
        post("p3", text="桂花路上流动摊贩太多"),
        post("p4")[:30],
        post("p5", text="今天天气真好"),  # placed nowhere either
    ]
    channels.weibo("f.jsonl", lines)
    synced, [staged] = channels.sync("wb_cases")
    assert staged.rows_read == 5 and staged.rows_loaded == 1
    found = {
        position: (field, reason)
        for position, field, reason in channels.quarantined(synced.batch_id)
    }
    assert found["f.jsonl:line 2"] == (
        "community_code",
        "the text names no place of this district (community, compound or road)",
    )
    assert found["f.jsonl:line 3"][1].startswith(
        "the roads the text names run through 2 communities"
    )
    assert (
        found["f.jsonl:line 4"][0] is None
        and "line 4: not valid JSON" in found["f.jsonl:line 4"][1]
    )


def test_a_grid_event_without_a_change_value_is_held_back_at_every_sync(
    channels: ChannelHub,
) -> None:
    channels.grid(
        [event("WG-1"), event("WG-2", updated_at=None), event("WG-3", event_type="SJ-99")]
    )
    synced, [staged] = channels.sync("gd_cases")
    assert (staged.rows_read, staged.rows_loaded, staged.rows_quarantined) == (3, 1, 2)
    found = dict((p, r) for p, _, r in channels.quarantined(synced.batch_id))
    assert "updated_at is NULL" in found["grid_events#WG-2"]
    assert found["grid_events#WG-3"] == "code 'SJ-99' is not in case_codes/grid_event_types.yaml"


def test_a_category_outside_the_tree_is_quarantined_from_any_channel(channels: ChannelHub) -> None:
    channels.hotline("a.csv", [hotline_row("GD1"), hotline_row("GD2", 诉求类别="夜市管理")])
    synced, [staged] = channels.sync("hl_cases")
    assert staged.rows_loaded == 1
    [(_, field, reason)] = channels.quarantined(synced.batch_id)
    assert (field, reason) == ("category", "not a category of case_categories.yaml")


def test_hand_overs_join_their_case_by_channel_and_number(channels: ChannelHub) -> None:
    channels.grid(
        [event("WG-1")],
        [
            hand_over(1, "WG-1", 1),
            hand_over(2, "WG-1", 2, from_dept="生态环境局", to_dept="城管局", returned="Y"),
            hand_over(3, "WG-1", 3, channel="人民网留言板"),
        ],
    )
    synced, [staged] = channels.sync("dp_transfers")
    assert staged.rows_loaded == 2
    rows = channels.staged("dp_transfers", "case_source, case_no, seq, is_return", "case_transfers")
    assert rows == [("gd_cases", "WG-1", 1, "否"), ("gd_cases", "WG-1", 2, "是")]
    [(position, field, reason)] = channels.quarantined(synced.batch_id, "case_transfers")
    assert (position, field) == ("dispatch_log#3", "case_source")
    assert reason == "code '人民网留言板' is not in case_codes/dispatch_channels.yaml"


# 4. configuration only ---------------------------------------------------------------------


def test_a_small_config_change_changes_the_mapping_with_no_code_change(
    channels: ChannelHub,
) -> None:
    tickets = [ticket("WX1", category_code=120), ticket("WX2", created_at=1793667900)]
    with channels.wechat(tickets):
        _, [before] = channels.sync("wx_cases")
        assert before.rows_loaded == 1  # code 120 is not in the table yet

        def change(data: dict) -> None:
            mapping = source_of(data, "wx_cases")["mapping"]
            mapping["constants"]["channel"] = "微信公众号"
            mapping["times"]["forms"] = ["epoch_millis", "iso8601"]  # the old app is retired

        channels.edit_config(
            "case_codes/wechat_categories.yaml", lambda d: d["codes"].update({120: "市容绿化"})
        )
        channels.edit_config("departments/hotline_12345.yaml", change)
        synced, _ = channels.sync("wx_cases")
    assert channels.staged("wx_cases", "case_no, channel, category") == [
        ("WX1", "微信公众号", "市容绿化")
    ]
    [(_, field, reason)] = channels.quarantined(synced.batch_id)
    assert field == "received_at" and "(epoch_millis, iso8601)" in reason


def test_a_classification_keyword_added_to_the_tree_changes_a_posts_category(
    channels: ChannelHub,
) -> None:
    channels.weibo("a.jsonl", [post("p1", text="#示范区# 东湖花园3栋门口的共享单车乱停乱放")])
    channels.sync("wb_cases")
    assert channels.staged("wb_cases", "category") == [("未分类",)]  # falls back

    def add_keyword(data: dict) -> None:
        city = next(b for b in data["categories"] if b["name"] == "城市管理")
        leaf = next(c for c in city["children"] if c["name"] == "停车管理")
        leaf["keywords"].append("单车")

    channels.edit_config("case_categories.yaml", add_keyword)
    channels.weibo("b.jsonl", [post("p2", text="#示范区# 东湖花园3栋门口的共享单车乱停乱放")])
    channels.sync("wb_cases")
    assert channels.staged("wb_cases", "case_no, category") == [
        ("p1", "未分类"),
        ("p2", "停车管理"),
    ]


# 5. older lakes ----------------------------------------------------------------------------


def test_a_staged_table_from_before_sources_gains_them_from_its_batches(
    channels: ChannelHub,
) -> None:
    """Regression: a lake staged before ``_source`` existed keeps working (the column is
    added and filled from each row's batch), and raw gains a column the contract gained."""
    channels.hotline("a.csv", [hotline_row("GD1")])
    channels.sync("hl_cases")
    with channels.hub.lake() as con:
        con.execute("ALTER TABLE lake.staged.cases DROP COLUMN _source")
        con.execute("ALTER TABLE lake.raw.cases DROP COLUMN reporter_handle")
    channels.hotline("b.csv", [hotline_row("GD2")])
    channels.sync("hl_cases")
    assert channels.staged("hl_cases", "case_no") == [("GD1",), ("GD2",)]
    with channels.hub.lake() as con:
        columns = {r[0] for r in con.execute("DESCRIBE lake.raw.cases").fetchall()}
    assert "reporter_handle" in columns


# 6. the grid centre's database on PostgreSQL and MariaDB -------------------------------------

GRID_EVENTS = [event("WG-1"), event("WG-2", event_type="SJ-99"), event("WG-3", updated_at=None)]
HAND_OVERS = [hand_over(1, "WG-1", 1), hand_over(2, "WG-1", 2, returned="1", to_dept="城管局")]


def _point_grid_sources_at(
    channels: ChannelHub, dialect: str, connection: dict, prefix: str
) -> None:
    def change(data: dict) -> None:
        for name, table in (("gd_cases", "grid_events"), ("dp_transfers", "dispatch_log")):
            source = source_of(data, name)
            source.update({"dialect": dialect, "connection": connection, "table": prefix + table})

    channels.edit_config("departments/hotline_12345.yaml", change)


def _sync_grid_centre(channels: ChannelHub) -> None:
    _, [events] = channels.sync("gd_cases")
    assert (events.rows_read, events.rows_loaded, events.rows_quarantined) == (3, 1, 2)
    assert channels.staged("gd_cases", "case_no, category, channel, received_at") == [
        ("WG-1", "噪音扰民", "网格巡查", dt.datetime(2026, 11, 3, 11, 0))
    ]
    _, [hops] = channels.sync("dp_transfers")
    assert hops.rows_loaded == 2
    assert channels.staged("dp_transfers", "case_source, seq, is_return", "case_transfers") == [
        ("gd_cases", 1, "否"), ("gd_cases", 2, "是"),
    ]  # fmt: skip
    again, [nothing] = channels.sync("gd_cases")  # incremental: by updated_at
    assert again.mode == "incremental" and nothing.rows_loaded == 0


@pytest.mark.postgres
def test_the_grid_centre_read_from_postgresql_maps_as_from_sqlite(channels: ChannelHub) -> None:
    import psycopg

    from demo.grid_centre import copy_to_postgres

    dsn = "host=127.0.0.1 port=5432 user=postgres dbname=test"
    schema = f"grid_{os.getpid()}_{id(channels) % 10_000}"
    copied = copy_to_postgres(channels.grid(GRID_EVENTS, HAND_OVERS), dsn, schema)
    assert copied == {"grid_events": 3, "dispatch_log": 2}
    try:
        connection = {
            "host": "127.0.0.1",
            "port": 5432,
            "user": "postgres",
            "database": "test",
            "schema": schema,
        }
        _point_grid_sources_at(channels, "postgres", connection, "")
        _sync_grid_centre(channels)
    finally:
        with psycopg.connect(dsn, autocommit=True) as con:
            con.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.mark.mariadb
def test_the_grid_centre_read_from_mariadb_maps_as_from_sqlite(channels: ChannelHub) -> None:
    import pymysql

    from demo.grid_centre import copy_to_mariadb

    server = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": "", "database": "test"}
    prefix = f"t{os.getpid()}_{id(channels) % 10_000}_"
    copied = copy_to_mariadb(channels.grid(GRID_EVENTS, HAND_OVERS), server, prefix)
    assert copied == {"grid_events": 3, "dispatch_log": 2}
    try:
        connection = {"host": "127.0.0.1", "port": 3306, "user": "root", "database": "test"}
        _point_grid_sources_at(channels, "mysql", connection, prefix)
        _sync_grid_centre(channels)
    finally:
        con = pymysql.connect(**server, autocommit=True)
        with con.cursor() as cursor:
            for table in ("grid_events", "dispatch_log"):
                cursor.execute(f"DROP TABLE IF EXISTS `{prefix}{table}`")
        con.close()
