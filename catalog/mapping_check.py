"""Check a source's ``mapping:`` against its dataset's contract when the catalogue loads.

Every error names the file and key (``where``) and says the fix.
"""

from __future__ import annotations

from pathlib import Path

from catalog.categories import load_category_tree, load_code_table
from catalog.contracts import DatasetContract
from catalog.district import District
from catalog.errors import ConfigError
from catalog.source_mapping import SourceMapping


def check_mapping(
    config_dir: Path,
    district: District,
    contract: DatasetContract,
    mapping: SourceMapping,
    where: str,
) -> None:
    columns = {c.name: c for c in contract.columns}
    named: list[tuple[str, str]] = [
        *((f"fields.{c}", c) for c in mapping.fields),
        *((f"constants.{c}", c) for c in mapping.constants),
        *((f"absent.{i}", c) for i, c in enumerate(mapping.absent)),
        *((f"values.{c}", c) for c in mapping.values),
    ]
    if mapping.classify:
        named += [
            ("classify.column", mapping.classify.column),
            ("classify.text", mapping.classify.text),
        ]
    if mapping.locate:
        named += [
            ("locate.text", mapping.locate.text),
            ("locate.community", mapping.locate.community),
        ]
        if mapping.locate.location:
            named.append(("locate.location", mapping.locate.location))
    for key, column in named:
        if column not in columns:
            raise ConfigError(
                f"{where}.{key}: {contract.name} has no column {column!r} "
                f"(columns: {', '.join(columns)})"
            )
        if columns[column].derived_from:
            raise ConfigError(
                f"{where}.{key}: {column!r} is derived from {columns[column].derived_from!r}; "
                "map that column instead"
            )
    sent = [f for f in mapping.fields.values()]
    repeated = sorted({f for f in sent if sent.count(f) > 1})
    if repeated:
        raise ConfigError(f"{where}.fields: the channel field(s) {repeated} feed two columns")
    for index, column in enumerate(mapping.absent):
        if columns[column].required:
            raise ConfigError(
                f"{where}.absent.{index}: {column!r} is required by the {contract.name} "
                "contract; map it in fields, or give it in constants"
            )
    for column, value in mapping.constants.items():
        _check_value(config_dir, contract, column, value, f"{where}.constants.{column}")
    for column, value_map in mapping.values.items():
        key = f"{where}.values.{column}"
        if value_map.table is not None:
            try:
                codes = load_code_table(config_dir, value_map.table).codes
            except ConfigError as problem:
                raise ConfigError(f"{key}.table: {problem}") from None
        else:
            codes = value_map.codes or {}
        for code, target in codes.items():
            _check_value(config_dir, contract, column, target, f"{key} (code {code!r})")
    if mapping.classify:
        spec = columns[mapping.classify.column]
        if spec.vocabulary is None:
            raise ConfigError(
                f"{where}.classify.column: {spec.name!r} has no vocabulary (a category tree "
                "with keywords) in the contract to classify by"
            )
        if columns[mapping.classify.text].protection != "redact":
            raise ConfigError(
                f"{where}.classify.text: {mapping.classify.text!r} is not redacted free text"
            )
    if mapping.locate:
        if columns[mapping.locate.community].type not in ("community_name", "community_code"):
            raise ConfigError(
                f"{where}.locate.community: {mapping.locate.community!r} is not a community column"
            )
        if not any(c.roads or c.compounds for _, c in district.communities):
            raise ConfigError(
                f"{where}.locate: the district names no roads or compounds to locate by; "
                "list them under each community in district.yaml"
            )


def _check_value(
    config_dir: Path, contract: DatasetContract, column: str, value: str, key: str
) -> None:
    spec = contract.column(column)
    if spec.type == "enum" and value not in (spec.values or []):
        raise ConfigError(f"{key}: {value!r} is not one of {spec.name}'s values {spec.values}")
    if spec.vocabulary is not None:
        tree = load_category_tree(config_dir, spec.vocabulary)
        if value not in tree.leaves:
            raise ConfigError(
                f"{key}: {value!r} is not a category of {spec.vocabulary} (its leaves: "
                f"{', '.join(sorted(tree.leaves))})"
            )
