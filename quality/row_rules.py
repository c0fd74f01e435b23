"""Checks across the fields of one row."""

from __future__ import annotations

import datetime as dt

from identifiers import resident_id


def id_consistency(row: dict[str, object]) -> tuple[str, str] | None:
    """A resident ID carries sex and birth date; other fields must agree with it."""
    ident = row.get("id_number")
    if not isinstance(ident, str):
        return None
    parsed = resident_id.ResidentId(ident)
    sex = row.get("sex")
    if isinstance(sex, str) and sex != parsed.sex:
        return ("sex", "sex does not match the resident ID (17th digit)")
    born = row.get("birth_date")
    if isinstance(born, dt.date) and born != parsed.birth_date:
        return ("birth_date", "birth date does not match the resident ID (digits 7-14)")
    return None


def derive(row: dict[str, object], column: str, source_column: str, lookup: dict) -> None:
    """Fill a derived column, e.g. street_code from a community code."""
    value = row.get(source_column)
    if isinstance(value, str) and value in lookup:
        row[column] = lookup[value]
