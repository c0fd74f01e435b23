"""Contracts to and from ODCS v3: every contract round-trips, every export is valid against
the ODCS JSON schema shipped in the repository, and a broken document is refused by key."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from catalog_fixtures import copy_config

from catalog.contracts import DatasetContract, ProductContract
from catalog.errors import ConfigError, load_model
from catalog.odcs import (
    SCHEMA_FILE,
    OdcsError,
    check_in_catalogue,
    contract_yaml,
    export_odcs,
    import_odcs,
    odcs_problems,
)
from catalog.registry import Catalog, load_catalog
from home.layout import DEFAULT_CONFIG_DIR

CATALOG = load_catalog(DEFAULT_CONFIG_DIR)
NAMES = sorted([*CATALOG.datasets, *CATALOG.products])
SHUZHI = Path(sys.executable).with_name("shuzhi")


def _contract(catalog: Catalog, name: str) -> DatasetContract | ProductContract:
    return catalog.datasets.get(name) or catalog.products[name]


def _export(name: str) -> dict[str, Any]:
    contract = _contract(CATALOG, name)
    query = CATALOG.queries.get(name)
    document = export_odcs(
        contract,
        department_name=CATALOG.departments[contract.owner].name,
        glossary=CATALOG.glossary,
        sql=query.sql if query else None,
    )
    # Through YAML text, as a file would carry it.
    loaded: dict[str, Any] = yaml.safe_load(yaml.safe_dump(document, allow_unicode=True))
    return loaded


def test_the_schema_is_shipped_in_the_repository_with_its_source() -> None:
    assert SCHEMA_FILE.is_file() and SCHEMA_FILE.parent.name == "schemas"
    readme = (SCHEMA_FILE.parent / "README.md").read_text(encoding="utf-8")
    assert SCHEMA_FILE.name in readme and "open-data-contract-standard" in readme


@pytest.mark.parametrize("name", NAMES)
def test_every_contract_exports_valid_odcs_and_imports_back_equal(name: str) -> None:
    document = _export(name)
    assert odcs_problems(document) == []
    back, sql = import_odcs(document, f"{name}.odcs.yaml")
    assert back == _contract(CATALOG, name)
    query = CATALOG.queries.get(name)
    assert sql == (query.sql if query else None)
    # and our YAML written from it loads to the same contract again
    again = load_model(type(back), Path("x.yaml"), yaml.safe_load(contract_yaml(back)))
    assert again == back


def test_the_mapping_uses_odcs_fields_where_odcs_has_them() -> None:
    document = _export("assistance")
    assert document["team"]["name"] == "civil_affairs"
    assert document["team"]["description"] == "示范区民政局"
    assert document["team"]["members"] == [{"username": "steward_district", "role": "data steward"}]
    sla = {s["property"]: s for s in document["slaProperties"]}
    assert (sla["frequency"]["value"], sla["frequency"]["unit"]) == (1, "week")
    assert (sla["latency"]["value"], sla["latency"]["unit"]) == (200, "h")
    assert (sla["retention"]["value"], sla["retention"]["unit"]) == (3650, "d")
    [obj] = document["schema"]
    props = {p["name"]: p for p in obj["properties"]}
    assert props["id_number"]["classification"] == "L4"
    assert props["id_number"]["primaryKeyPosition"] == 1 and props["category"]["primaryKey"]
    assert props["id_number"]["physicalName"] == "id_number_token"
    assert props["category"]["enum"][0] == {"value": "高龄补贴"}
    engines = {q.get("engine") for q in obj["quality"]}
    assert "great-expectations" in engines
    [share] = [q for q in obj["quality"] if q.get("metric") == "invalidValues"]
    assert share["mustBeLessOrEqualTo"] == 20.0
    custom = {c["property"]: c["value"] for c in document["customProperties"]}
    assert custom["sharing"] == "conditional" and custom["sharingLabel"] == "有条件共享"
    assert {"term": "低保"} | {"meaning": custom["glossary"][0]["meaning"]} == custom["glossary"][0]
    assert "低保" in document["tags"]


def test_the_validator_is_not_vacuous() -> None:
    """The denied half: documents the schema forbids are reported with their path."""
    document = _export("population")
    bad = copy.deepcopy(document)
    bad["kind"] = "Contract"
    bad["schema"][0]["properties"][0]["colour"] = "red"
    del bad["apiVersion"]
    problems = odcs_problems(bad)
    assert any(p.startswith("kind: ") for p in problems)
    assert any(p.startswith("(top level): 'apiVersion' is a required property") for p in problems)
    assert any(p.startswith("schema.0.properties.0") for p in problems)
    with pytest.raises(OdcsError, match="not valid ODCS"):
        import_odcs(bad, "bad.yaml")


def test_an_import_that_makes_a_bad_contract_names_the_key() -> None:
    document = _export("population")
    document["schema"][0]["properties"][0]["classification"] = "L9"
    with pytest.raises(OdcsError) as err:
        import_odcs(document, "population.odcs.yaml")
    assert "population.odcs.yaml: columns.0.level" in str(err.value)

    document = _export("population")
    document["team"]["members"].append({"username": "someone", "role": "data steward"})
    with pytest.raises(OdcsError, match=r"team.members: exactly one member"):
        import_odcs(document, "population.odcs.yaml")

    document = _export("population")
    [latency] = [s for s in document["slaProperties"] if s["property"] == "latency"]
    latency["value"] = 2  # a daily dataset stale after 2 hours: a typo
    with pytest.raises(OdcsError, match=r"population.odcs.yaml: update: .*shorter than one daily"):
        import_odcs(document, "population.odcs.yaml")


def test_an_imported_contract_is_cross_checked_with_the_catalogue() -> None:
    contract, sql = import_odcs(_export("street_case_stats"), "x")
    check_in_catalogue(contract, sql, DEFAULT_CONFIG_DIR)  # allowed: as shipped

    document = _export("street_case_stats")
    document["team"]["name"] = "tax_bureau"
    contract, sql = import_odcs(document, "x")
    with pytest.raises(ConfigError, match="owner: no department named 'tax_bureau'"):
        check_in_catalogue(contract, sql, DEFAULT_CONFIG_DIR)

    document = _export("assistance")
    [terms] = [c for c in document["customProperties"] if c["property"] == "glossary"]
    terms["value"].append({"term": "五险一金"})
    contract, sql = import_odcs(document, "x")
    with pytest.raises(ConfigError, match=r"glossary\.5: no term '五险一金'"):
        check_in_catalogue(contract, sql, DEFAULT_CONFIG_DIR)


def _run(*args: str, config: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "SHUZHI_CONFIG": str(config), "SHUZHI_HOME": str(home)}
    return subprocess.run(
        [str(SHUZHI), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_cli_export_then_import_writes_the_same_contract(tmp_path: Path) -> None:
    config = copy_config(tmp_path)
    home = tmp_path / "home"
    exported = tmp_path / "odcs" / "assistance.odcs.yaml"
    done = _run("catalog", "export", "--format", "odcs", "assistance", "--out", str(exported),
                config=config, home=home)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert odcs_problems(yaml.safe_load(exported.read_text(encoding="utf-8"))) == []

    printed = _run("catalog", "export", "street_case_stats", config=config, home=home)
    assert printed.returncode == 0 and "apiVersion: v3.2.0" in printed.stdout

    target = config / "datasets" / "assistance.yaml"
    refused = _run("catalog", "import", str(exported), "--out", str(target),
                   config=config, home=home)  # fmt: skip
    assert refused.returncode != 0 and "already exists" in refused.stderr

    target.unlink()
    done = _run("catalog", "import", str(exported), "--out", str(target), config=config, home=home)
    assert done.returncode == 0, done.stderr
    assert load_catalog(config).datasets["assistance"] == CATALOG.datasets["assistance"]

    shown = _run("catalog", "import", str(exported), config=config, home=home)
    assert shown.returncode == 0 and shown.stdout.startswith("name: assistance\n")


def test_cli_refuses_an_unknown_name_and_a_broken_file(tmp_path: Path) -> None:
    config = copy_config(tmp_path)
    home = tmp_path / "home"
    unknown = _run("catalog", "export", "ghosts", config=config, home=home)
    assert unknown.returncode != 0 and "no dataset or product 'ghosts'" in unknown.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("apiVersion: v3.2.0\nkind: DataContract\n", encoding="utf-8")
    refused = _run("catalog", "import", str(broken), config=config, home=home)
    assert refused.returncode != 0
    assert "'id' is a required property" in refused.stderr
