"""Which catalogue entries a steward's search and filters keep.

The entries are ``shuzhi catalog list``'s; the words are matched by the catalogue's
own search (``catalog.search``: names, titles, glossary, columns, Chinese cut by
jieba), and the owner by its id or its department's name.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.assets import catalogue_assets
from catalog.contracts import DatasetContract, ProductContract
from catalog.registry import Catalog
from catalog.search import search

FILTERS = ("layer", "kind", "level", "sharing")


@dataclass(frozen=True)
class CatalogueQuery:
    text: str = ""
    layer: str = ""
    kind: str = ""
    level: str = ""
    sharing: str = ""

    def is_empty(self) -> bool:
        return not any((self.text, self.layer, self.kind, self.level, self.sharing))


def contract_of_asset(catalog: Catalog) -> dict[str, str | None]:
    """asset name → the dataset or product it belongs to (None for the data rooms)."""
    return {a.name: a.dataset or a.product for a in catalogue_assets(catalog)}


def matching_contracts(catalog: Catalog, text: str) -> set[str]:
    """Datasets and products the words find, by the catalogue's search or by owner."""
    found = {hit.name for hit in search(catalog, text)}
    needle = text.strip().lower()
    contracts: list[DatasetContract | ProductContract] = [
        *catalog.datasets.values(),
        *catalog.products.values(),
    ]
    for contract in contracts:
        owner = catalog.departments.get(contract.owner)
        owned_by = [contract.owner.lower(), owner.name.lower() if owner else ""]
        if any(needle and needle in name for name in owned_by):
            found.add(contract.name)
    return found


def kept(
    entries: list[dict[str, object]], catalog: Catalog, query: CatalogueQuery
) -> list[dict[str, object]]:
    """The entries that match every filter given, in the catalogue's order."""
    contract = contract_of_asset(catalog)
    found = matching_contracts(catalog, query.text) if query.text.strip() else None
    kept_entries = []
    for entry in entries:
        if found is not None and contract.get(str(entry["name"])) not in found:
            continue
        if any(
            getattr(query, name) and str(entry.get(name) or "") != getattr(query, name)
            for name in FILTERS
        ):
            continue
        kept_entries.append({**entry, "contract": contract.get(str(entry["name"]))})
    return kept_entries
