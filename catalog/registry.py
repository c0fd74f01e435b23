"""Load and cross-check the whole catalogue from the configuration folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import yaml

from catalog.contracts import DatasetContract, ProductContract
from catalog.district import District, load_district
from catalog.errors import ConfigError, load_model
from connectors.config import AnySource, Department


def _read_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None


@dataclass(frozen=True)
class Catalog:
    config_dir: Path
    district: District
    departments: dict[str, Department]
    datasets: dict[str, DatasetContract]
    products: dict[str, ProductContract]

    @property
    def sources(self) -> dict[str, AnySource]:
        return {s.name: s for d in self.departments.values() for s in d.sources}

    def source_for(self, dataset: str) -> AnySource:
        for source in self.sources.values():
            if source.dataset == dataset:
                return source
        raise KeyError(dataset)

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
    catalog = Catalog(
        config_dir=config_dir,
        district=load_district(config_dir),
        departments=_load_folder(config_dir / "departments", Department),
        datasets=_load_folder(config_dir / "datasets", DatasetContract),
        products=_load_folder(config_dir / "products", ProductContract),
    )
    _cross_check(catalog)
    return catalog


def _cross_check(catalog: Catalog) -> None:
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
    for name, dataset in catalog.datasets.items():
        path = catalog.config_dir / "datasets" / f"{name}.yaml"
        if dataset.owner not in catalog.departments:
            raise ConfigError(f"{path}: owner: no department named {dataset.owner!r}")
    for name, product in catalog.products.items():
        path = catalog.config_dir / "products" / f"{name}.yaml"
        for index, input_name in enumerate(product.inputs):
            if input_name not in catalog.datasets:
                raise ConfigError(f"{path}: inputs.{index}: no dataset named {input_name!r}")
        for index, column in enumerate(product.columns):
            if column.sealed_from:
                ds, _, col = column.sealed_from.partition(".")
                if ds not in catalog.datasets or col not in {
                    c.name for c in catalog.datasets[ds].columns
                }:
                    raise ConfigError(
                        f"{path}: columns.{index}.sealed_from: unknown column {column.sealed_from!r}"
                    )
