"""A dataset's or product's whole lineage as an ECharts graph: sources → raw → staged →
protected → products → data rooms → the principals whose decision lets them see it.

The assets and their edges are the Dagster asset graph's (``catalog.lineage.asset_graph``),
walked up and down from the contract's own assets; the sources are the catalogue's; the
principals are those the engine allows (``catalog.show``'s readers, through the rooms).
"""

from __future__ import annotations

from catalog.assets import catalogue_assets
from catalog.lineage import asset_graph, own_assets
from catalog.registry import Catalog

# Chart categories, in flow order (Chinese: the chart's legend).
CATEGORIES = {
    "source": "来源系统",
    "raw": "原始层",
    "staged": "标准层",
    "quarantine": "隔离区",
    "protected": "保护层",
    "products": "数据产品",
    "rooms": "数据室",
    "principal": "可见主体",
}


def lineage_graph(catalog: Catalog, name: str, principals: list[str]) -> dict[str, object]:
    """``{"kind": "graph", "nodes": [...], "links": [...]}`` for ``name``; ``principals``:
    the names of those whose rooms hold it (or a product built on it)."""
    import dagster as dg  # seconds to import: only when lineage is asked for

    graph = asset_graph(catalog)
    layers = {a.name: a.layer for a in catalogue_assets(catalog)}
    nodes: dict[str, str] = {}
    links: set[tuple[str, str]] = set()
    todo = [(asset, direction) for asset in own_assets(catalog, name) for direction in (-1, 1)]
    seen: set[tuple[str, int]] = set()
    while todo:
        asset, direction = todo.pop()
        if (asset, direction) in seen:
            continue
        seen.add((asset, direction))
        nodes[asset] = CATEGORIES[layers.get(asset, "products")]
        node = graph.get(dg.AssetKey(asset))
        keys = node.parent_keys if direction < 0 else node.child_keys
        for key in keys:
            other = key.to_user_string()
            links.add((other, asset) if direction < 0 else (asset, other))
            todo.append((other, direction))
    for source in catalog.sources.values():
        raw = catalog.raw_asset_name(source.name)
        if raw in nodes:
            nodes[source.name] = CATEGORIES["source"]
            links.add((source.name, raw))
    rooms = [asset for asset, layer in layers.items() if layer == "rooms" and asset in nodes]
    for principal in principals if rooms else []:
        nodes[principal] = CATEGORIES["principal"]
        links.add((rooms[0], principal))
    return {
        "kind": "graph",
        "title": f"{name} 血缘",
        "nodes": [{"name": node, "category": category} for node, category in nodes.items()],
        "links": [{"source": a, "target": b} for a, b in sorted(links)],
    }
