"""Everything the hub materialises, as the catalogue lists it: one entry per Dagster asset.

Raw copies (one per source), staged tables and their quarantines, protected tables,
merged cases, products and the data rooms. The Dagster graph is built from the same
contracts by ``pipelines/`` on its own; a test holds the two to the same names, so
nothing runs that the catalogue does not list and nothing is listed that never runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from catalog.registry import Catalog

Layer = Literal["raw", "staged", "quarantine", "protected", "products", "rooms"]
ROOMS_ASSET = "data_rooms"


@dataclass(frozen=True)
class CatalogAsset:
    name: str  # the Dagster asset key
    kind: Literal["dataset", "product", "rooms"]
    layer: Layer
    dataset: str | None = None
    product: str | None = None
    source: str | None = None  # a raw copy's source (channel)
    table: str | None = None  # where it lives in the lakehouse: "<schema>.<table>"


def catalogue_assets(catalog: Catalog) -> list[CatalogAsset]:
    """Every asset, in flow order: per dataset raw → staged (+ quarantine) → protected
    (→ merged), then products, then the rooms."""
    assets: list[CatalogAsset] = []
    for name, contract in catalog.datasets.items():
        for source in (s for s in catalog.sources.values() if s.dataset == name):
            assets.append(
                CatalogAsset(
                    catalog.raw_asset_name(source.name),
                    "dataset",
                    "raw",
                    dataset=name,
                    source=source.name,
                    table=f"raw.{name}",
                )
            )
        for layer in ("staged", "quarantine", "protected"):
            assets.append(
                CatalogAsset(f"{layer}_{name}", "dataset", layer, name, table=f"{layer}.{name}")
            )
        if contract.merge is not None:
            assets.append(
                CatalogAsset(
                    f"merged_{name}", "dataset", "protected", name, table=f"protected.{name}_merged"
                )
            )
    for name in catalog.products:
        assets.append(
            CatalogAsset(name, "product", "products", product=name, table=f"products.{name}")
        )
    assets.append(CatalogAsset(ROOMS_ASSET, "rooms", "rooms"))
    return assets
