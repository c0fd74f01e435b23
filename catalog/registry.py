"""Load and cross-check the whole catalogue from the configuration folder."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import yaml

from catalog import yaml_text
from catalog.categories import load_category_tree
from catalog.contracts import DatasetContract, ProductContract
from catalog.district import District, load_district
from catalog.errors import ConfigError, load_model
from catalog.glossary import GLOSSARY_FILE, Glossary, load_glossary
from catalog.levels import level_rank, strictest
from catalog.mapping_check import check_mapping
from catalog.product_query import ProductQuery, load_product_query
from catalog.source_mapping import channel_fields
from connectors.config import AnySource, Department
from policies.masks import MASKS

PRINCIPALS_FILE = "principals.yaml"


def _read_yaml(path: Path) -> object:
    try:
        return yaml_text.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None


@dataclass(frozen=True)
class Catalog:
    config_dir: Path
    district: District
    departments: dict[str, Department]
    datasets: dict[str, DatasetContract]
    products: dict[str, ProductContract]
    # Each product's SQL (config/products/<name>.sql), checked against its contract.
    queries: dict[str, ProductQuery] = field(default_factory=dict)
    # The district glossary (config/glossary.yaml) the contracts' terms point into.
    glossary: Glossary = field(default_factory=Glossary)

    @property
    def sources(self) -> dict[str, AnySource]:
        return {s.name: s for d in self.departments.values() for s in d.sources}

    def sources_for(self, dataset: str) -> list[AnySource]:
        """Every source (channel) that feeds ``dataset``, in configuration order."""
        found = [s for s in self.sources.values() if s.dataset == dataset]
        if not found:
            raise KeyError(dataset)
        return found

    def source_for(self, dataset: str) -> AnySource:
        """The one source of a single-source dataset; a dataset fed by several channels
        has no single source (use ``sources_for``)."""
        found = self.sources_for(dataset)
        if len(found) > 1:
            names = ", ".join(s.name for s in found)
            raise ValueError(
                f"dataset {dataset} has {len(found)} sources ({names}); use sources_for"
            )
        return found[0]

    def raw_asset_name(self, source_name: str) -> str:
        """The raw asset a source lands in: ``raw_<dataset>`` when the dataset has one
        source (as it always was), ``raw_<source>`` for each channel of a dataset with
        several (they feed one staged asset)."""
        dataset = self.sources[source_name].dataset
        if len(self.sources_for(dataset)) == 1:
            return f"raw_{dataset}"
        return f"raw_{source_name}"

    def raw_assets(self) -> dict[str, str]:
        """Raw asset name → the dataset it feeds, for every source."""
        return {self.raw_asset_name(name): s.dataset for name, s in self.sources.items()}

    def department_of_source(self, source_name: str) -> Department:
        for dept in self.departments.values():
            if any(s.name == source_name for s in dept.sources):
                return dept
        raise KeyError(source_name)


M = TypeVar("M", Department, DatasetContract, ProductContract)


def _load_folder(folder: Path, model: type[M]) -> dict[str, M]:
    items: dict[str, M] = {}
    for path in sorted(folder.glob("*.yaml")):
        item = load_model(model, path, _read_yaml(path))
        key = item.id if isinstance(item, Department) else item.name
        if key in items:
            raise ConfigError(f"{path}: duplicate name {key!r}")
        items[key] = item
    return items


def load_catalog(config_dir: Path) -> Catalog:
    """Read every contract and check that they refer to each other correctly."""
    if not config_dir.is_dir():
        raise ConfigError(f"{config_dir}: configuration folder does not exist")
    products = _load_folder(config_dir / "products", ProductContract)
    for path in sorted((config_dir / "products").glob("*.sql")):
        if path.stem not in products:
            raise ConfigError(
                f"{path}: no contract {path.stem}.yaml beside it; a product's SQL sits next to "
                "its contract (add the contract or remove the file)"
            )
    catalog = Catalog(
        config_dir=config_dir,
        district=load_district(config_dir),
        departments=_load_folder(config_dir / "departments", Department),
        datasets=_load_folder(config_dir / "datasets", DatasetContract),
        products=products,
        queries={
            name: load_product_query(config_dir / "products", product)
            for name, product in products.items()
        },
        glossary=load_glossary(config_dir),
    )
    _cross_check(catalog)
    return catalog


def _cross_check(catalog: Catalog) -> None:
    stewards = _stewards(catalog.config_dir)
    seen_sources: set[str] = set()
    for dept in catalog.departments.values():
        path = catalog.config_dir / "departments" / f"{dept.id}.yaml"
        for index, source in enumerate(dept.sources):
            if source.name in seen_sources:
                raise ConfigError(f"{path}: sources.{index}.name: duplicate source {source.name!r}")
            seen_sources.add(source.name)
            if source.dataset not in catalog.datasets:
                raise ConfigError(
                    f"{path}: sources.{index}.dataset: no dataset contract named {source.dataset!r}"
                )
            contract = catalog.datasets[source.dataset]
            if source.mapping is not None:
                check_mapping(
                    catalog.config_dir,
                    catalog.district,
                    contract,
                    source.mapping,
                    f"{path}: sources.{index}.mapping",
                )
            columns = set(channel_fields(contract, source.mapping))
            unknown = [k for k in getattr(source, "primary_key", []) if k not in columns]
            if unknown:
                raise ConfigError(
                    f"{path}: sources.{index}.primary_key: {unknown} are not columns the "
                    f"{contract.name} contract reads from the source"
                )
    for name, dataset in catalog.datasets.items():
        path = catalog.config_dir / "datasets" / f"{name}.yaml"
        if dataset.owner not in catalog.departments:
            raise ConfigError(f"{path}: owner: no department named {dataset.owner!r}")
        _check_terms(catalog, path, dataset.glossary)
        _check_steward(catalog, stewards, path, dataset.steward)
        for index, spec in enumerate(dataset.columns):
            if spec.vocabulary is not None:
                try:
                    load_category_tree(catalog.config_dir, spec.vocabulary)
                except ConfigError as problem:
                    raise ConfigError(f"{path}: columns.{index}.vocabulary: {problem}") from None
        _check_references(catalog, path, dataset)
    _check_asset_names(catalog)
    for name, product in catalog.products.items():
        path = catalog.config_dir / "products" / f"{name}.yaml"
        if product.owner not in catalog.departments:
            raise ConfigError(f"{path}: owner: no department named {product.owner!r}")
        _check_terms(catalog, path, product.glossary)
        _check_steward(catalog, stewards, path, product.steward)
        for index, input_name in enumerate(product.inputs):
            if input_name not in catalog.datasets:
                raise ConfigError(f"{path}: inputs.{index}: no dataset named {input_name!r}")
        _check_product_level(catalog, path, product)
        for index, column in enumerate(product.columns):
            if column.mask is not None and column.mask not in MASKS:
                raise ConfigError(
                    f"{path}: columns.{index}.mask: no mask named {column.mask!r} "
                    f"(known: {', '.join(MASKS)})"
                )
            if column.sealed_from:
                ds, _, col = column.sealed_from.partition(".")
                if ds not in catalog.datasets or col not in {
                    c.name for c in catalog.datasets[ds].columns
                }:
                    raise ConfigError(
                        f"{path}: columns.{index}.sealed_from: unknown column {column.sealed_from!r}"
                    )


def _check_terms(catalog: Catalog, path: Path, terms: list[str]) -> None:
    for index, term in enumerate(terms):
        if term not in catalog.glossary:
            raise ConfigError(
                f"{path}: glossary.{index}: no term {term!r} in "
                f"{catalog.config_dir / GLOSSARY_FILE}; define it there (term, meaning) or "
                "use a defined term"
            )


def _check_steward(catalog: Catalog, stewards: set[str] | None, path: Path, steward: str) -> None:
    if stewards is not None and steward not in stewards:
        raise ConfigError(
            f"{path}: steward: {steward!r} is not a steward principal in "
            f"{catalog.config_dir / PRINCIPALS_FILE} (known: {', '.join(sorted(stewards))})"
        )


def _check_references(catalog: Catalog, path: Path, dataset: DatasetContract) -> None:
    """An exists_in rule names a dataset column of the same token domain: rows are matched
    by join token, never by plaintext."""
    for index, rule in enumerate(dataset.quality.rules):
        if rule.check != "exists_in":
            continue
        where = f"{path}: quality.rules.{index}.in"
        ref_name, ref_column = rule.reference
        ref = catalog.datasets.get(ref_name)
        if ref is None or ref_column not in {c.name for c in ref.columns}:
            raise ConfigError(f"{where}: no dataset column {rule.in_!r}")
        if ref_name == dataset.name:
            raise ConfigError(f"{where}: a rule refers to another dataset")
        mine, theirs = dataset.column(rule.column), ref.column(ref_column)
        if theirs.protection != "token+seal" or theirs.token_domain != mine.token_domain:
            raise ConfigError(
                f"{where}: {rule.in_} has no join token of domain {mine.token_domain!r}; "
                "values are matched by token only"
            )


def _check_asset_names(catalog: Catalog) -> None:
    """A channel's raw asset (``raw_<source>``) must not take another dataset's name."""
    taken: dict[str, str] = {}
    for name, source in catalog.sources.items():
        asset = catalog.raw_asset_name(name)
        if asset in taken or asset.removeprefix("raw_") in set(catalog.datasets) - {source.dataset}:
            dept = catalog.department_of_source(name)
            raise ConfigError(
                f"{catalog.config_dir / 'departments' / f'{dept.id}.yaml'}: source {name!r}: "
                f"its raw asset {asset} clashes with another source's or dataset's; rename it"
            )
        taken[asset] = name


def _stewards(config_dir: Path) -> set[str] | None:
    """Ids of the steward principals in principals.yaml; None when there is no such file.

    Read as plain data: the catalogue checks a name, it does not load policies.
    """
    path = config_dir / PRINCIPALS_FILE
    if not path.exists():
        return None
    data = _read_yaml(path)
    principals = data.get("principals") if isinstance(data, dict) else None
    return {
        str(p["id"])
        for p in principals or []
        if isinstance(p, dict) and p.get("kind") == "steward" and "id" in p
    }


def _check_product_level(catalog: Catalog, path: Path, product: ProductContract) -> None:
    """A derived product is at least as strict as its inputs, unless a steward downgraded it."""
    inputs = {n: catalog.datasets[n].level for n in product.inputs if n in catalog.datasets}
    floor = strictest(inputs.values())
    if product.downgrade is None:
        if level_rank(product.level) < level_rank(floor):
            strict_inputs = ", ".join(n for n, lv in inputs.items() if lv == floor)
            raise ConfigError(
                f"{path}: columns: the product's strictest column is {product.level} but its "
                f"input {strict_inputs} is {floor}; a derived product takes the strictest level "
                "of its inputs (就高从严): raise the columns' levels or record a downgrade "
                "(to, by, reason)"
            )
        return
    downgrade = product.downgrade
    top = product.columns_level
    if level_rank(downgrade.to) < level_rank(top):
        strictest_column = next(c.name for c in product.columns if c.level == top)
        raise ConfigError(
            f"{path}: downgrade.to: {downgrade.to} is below column {strictest_column}'s "
            f"level {top}; a product is never less strict than its own columns"
        )
    if level_rank(downgrade.to) >= level_rank(floor):
        raise ConfigError(
            f"{path}: downgrade.to: {downgrade.to} is not below the inputs' level {floor}; "
            "nothing to downgrade, remove the downgrade"
        )
    stewards = _stewards(catalog.config_dir)
    if stewards is not None and downgrade.by not in stewards:
        raise ConfigError(
            f"{path}: downgrade.by: {downgrade.by!r} is not a steward principal in "
            f"{catalog.config_dir / PRINCIPALS_FILE}"
        )
