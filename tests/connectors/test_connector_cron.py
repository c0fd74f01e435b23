"""connectors.cron beside Dagster's own cron check: what it accepts, Dagster accepts."""

from __future__ import annotations

import pytest
from dagster._utils.schedules import is_valid_cron_string

from connectors.cron import is_cron_expression

# Accepted by both: the forms the contracts use and their neighbours.
ACCEPTED = [
    "0 6 * * *",
    "*/15 * * * *",
    "30 3 * * 1",
    "0,30 8-18 * * 1-5",
    "1-10/3 * * * *",
    "5/10 * * * *",
    "0 0 1 jan-dec/2 *",
    "0 0 * JAN-MAR *",
    "0 0 * * mon-fri",
    "0 0 * * 0-7",
    "0 0 * * 7",
    "0 0 29 2 *",
    "0 0 30,31 2 *",
    "0 0 29-31 2 *",
    "01 * * * *",
    "  0 6 * * *  ",
    "@daily",
    "@HOURLY",
    "@annually",
]
# Refused by both: wrong ranges, wrong field counts, words, a date that never comes.
REFUSED = [
    "0 25 * * *",
    "60 * * * *",
    "0 0 0 * *",
    "0 0 32 * *",
    "0 0 * 13 *",
    "0 0 * * 8",
    "*/0 * * * *",
    "* * *",
    "* * * * * *",
    "every night",
    "a * * * *",
    "1.5 * * * *",
    "- * * * *",
    "@reboot",
    "0 0 30 2 *",
    "0 0 31 feb *",
    "0 0 5L * *",
]
# Dagster's parser takes these rarer forms; the contracts may not (a stricter check, not
# a looser one).
DAGSTER_ONLY = ["0 0 L * *", "0 0 * * 1#2", "0 0 ? * *", "0 0 * * fri-mon", "10-5 * * * *"]


@pytest.mark.parametrize("cron", ACCEPTED)
def test_a_cron_dagster_runs_is_accepted(cron: str) -> None:
    assert is_valid_cron_string(cron)
    assert is_cron_expression(cron)


@pytest.mark.parametrize("cron", REFUSED)
def test_a_cron_dagster_refuses_is_refused(cron: str) -> None:
    assert not is_valid_cron_string(cron)
    assert not is_cron_expression(cron)


@pytest.mark.parametrize("cron", DAGSTER_ONLY)
def test_a_rare_form_is_refused_though_dagster_takes_it(cron: str) -> None:
    assert is_valid_cron_string(cron)
    assert not is_cron_expression(cron)
