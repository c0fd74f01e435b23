"""The header row of a dropped file: clean names, renamed, none empty, none repeated."""

from __future__ import annotations

from collections.abc import Mapping

from connectors.batch import BadSourceFile


def clean_header(
    names: list[str | None], renames: Mapping[str, str], file_name: str, where: str = ""
) -> list[str]:
    """Column names as the dataset knows them; BadSourceFile when one is empty or repeated.

    ``where`` says where the header is inside the file ("sheet '工单' row 3: "), if not line 1.
    """
    header = [(n or "").strip().lstrip("\ufeff") for n in names]
    header = [renames.get(n, n) for n in header]
    if not header:
        raise BadSourceFile(file_name, f"{where}header row is empty")
    empty = [i for i, n in enumerate(header, start=1) if not n]
    if empty:
        raise BadSourceFile(
            file_name, f"{where}header row has an empty column name (column {empty[0]})"
        )
    seen: dict[str, int] = {}
    for index, column in enumerate(header, start=1):
        if column in seen:
            raise BadSourceFile(
                file_name,
                f"{where}header row repeats a column name "
                f"({column!r} in columns {seen[column]} and {index})",
            )
        seen[column] = index
    return header
