"""An .xlsx workbook is whole before a row of it is read: a complete zip, every part's
checksum right, and no formula without a saved value (which reads as an empty cell)."""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from pathlib import Path
from typing import IO
from xml.etree import ElementTree

from connectors.batch import BadSourceFile

REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
OFFICE_DOCUMENT = re.compile(r"/officeDocument$")
# a formula element, with or without a namespace prefix: <f>, <f t="shared" .../>, <x:f>
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
SHOWN_CELLS = 3


def check_xlsx(path: Path, name: str, sheets: list[str] | None = None) -> None:
    """Raise BadSourceFile naming the damage, or the first cells whose formula has no value.

    ``sheets`` limits the formula check to the sheets that will be read (all when None).
    """
    try:
        book = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError):
        raise BadSourceFile(
            name, "the workbook is damaged: not a complete zip archive (cut short in transfer?)"
        ) from None
    with book:
        try:
            broken = book.testzip()
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as err:
            raise BadSourceFile(name, f"the workbook is damaged: {err}") from None
        if broken is not None:
            raise BadSourceFile(name, f"the workbook is damaged: part {broken} fails its checksum")
        parts = _sheet_parts(book, name)
        missing: list[str] = []
        for sheet, part in parts.items():
            if sheets is not None and sheet not in sheets:
                continue
            missing.extend(f"{sheet}!{cell}" for cell in _formulas_without_value(book, part, name))
    if missing:
        shown = ", ".join(missing[:SHOWN_CELLS])
        more = f" and {len(missing) - SHOWN_CELLS} more" if len(missing) > SHOWN_CELLS else ""
        raise BadSourceFile(
            name,
            f"formulas without a saved value in {shown}{more}: the program that wrote the "
            "workbook did not calculate it; open it in Excel or WPS and save it again",
        )


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml(book: zipfile.ZipFile, part: str, name: str) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(book.read(part))
    except KeyError:
        raise BadSourceFile(name, f"not an Excel workbook: it has no part {part}") from None
    except ElementTree.ParseError as err:
        raise BadSourceFile(name, f"the workbook is damaged: {part} is not XML ({err})") from None


def _rels(book: zipfile.ZipFile, part: str, name: str) -> dict[str, str]:
    """Relationship id → target part of ``part``, resolved to a path inside the zip."""
    folder, base = posixpath.split(part)
    rels_part = posixpath.join(folder, "_rels", f"{base}.rels")
    if rels_part not in book.namelist():
        return {}
    targets = {}
    for rel in _xml(book, rels_part, name):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        resolved = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        targets[rel.get("Id", "")] = posixpath.normpath(resolved)
        if OFFICE_DOCUMENT.search(rel.get("Type", "")):
            targets["officeDocument"] = targets[rel.get("Id", "")]
    return targets


def _sheet_parts(book: zipfile.ZipFile, name: str) -> dict[str, str]:
    """Sheet name → its XML part."""
    workbook = _rels(book, "", name).get("officeDocument", "xl/workbook.xml")
    targets = _rels(book, workbook, name)
    parts = {}
    for element in _xml(book, workbook, name).iter():
        if _local(element.tag) != "sheet":
            continue
        rel_id = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
        if rel_id in targets:
            parts[element.get("name", "")] = targets[rel_id]
    return parts


def _formulas_without_value(book: zipfile.ZipFile, part: str, name: str) -> list[str]:
    if part not in book.namelist():
        raise BadSourceFile(name, f"the workbook is damaged: it has no part {part}")
    with book.open(part) as handle:
        if not _has_formula(handle):
            return []  # most exports hold values only: no need to parse the XML
    cells: list[str] = []
    try:
        with book.open(part) as handle:
            for _, element in ElementTree.iterparse(handle, events=("end",)):
                tag = _local(element.tag)
                if tag == "c":
                    children = {_local(child.tag): child for child in element}
                    value = children.get("v")
                    text = value.text if value is not None else None
                    # t="str" with an empty <v></v> is a formula whose result is ""
                    if "f" in children and not text and element.get("t") != "str":
                        cells.append(element.get("r", "?"))
                    element.clear()
                elif tag == "row":
                    element.clear()
    except ElementTree.ParseError as err:
        raise BadSourceFile(name, f"the workbook is damaged: {part} is not XML ({err})") from None
    return cells


def _has_formula(handle: IO[bytes]) -> bool:
    tail = b""
    for chunk in iter(lambda: handle.read(1 << 20), b""):
        if _FORMULA_TAG.search(tail + chunk):
            return True
        tail = chunk[-64:]
    return False
