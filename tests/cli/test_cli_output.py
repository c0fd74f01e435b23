"""What the command line prints: timestamps always carry their zone."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from cli.output import print_json, print_table
from lakehouse.meta import utc_iso, utcnow

NAIVE = dt.datetime(2026, 12, 7, 6, 41, 21)  # as the lake keeps its own times: UTC, no zone


def test_a_naive_lake_timestamp_is_printed_as_utc() -> None:
    assert utc_iso(NAIVE) == "2026-12-07T06:41:21+00:00"
    assert utc_iso(None) is None
    assert utc_iso(utcnow()).endswith("+00:00")  # type: ignore[union-attr]


def test_a_timestamp_with_a_zone_keeps_it() -> None:
    shanghai = dt.timezone(dt.timedelta(hours=8))
    assert utc_iso(NAIVE.replace(tzinfo=shanghai)) == "2026-12-07T06:41:21+08:00"


def test_json_and_tables_print_naive_timestamps_with_their_zone(
    capsys: pytest.CaptureFixture[str],
) -> None:
    print_json({"at": NAIVE, "day": dt.date(2026, 12, 7)})
    assert json.loads(capsys.readouterr().out) == {
        "at": "2026-12-07T06:41:21+00:00",
        "day": "2026-12-07",
    }
    print_table(None, ["at"], [[NAIVE]])
    assert "2026-12-07T06:41:21+00:00" in capsys.readouterr().out


def test_what_a_started_process_prints_during_a_json_command_goes_to_stderr() -> None:
    import subprocess
    import sys

    command = """
import subprocess, sys
from cli.output import print_json, stdout_kept_for_json
with stdout_kept_for_json():
    # As a Dagster step worker echoes a step's own output.
    subprocess.run([sys.executable, "-c", "print('step chatter')"], check=True)
    print("in-process chatter")
print_json({"success": True})
"""
    done = subprocess.run(
        [sys.executable, "-c", command], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(done.stdout) == {"success": True}
    assert "step chatter" in done.stderr and "in-process chatter" in done.stderr
