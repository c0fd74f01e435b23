"""Is a source's schedule a cron expression Dagster can run? Checked without Dagster.

Reading the contracts must not import all of Dagster (seconds of start-up for every
command) to check one string. This is the plain five-field form Dagster runs:
minute hour day-of-month month day-of-week, each ``*``, a value, a range ``a-b``, a
step ``*/n``, ``a/n`` or ``a-b/n``, or a comma list of these; month and weekday names
(``jan``, ``mon``); and the ``@hourly`` … ``@yearly`` shorthands. Croniter's rarer
forms (``L``, ``W``, ``#``, ``?``, ``H``) are refused: every string accepted here is
one Dagster accepts (tests/connectors/test_connector_cron.py holds the two side by side).
"""

from __future__ import annotations

import re

_SHORTHANDS = frozenset(
    {"@midnight", "@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@annually"}
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")

# (lowest, highest, names numbered from lowest) for each of the five fields
_FIELDS: tuple[tuple[int, int, tuple[str, ...]], ...] = (
    (0, 59, ()),
    (0, 23, ()),
    (1, 31, ()),
    (1, 12, _MONTHS),
    (0, 7, _WEEKDAYS),  # 0 and 7 are both Sunday
)
_ITEM = re.compile(r"^(?:(\*)|([0-9a-z]+)(?:-([0-9a-z]+))?)(?:/([0-9]+))?$")


def is_cron_expression(text: str) -> bool:
    """True when ``text`` is a five-field cron expression (or a shorthand) Dagster runs."""
    if text.strip().lower() in _SHORTHANDS:
        return True
    fields = text.lower().split()
    if len(fields) != len(_FIELDS):
        return False
    values: list[set[int]] = []
    for field, (low, high, names) in zip(fields, _FIELDS, strict=True):
        allowed = _field_values(field, low, high, names)
        if allowed is None:
            return False
        values.append(allowed)
    # Dagster refuses a schedule that can only fire on 30 or 31 February.
    day, month = values[2], values[3]
    return not (month == {2} and len(day) == 1 and day <= {30, 31})


def _field_values(field: str, low: int, high: int, names: tuple[str, ...]) -> set[int] | None:
    """The values one field selects, or None when it is not well formed."""
    selected: set[int] = set()
    for item in field.split(","):
        match = _ITEM.match(item)
        if match is None:
            return None
        star, first, last, step = match.groups()
        if step is not None and int(step) < 1:
            return None
        if star:
            start, end = low, high
        else:
            first_value = _value(first, low, high, names)
            last_value = _value(last, low, high, names) if last is not None else None
            if first_value is None or (last is not None and last_value is None):
                return None
            start = first_value
            # a lone value with a step (a/n) runs on to the field's highest value
            open_end = high if step is not None else start
            end = last_value if last_value is not None else open_end
            if end < start:
                return None
        selected.update(range(start, end + 1, int(step or 1)))
    return selected


def _value(token: str, low: int, high: int, names: tuple[str, ...]) -> int | None:
    if token.isdigit():
        number = int(token)
        return number if low <= number <= high else None
    if token in names:
        return low + names.index(token)
    return None
