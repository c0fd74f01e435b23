"""JSON Lines drops (a Weibo/forum feed): UTF-8 checked whole, true line numbers, bad
lines rejected naming their line and field, every line loaded or rejected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from file_drop_fixtures import bad_file, connector, positions, read, rejected, rows, settle

POSTS = [
    {"post_id": "aB3", "posted_at": "2026-11-03T01:05:00Z", "user": "街坊a1", "text": "东湖社区桂花路12号太吵"},
    {"post_id": "cD4", "posted_at": "2026-11-03T02:05:00Z", "user": "街坊b2", "text": "翠竹苑垃圾没人清运"},
]  # fmt: skip


def _feed(path: Path, lines: list[str], encoding: str = "utf-8", ending: str = "\n") -> Path:
    path.write_bytes(ending.join(lines).encode(encoding) + ending.encode())
    return settle(path)


def _line(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False)


def test_records_become_rows_of_text_at_their_line(tmp_path: Path) -> None:
    path = _feed(tmp_path / "feed.jsonl", [_line(POSTS[0]), "", _line(POSTS[1])])
    batches = read(connector(tmp_path, patterns=["*.jsonl"]), path)
    assert rows(batches) == POSTS
    assert positions(batches) == ["feed.jsonl:line 1", "feed.jsonl:line 3"]  # blank line 2 counts
    assert batches[0].notes == ["encoding utf-8-sig"]


def test_numbers_objects_and_missing_fields(tmp_path: Path) -> None:
    lines = [
        _line({"id": 1, "tags": ["a", "b"], "geo": {"lat": 1.5}, "ok": True}),
        _line({"id": 2}),  # a feed leaves out what it has not got
    ]
    batches = read(connector(tmp_path, patterns=["*.jsonl"]), _feed(tmp_path / "f.jsonl", lines))
    assert rows(batches) == [
        {"id": "1", "tags": '["a", "b"]', "geo": '{"lat": 1.5}', "ok": "True"},
        {"id": "2", "tags": None, "geo": None, "ok": None},
    ]


def test_bad_lines_are_rejected_naming_line_and_field_and_the_rest_loads(tmp_path: Path) -> None:
    good = _line(POSTS[0])
    lines = [
        good,
        good[: len(good) // 2],  # cut short
        "[1, 2, 3]",  # not an object
        _line({**POSTS[1], "geo": "x"}),  # a field the feed does not have
        _line(POSTS[1]),
    ]
    batches = read(
        connector(tmp_path, patterns=["*.jsonl"]), _feed(tmp_path / "f.jsonl", lines, ending="\r\n")
    )
    assert [r["post_id"] for r in rows(batches)] == ["aB3", "cD4"]
    assert positions(batches) == ["f.jsonl:line 1", "f.jsonl:line 5"]
    bad = rejected(batches)
    assert [r.position for r in bad] == ["f.jsonl:line 2", "f.jsonl:line 3", "f.jsonl:line 4"]
    assert "line 2: not valid JSON" in bad[0].reason
    assert "line 3: a JSON list, not an object" in bad[1].reason
    assert "line 4: field 'geo' is not one of the feed's fields (those of line 1)" in bad[2].reason
    assert bad[0].text == lines[1]  # kept (sealed by the landing) for the department to fix
    assert POSTS[0]["text"] not in " ".join(r.reason for r in bad)
    assert len(rows(batches)) + len(bad) == len(lines)


def test_a_renamed_field_is_mapped_back(tmp_path: Path) -> None:
    renamed = {("content" if k == "text" else k): v for k, v in POSTS[0].items()}
    conn = connector(tmp_path, patterns=["*.jsonl"], renames={"content": "text"})
    batches = read(conn, _feed(tmp_path / "f.jsonl", [_line(renamed)]))
    assert rows(batches) == [POSTS[0]]


@pytest.mark.parametrize(
    ("encoding", "reason"),
    [
        ("gbk", "GB18030/GBK text, but JSON Lines are UTF-8"),
        ("utf-16", "NUL byte"),
    ],
)
def test_a_feed_not_in_utf8_is_quarantined_as_a_file(
    tmp_path: Path, encoding: str, reason: str
) -> None:
    path = _feed(tmp_path / "f.jsonl", [_line(POSTS[0])], encoding=encoding)
    err = bad_file(connector(tmp_path, patterns=["*.jsonl"]), path)
    assert reason in err.reason


def test_a_feed_mixing_encodings_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    path.write_bytes((_line(POSTS[0]) + "\n").encode() + (_line(POSTS[1]) + "\n").encode("gbk"))
    settle(path)
    err = bad_file(connector(tmp_path, patterns=["*.jsonl"]), path)
    assert "line 2" in err.reason


def test_an_empty_or_blank_feed_is_quarantined_as_a_file(tmp_path: Path) -> None:
    conn = connector(tmp_path, patterns=["*.jsonl"])
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    settle(empty)
    assert "empty (0 bytes)" in bad_file(conn, empty).reason
    blank = _feed(tmp_path / "blank.jsonl", ["", "  "])
    assert "holds no record" in bad_file(conn, blank).reason


def test_a_byte_order_mark_is_read_through(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + (_line(POSTS[0]) + "\n").encode())
    settle(path)
    assert rows(read(connector(tmp_path, patterns=["*.jsonl"]), path)) == [POSTS[0]]
