"""What a dropped file really is, from its first bytes, whatever its name says."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from connectors.batch import BadSourceFile

ZIP_MAGIC = b"PK\x03\x04"  # .xlsx, .xlsm (and any zip)
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # Excel 97-2003 .xls (and other old Office files)
XLSX_SUFFIXES = (".xlsx", ".xlsm")
EXCEL_SUFFIXES = (*XLSX_SUFFIXES, ".xls")

Kind = Literal["empty", "zip", "ole", "text", "binary"]


def sniff(head: bytes) -> Kind:
    if not head:
        return "empty"
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "ole"
    if b"\x00" in head[:512] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary"
    return "text"


def check_kind(path: Path, name: str) -> Kind:
    """The file's kind, or BadSourceFile when it is empty or its extension lies."""
    with path.open("rb") as handle:
        kind = sniff(handle.read(4096))
    suffix = Path(name).suffix.lower()
    if kind == "empty":
        raise BadSourceFile(name, "the file is empty (0 bytes)")
    if suffix in XLSX_SUFFIXES:
        if kind == "ole":
            raise BadSourceFile(
                name,
                f"named {suffix} but is an old Excel 97-2003 workbook (.xls); "
                "save it as .xlsx or drop it as .xls",
            )
        if kind == "text":
            raise BadSourceFile(
                name, f"named {suffix} but holds text, not a workbook (a CSV renamed {suffix}?)"
            )
        if kind == "binary":
            raise BadSourceFile(name, f"named {suffix} but is not a workbook (not a zip archive)")
    elif suffix == ".xls":
        if kind == "zip":
            raise BadSourceFile(name, "named .xls but is an .xlsx workbook (zip); rename it .xlsx")
        if kind in ("text", "binary"):
            raise BadSourceFile(
                name, "named .xls but is not an Excel 97-2003 workbook (an HTML or CSV export?)"
            )
    elif kind == "zip":
        raise BadSourceFile(
            name, f"named {suffix or 'without extension'} but is a zip archive (an .xlsx workbook?)"
        )
    elif kind == "ole":
        raise BadSourceFile(
            name, f"named {suffix or 'without extension'} but is an old Excel 97-2003 workbook"
        )
    return kind
