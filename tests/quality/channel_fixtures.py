"""A small hub on a copy of the configuration, and each case channel's input in its own form.

The channels' files are written where the shipped department config looks for them
(under ``$SHUZHI_HOME/departments/hotline_12345``); the WeChat API is served on
loopback by the demo's own server over a small store. Syncs and staging go through
``pipelines.steps``, as Dagster and the CLI run them.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
import yaml

from demo.grid_centre import DISPATCH, EVENTS, FILE, GridCentreDb
from demo.mailbox_letters import HEADERS as LETTER_HEADERS
from demo.mailbox_letters import SHEET as LETTER_SHEET
from demo.wechat_api import WechatApiServer
from encryption.master_key import MASTER_KEY_ENV, create_key_file
from home.layout import DEFAULT_CONFIG_DIR, Home
from lakehouse.raw_landing import SyncResult
from pipelines import steps
from pipelines.hub import Hub
from quality.staging import StageResult

TODAY = dt.date(2026, 11, 20)
HOTLINE_HEADER = (
    "工单编号", "受理渠道", "受理时间", "诉求类别", "诉求内容", "事发地址", "所属社区", "反映人",
    "联系电话", "承办部门", "紧急程度", "办结时限", "转派次数", "办结时间", "满意度",
)  # fmt: skip
KEY = "test-wechat-key"


def hotline_row(number: str, **changes: str) -> dict[str, str]:
    return {
        "工单编号": number, "受理渠道": "12345热线", "受理时间": "2026-11-03 09:05:00",
        "诉求类别": "噪音扰民", "诉求内容": "东湖社区桂花路12号工地夜间施工，噪音很大",
        "事发地址": "东湖社区桂花路12号", "所属社区": "东湖社区", "反映人": "欧阳测试",
        "联系电话": "13912345678", "承办部门": "城管局", "紧急程度": "一般",
        "办结时限": "2026-11-18", "转派次数": "0", "办结时间": "", "满意度": "",
        **changes,
    }  # fmt: skip


def letter(number: str, **changes: Any) -> dict[str, Any]:
    return {
        "信件编号": number, "来信时间": dt.datetime(2026, 11, 3, 10, 0), "来信人": "欧阳测试",
        "联系电话": "13912345678", "所在社区": "东湖社区", "问题地址": "东湖社区桂花路 １２ 号",
        "问题类别": "噪声污染", "来信内容": "尊敬的区长：桂花路12号工地夜间施工，噪音很大",
        "承办单位": "城管局", "办结时间": None, "评价": None,
        **changes,
    }  # fmt: skip


def ticket(number: str, **changes: Any) -> dict[str, Any]:
    return {
        "ticket_id": number, "created_at": 1793667900000, "category_code": 101,
        "content": "东湖社区桂花路12号工地夜间施工，噪音很大", "address": "东湖社区桂花路12号",
        "community_code": "440399001001", "contact_name": "欧阳测试",
        "contact_mobile": "+86 139 1234 5678", "assignee_org": "城管局", "priority": 1,
        "due_date": "2026-11-06", "closed_at": None, "rating": None,
        **changes,
    }  # fmt: skip


def event(number: str, **changes: Any) -> tuple[Any, ...]:
    values = {
        "event_no": number, "found_at": "2026-11-03 11:00:00", "event_type": "SJ-01",
        "details": "网格员巡查发现：桂花路12号工地夜间施工，噪音很大", "place": "东湖社区桂花路12号",
        "community": "东湖社区", "inspector": "测试网格员", "inspector_phone": "13800000000",
        "handled_by": "城管局", "due_on": "2026-11-18", "transfer_count": 1,
        "closed_at": None, "updated_at": "2026-11-03 11:00:00",
        **changes,
    }  # fmt: skip
    return tuple(values.values())


def hand_over(log_id: int, case_no: str, seq: int, **changes: Any) -> tuple[Any, ...]:
    values = {
        "log_id": log_id, "channel": "网格巡查", "case_no": case_no, "seq": seq,
        "from_dept": "城管局", "to_dept": "生态环境局", "transferred_at": "2026-11-03 15:00:00",
        "reason": "职责不符", "returned": "否",
        **changes,
    }  # fmt: skip
    return tuple(values.values())


def post(post_id: str, **changes: str) -> str:
    return json.dumps(
        {
            "post_id": post_id,
            "posted_at": "2026-11-03T01:05:00Z",
            "user": "@街坊a1",
            "text": "#示范区# 东湖社区桂花路12号工地夜间施工，噪音很大，有没有人管管？",
            **changes,
        },
        ensure_ascii=False,
    )


@dataclass
class ChannelHub:
    hub: Hub
    monkeypatch: pytest.MonkeyPatch

    @property
    def folder(self) -> Path:
        return self.hub.home.departments / "hotline_12345"

    @property
    def config(self) -> Path:
        return self.hub.config

    def _settled(self, path: Path) -> Path:
        then = time.time() - 600
        os.utime(path, (then, then))
        return path

    def hotline(self, name: str, rows: Sequence[dict[str, str]]) -> Path:
        path = self.folder / "drop" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="gbk", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=HOTLINE_HEADER)
            writer.writeheader()
            writer.writerows(rows)
        return self._settled(path)

    def mailbox(self, name: str, letters: Sequence[dict[str, Any]]) -> Path:
        path = self.folder / "mailbox" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        book = xlsxwriter.Workbook(str(path))
        sheet = book.add_worksheet(LETTER_SHEET)
        moment = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        sheet.write_row(0, 0, LETTER_HEADERS)
        for row, values in enumerate(letters, start=1):
            for column, header in enumerate(LETTER_HEADERS):
                value = values[header]
                if isinstance(value, dt.datetime):
                    sheet.write_datetime(row, column, value, moment)
                elif value is not None:
                    sheet.write_string(row, column, str(value))
        book.close()
        return self._settled(path)

    @contextmanager
    def wechat(self, tickets: Sequence[dict[str, Any]]) -> Iterator[WechatApiServer]:
        """The mini-program's API over these tickets, for as long as the block runs."""
        store = self.folder / "wechat" / "tickets.jsonl"
        store.parent.mkdir(parents=True, exist_ok=True)
        store.write_text(
            "".join(json.dumps(t, ensure_ascii=False) + "\n" for t in tickets), encoding="utf-8"
        )
        with WechatApiServer(store, KEY) as server:
            self.monkeypatch.setenv("SHUZHI_WECHAT_API_URL", server.url)
            self.monkeypatch.setenv("SHUZHI_WECHAT_API_KEY", KEY)
            yield server

    def grid(
        self, events: Sequence[tuple[Any, ...]], hand_overs: Sequence[tuple[Any, ...]] = ()
    ) -> Path:
        path = self.hub.home.departments / FILE
        with GridCentreDb(path) as db:
            for row in events:
                db.add(EVENTS, row)
            for row in hand_overs:
                db.add(DISPATCH, row)
        return path

    def weibo(self, name: str, lines: Sequence[str]) -> Path:
        path = self.folder / "weibo" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        return self._settled(path)

    def sync(self, source: str, *, full: bool = False) -> tuple[SyncResult, list[StageResult]]:
        synced = steps.sync_source(self.hub, source, full=full)
        staged = steps.stage_dataset(
            self.hub, self.hub.catalog.sources[source].dataset, today=TODAY
        )
        return synced, staged

    def staged(self, source: str, columns: str, dataset: str = "cases") -> list[tuple[Any, ...]]:
        with self.hub.lake() as con:
            return con.execute(
                f"SELECT {columns} FROM lake.staged.{dataset} WHERE _source = ? ORDER BY ALL",
                [source],
            ).fetchall()

    def quarantined(
        self, batch_id: str, dataset: str = "cases"
    ) -> list[tuple[str, str | None, str]]:
        with self.hub.lake() as con:
            return con.execute(
                f"SELECT _source_pos, field, reason FROM lake.quarantine.{dataset} "
                "WHERE _batch_id = ? ORDER BY _source_pos",
                [batch_id],
            ).fetchall()

    def edit_config(self, relative: str, change: Any) -> None:
        """Change a configuration file of this hub (the catalogue is read again after)."""
        path = self.config / relative
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        self.hub = Hub(self.hub.home, self.config)


@contextmanager
def channel_hub(root: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ChannelHub]:
    for var in (MASTER_KEY_ENV, "SHUZHI_LAKE_CATALOG", "SHUZHI_LAKE_DATA_PATH"):
        monkeypatch.delenv(var, raising=False)
    home = Home(root / "home").ensure()
    monkeypatch.setenv("SHUZHI_HOME", str(home.root))  # the department configs name paths in it
    create_key_file(home.keys / "master.key")
    config = root / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    yield ChannelHub(Hub(home, config), monkeypatch)


def source_of(sources: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in sources["sources"] if s["name"] == name)
