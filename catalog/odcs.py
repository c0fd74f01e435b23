"""Contracts to and from the Open Data Contract Standard (ODCS v3.2.0, YAML).

Where ODCS has a field for something, the contract uses it:

=====================================  ==============================================
our contract                           ODCS
=====================================  ==============================================
name, title, description               name, schema[0].businessName, description.purpose
owner (department), steward            team.name (its title in team.description),
                                       team.members[role: data steward].username
update.frequency / freshness_hours     slaProperties frequency (1 hour/day/week/month)
                                       and latency (N h, measured from the last sync)
retention                              slaProperties retention (N d; basis and rule
                                       as its customProperties)
glossary terms                         customProperties glossary (term + meaning) and tags
key                                    properties[].primaryKey / primaryKeyPosition
column level (L1..L4)                  properties[].classification
column title, required, enum values    properties[].businessName, required, enum
column type                            properties[].logicalType (and customProperties type;
                                       a product column's is inferred: counts integer,
                                       columns derived from them number, else string)
sealed / tokenised columns             properties[].physicalName (<col>_token) and
                                       encryptedName (<col>_sealed)
expectations                           schema[0].quality: custom, engine great-expectations
max_quarantine_ratio                   schema[0].quality: library invalidValues, percent
product SQL                            schema[0].customProperties sql
=====================================  ==============================================

Everything else (sharing type and its reasons, protection, token domains, merge rules,
suppression, parameters, downgrade…) has no ODCS field and travels as a
``customProperties`` entry of vendor ``shuzhi``, named after the contract key in
camel case. That rule is generic: a contract key added later travels too, so
export → import always gives the same contract back (a test holds every contract to
it). The exported document is validated against the ODCS JSON schema shipped in
``catalog/schemas/`` (nothing is fetched).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from catalog.contracts import (
    FREQUENCY_LABELS,
    LEVELS,
    SHARING_LABELS,
    DatasetContract,
    ProductContract,
)
from catalog.glossary import Glossary

API_VERSION = "v3.2.0"
VENDOR = "shuzhi"
SCHEMA_FILE = Path(__file__).with_name("schemas") / "odcs-json-schema-v3.2.0.json"
STEWARD_ROLE = "data steward"
GX_ENGINE = "great-expectations"
QUARANTINE_RULE = "quarantine_share"

Contract = DatasetContract | ProductContract

# update.frequency ↔ the ODCS frequency SLA (value 1 per unit).
_FREQUENCY_UNITS = {"hourly": "hour", "daily": "day", "weekly": "week", "monthly": "month"}
_LOGICAL_TYPES = {"integer": "integer", "date": "date", "datetime": "timestamp"}
_PHYSICAL_TYPES = {"integer": "BIGINT", "date": "DATE", "datetime": "TIMESTAMP"}

# Keys written by ``export_odcs`` for readers only; derived from the contract, not read back.
_INFORMATIVE = {"kind", "level", "grade", "sharingLabel"}

# Contract keys that have an ODCS home of their own (the rest travel as customProperties).
_DATASET_MAPPED = {
    "name", "title", "description", "owner", "steward", "update", "retention", "glossary",
    "key", "columns", "expectations", "max_quarantine_ratio",
}  # fmt: skip
_PRODUCT_MAPPED = {
    "name", "title", "description", "owner", "steward", "update", "retention", "glossary",
    "columns",
}  # fmt: skip
_DATASET_COLUMN_MAPPED = {"name", "title", "level", "required", "values"}
_PRODUCT_COLUMN_MAPPED = {"name", "title", "level"}


class OdcsError(ValueError):
    """An ODCS document that is not valid ODCS, or does not make a valid contract."""


def camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)


def snake(key: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", key).lower()


def _plain(model: Any) -> dict[str, Any]:
    """The model's keys as written in a contract (defaults left out, aliases used)."""
    dumped: dict[str, Any] = model.model_dump(mode="json", exclude_defaults=True, by_alias=True)
    return dumped


def _custom(data: dict[str, Any], mapped: set[str]) -> list[dict[str, Any]]:
    return [
        {"property": camel(key), "value": value, "vendor": VENDOR}
        for key, value in data.items()
        if key not in mapped
    ]


def _informative(property_: str, value: object, description: str) -> dict[str, Any]:
    return {"property": property_, "value": value, "description": description, "vendor": VENDOR}


# ---------------------------------------------------------------------------------- export


def export_odcs(
    contract: Contract,
    *,
    department_name: str | None = None,
    glossary: Glossary | None = None,
    sql: str | None = None,
) -> dict[str, Any]:
    """The contract as an ODCS v3 document (a dict ready for YAML).

    ``department_name``, the glossary's meanings and a product's ``sql`` are added for
    readers outside the hub; ``import_odcs`` needs none of them to give the contract back.
    """
    is_product = isinstance(contract, ProductContract)
    data = _plain(contract)
    mapped = _PRODUCT_MAPPED if is_product else _DATASET_MAPPED
    kind = "product" if is_product else "dataset"
    sla: list[dict[str, Any]] = [
        {
            "property": "frequency",
            "value": 1,
            "unit": _FREQUENCY_UNITS[contract.update.frequency],
            "description": f"更新频率：{FREQUENCY_LABELS[contract.update.frequency]}",
        },
        {
            "property": "latency",
            "value": contract.update.freshness_hours,
            "unit": "h",
            "description": f"距最后一次{'构建' if is_product else '同步'}超过 "
            f"{contract.update.freshness_hours} 小时即为过期",
        },
    ]
    if contract.retention is not None:
        sla.append(
            {
                "property": "retention",
                "value": contract.retention.keep_days,
                "unit": "d",
                "description": f"{contract.retention.basis}保留 {contract.retention.keep_days} 天"
                f"（{contract.retention.rule}）",
                "customProperties": [
                    {"property": "basis", "value": contract.retention.basis, "vendor": VENDOR},
                    {"property": "rule", "value": contract.retention.rule, "vendor": VENDOR},
                    *(
                        [{"property": "date_column", "value": column, "vendor": VENDOR}]
                        if (column := contract.retention.date_column)
                        else []
                    ),
                ],
            }
        )
    terms = [
        {"term": term, "meaning": entry.meaning}
        if glossary and (entry := glossary.get(term))
        else {"term": term}
        for term in contract.glossary
    ]
    custom = [
        _informative("kind", kind, "shuzhi contract kind: dataset or product"),
        _informative(
            "level",
            contract.level,
            f"strictest column level (就高从严): {LEVELS[contract.level].label}",
        ),
        _informative("grade", LEVELS[contract.level].grade, "national grade, GB/T 43697-2024"),
        _informative("sharingLabel", SHARING_LABELS[contract.sharing], "政务数据共享类型"),
        *([{"property": "glossary", "value": terms, "vendor": VENDOR}] if terms else []),
        *_custom(data, mapped),
    ]
    schema_object: dict[str, Any] = {
        "name": contract.name,
        "physicalName": f"{'products' if is_product else 'protected'}.{contract.name}",
        "physicalType": "table",
        "logicalType": "object",
        "businessName": contract.title,
        "properties": (
            [_product_property(contract, c) for c in contract.columns]
            if isinstance(contract, ProductContract)
            else [_dataset_property(contract, c) for c in contract.columns]
        ),
    }
    if isinstance(contract, DatasetContract):
        schema_object["quality"] = _dataset_quality(contract)
    if sql is not None:
        schema_object["customProperties"] = [
            {
                "property": "sql",
                "value": sql,
                "description": "the product's SELECT (DuckDB, named parameters)",
                "vendor": VENDOR,
            }
        ]
    team: dict[str, Any] = {
        "name": contract.owner,
        "members": [{"username": contract.steward, "role": STEWARD_ROLE}],
    }
    if department_name:
        team["description"] = department_name
    document: dict[str, Any] = {
        "apiVersion": API_VERSION,
        "kind": "DataContract",
        "id": f"shuzhi-{kind}-{contract.name}",
        "name": contract.name,
        "version": "1.0.0",
        "status": "active",
        "domain": contract.owner,
        "tags": [kind, contract.level, *contract.glossary],
        "description": {"purpose": contract.description},
        "schema": [schema_object],
        "team": team,
        "slaProperties": sla,
        "customProperties": custom,
    }
    return document


def _dataset_property(contract: DatasetContract, column: Any) -> dict[str, Any]:
    data = _plain(column)
    prop: dict[str, Any] = {
        "name": column.name,
        "logicalType": _LOGICAL_TYPES.get(column.type, "string"),
        "physicalType": _PHYSICAL_TYPES.get(column.type, "VARCHAR"),
        "classification": column.level,
        "required": column.required,
    }
    if column.title:
        prop["businessName"] = column.title
    if column.name in contract.key:
        prop["primaryKey"] = True
        prop["primaryKeyPosition"] = contract.key.index(column.name) + 1
    if column.values:
        prop["enum"] = [{"value": v} for v in column.values]
    if column.protection == "token+seal":
        prop["physicalName"] = f"{column.name}_token"
    if column.protection != "none":
        prop["encryptedName"] = f"{column.name}_sealed"
    custom = _custom(data, _DATASET_COLUMN_MAPPED)
    if custom:
        prop["customProperties"] = custom
    return prop


def _product_property(product: ProductContract, column: Any) -> dict[str, Any]:
    data = _plain(column)
    # Product contracts declare no column types: counts are integers, what is computed
    # from them a number, the rest is read as text (not read back on import).
    counts = product.suppression.counts if product.suppression else []
    derived = [d.column for d in product.suppression.derived] if product.suppression else []
    logical = (
        "integer" if column.name in counts else "number" if column.name in derived else "string"
    )
    prop: dict[str, Any] = {
        "name": column.name,
        "logicalType": logical,
        "classification": column.level,
    }
    if column.title:
        prop["businessName"] = column.title
    custom = _custom(data, _PRODUCT_COLUMN_MAPPED)
    if custom:
        prop["customProperties"] = custom
    return prop


def _dataset_quality(contract: DatasetContract) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = [
        {
            "type": "custom",
            "engine": GX_ENGINE,
            "implementation": {"type": e.expectation, "kwargs": dict(e.kwargs)},
            "severity": "error",
        }
        for e in contract.expectations
    ]
    rules.append(
        {
            "name": QUARANTINE_RULE,
            "description": "每个来源最新批次中被隔离（quarantine）的行所占比例上限",
            "type": "library",
            "metric": "invalidValues",
            "unit": "percent",
            "mustBeLessOrEqualTo": round(contract.max_quarantine_ratio * 100, 6),
            "dimension": "conformity",
            "severity": "error",
        }
    )
    return rules


# ------------------------------------------------------------------------------ validation


@cache
def odcs_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return schema


def odcs_problems(document: object) -> list[str]:
    """Where ``document`` breaks the shipped ODCS JSON schema: one line per problem, with
    its path (``schema.0.properties.3.classification: …``); empty when it is valid."""
    import jsonschema

    validator = jsonschema.Draft201909Validator(odcs_schema())
    problems = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
        where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        problems.append(f"{where}: {error.message}")
    return problems


# ---------------------------------------------------------------------------------- import


def import_odcs(document: object, where: str = "ODCS document") -> tuple[Contract, str | None]:
    """The contract an ODCS document describes, and the product's SQL if it carries one.

    ``where`` names the document in errors (its file). Raises ``OdcsError`` when the
    document is not valid ODCS or does not make a valid contract, naming the key.
    """
    from catalog.errors import ConfigError, load_model

    problems = odcs_problems(document)
    if problems:
        raise OdcsError(f"{where}: not valid ODCS {API_VERSION}: " + "; ".join(problems))
    assert isinstance(document, dict)
    schemas = document.get("schema") or []
    if len(schemas) != 1:
        raise OdcsError(f"{where}: schema: one schema object per contract, found {len(schemas)}")
    obj = schemas[0]
    custom = _read_custom(document.get("customProperties"), where, "customProperties")
    kind = custom.pop("kind", None)
    if kind not in ("dataset", "product"):
        raise OdcsError(
            f"{where}: customProperties: kind (vendor {VENDOR}) must be dataset or product"
        )
    glossary = custom.pop("glossary", [])
    data: dict[str, Any] = {
        "name": document.get("name") or obj.get("name"),
        "title": obj.get("businessName"),
        "description": (document.get("description") or {}).get("purpose"),
        **_team(document.get("team"), where),
        **_sla(document.get("slaProperties") or [], where),
        **{snake(k): v for k, v in custom.items()},
    }
    if glossary:
        data["glossary"] = [t["term"] if isinstance(t, dict) else t for t in glossary]
    properties = obj.get("properties") or []
    if kind == "dataset":
        data["columns"] = [
            _dataset_column(p, where, f"schema.0.properties.{i}") for i, p in enumerate(properties)
        ]
        keyed = sorted(
            (p.get("primaryKeyPosition", -1), p["name"]) for p in properties if p.get("primaryKey")
        )
        data["key"] = [name for _, name in keyed]
        data.update(_read_quality(obj.get("quality") or [], where))
        model: type[Contract] = DatasetContract
    else:
        data["columns"] = [
            _product_column(p, where, f"schema.0.properties.{i}") for i, p in enumerate(properties)
        ]
        if isinstance(data.get("parameters"), dict):
            for parameter in data["parameters"].values():
                if parameter.get("type") == "date" and isinstance(parameter.get("value"), str):
                    parameter["value"] = dt.date.fromisoformat(parameter["value"])
        model = ProductContract
    object_custom = _read_custom(obj.get("customProperties"), where, "schema.0.customProperties")
    sql = object_custom.pop("sql", None)
    try:
        contract = load_model(model, Path(where), data)
    except ConfigError as problem:
        raise OdcsError(str(problem)) from None
    return contract, sql if isinstance(sql, str) else None


def _read_custom(items: object, where: str, path: str) -> dict[str, Any]:
    """Our vendor's custom properties (others' are left alone), informative ones dropped."""
    found: dict[str, Any] = {}
    for item in items or []:  # type: ignore[attr-defined]
        if item.get("vendor") != VENDOR:
            continue
        name = item["property"]
        if name in found:
            raise OdcsError(f"{where}: {path}: {name} given twice")
        if name in _INFORMATIVE and name != "kind":
            continue
        found[name] = item["value"]
    return found


def _team(team: object, where: str) -> dict[str, Any]:
    if not isinstance(team, dict):
        raise OdcsError(f"{where}: team: the owning department's team (name, members) is missing")
    stewards = [m["username"] for m in team.get("members") or [] if m.get("role") == STEWARD_ROLE]
    if len(stewards) != 1:
        raise OdcsError(
            f"{where}: team.members: exactly one member with role {STEWARD_ROLE!r}, "
            f"found {len(stewards)}"
        )
    return {"owner": team.get("name"), "steward": stewards[0]}


def _sla(items: list[dict[str, Any]], where: str) -> dict[str, Any]:
    by_property = {item["property"]: (index, item) for index, item in enumerate(items)}
    out: dict[str, Any] = {}
    update: dict[str, Any] = {}
    if "frequency" in by_property:
        index, item = by_property["frequency"]
        units = {unit: freq for freq, unit in _FREQUENCY_UNITS.items()}
        if item.get("value") != 1 or item.get("unit") not in units:
            raise OdcsError(
                f"{where}: slaProperties.{index}: frequency must be 1 per "
                f"{', '.join(units)}; got {item.get('value')} {item.get('unit')}"
            )
        update["frequency"] = units[item["unit"]]
    if "latency" in by_property:
        index, item = by_property["latency"]
        if item.get("unit") not in ("h", "hour", "hours"):
            raise OdcsError(f"{where}: slaProperties.{index}: latency is given in hours (unit h)")
        update["freshness_hours"] = item.get("value")
    if update:
        out["update"] = update
    if "retention" in by_property:
        index, item = by_property["retention"]
        if item.get("unit") not in ("d", "day", "days"):
            raise OdcsError(f"{where}: slaProperties.{index}: retention is given in days (unit d)")
        extra = _read_custom(
            item.get("customProperties"), where, f"slaProperties.{index}.customProperties"
        )
        out["retention"] = {"keep_days": item.get("value"), **extra}
    return out


def _dataset_column(prop: dict[str, Any], where: str, path: str) -> dict[str, Any]:
    column: dict[str, Any] = {"name": prop["name"]}
    if "businessName" in prop:
        column["title"] = prop["businessName"]
    if "classification" in prop:
        column["level"] = prop["classification"]
    if prop.get("required"):
        column["required"] = True
    if prop.get("enum"):
        column["values"] = [e["value"] for e in prop["enum"]]
    custom = _read_custom(prop.get("customProperties"), where, f"{path}.customProperties")
    column.update({snake(k): v for k, v in custom.items()})
    if "type" not in column:
        reverse = {v: k for k, v in _LOGICAL_TYPES.items()}
        column["type"] = (
            "enum" if prop.get("enum") else reverse.get(prop.get("logicalType", ""), "text")
        )
    return column


def _product_column(prop: dict[str, Any], where: str, path: str) -> dict[str, Any]:
    column: dict[str, Any] = {"name": prop["name"], "level": prop.get("classification")}
    if "businessName" in prop:
        column["title"] = prop["businessName"]
    custom = _read_custom(prop.get("customProperties"), where, f"{path}.customProperties")
    column.update({snake(k): v for k, v in custom.items()})
    return column


def _read_quality(rules: list[dict[str, Any]], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {"expectations": []}
    for index, rule in enumerate(rules):
        if rule.get("type") == "custom" and rule.get("engine") == GX_ENGINE:
            implementation = rule.get("implementation")
            if not isinstance(implementation, dict) or "type" not in implementation:
                raise OdcsError(
                    f"{where}: schema.0.quality.{index}.implementation: a Great Expectations "
                    "rule needs {type: expect_…, kwargs: {…}}"
                )
            out["expectations"].append(
                {"expectation": implementation["type"], "kwargs": implementation.get("kwargs", {})}
            )
        elif rule.get("name") == QUARANTINE_RULE:
            out["max_quarantine_ratio"] = round(float(rule["mustBeLessOrEqualTo"]) / 100, 8)
    return out


def contract_yaml(contract: Contract) -> str:
    """The contract as our own YAML (config/datasets/ or config/products/), keys in the
    model's order and only those that differ from their defaults."""
    import yaml

    data = contract.model_dump(mode="json", exclude_defaults=True, by_alias=True)
    if isinstance(contract, ProductContract):
        # A constant date parameter stays a date (json mode made it a string).
        for name, parameter in contract.parameters.items():
            if isinstance(parameter.value, dt.date):
                data["parameters"][name]["value"] = parameter.value
    # The update expectation is always written, even when it is the default.
    data["update"] = contract.update.model_dump(mode="json")
    text: str = yaml.safe_dump(
        data, allow_unicode=True, sort_keys=False, default_flow_style=None, width=100
    )
    return text


def check_in_catalogue(contract: Contract, sql: str | None, config_dir: Path) -> None:
    """Load a copy of the configuration with the contract in its place (and the product's
    SQL beside it), so an imported contract is cross-checked exactly as at load: its owner,
    steward, glossary terms, inputs, levels and SQL parameters. Raises ``ConfigError``."""
    import shutil
    import tempfile

    from catalog.registry import load_catalog

    folder = "products" if isinstance(contract, ProductContract) else "datasets"
    with tempfile.TemporaryDirectory(prefix="shuzhi-import-") as tmp:
        copy = Path(tmp) / "config"
        shutil.copytree(config_dir, copy)
        (copy / folder / f"{contract.name}.yaml").write_text(
            contract_yaml(contract), encoding="utf-8"
        )
        if sql is not None:
            (copy / folder / f"{contract.name}.sql").write_text(sql + "\n", encoding="utf-8")
        load_catalog(copy)
