"""Search the catalogue (``shuzhi catalog search``): datasets and products, ranked.

Each contract is a document of weighted fields: its name and title, the glossary terms
it is about with their ``also`` names (低保 finds 最低生活保障 and "dibao"), its
columns' names and titles, and its description. Text is cut into words the same way
for documents and query: Chinese by jieba's search mode (``cut_for_search``, which also
yields the short words inside long ones), Latin letters and digits as lower-case words.
Each field is scored with BM25 over the catalogue, weighted (name/title 3, glossary 2,
columns 1.5, description 1), and the fields' scores added.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from catalog.contracts import DatasetContract, ProductContract
    from catalog.registry import Catalog

FIELD_WEIGHTS: dict[str, float] = {
    "name": 3.0,
    "title": 3.0,
    "glossary": 2.0,
    "columns": 1.5,
    "description": 1.0,
}
_K1, _B = 1.2, 0.75
_LATIN = re.compile(r"[a-z0-9]+")
_HAN = re.compile(r"[\u3400-\u9fff]+")


def words(text: str) -> list[str]:
    """Lower-case Latin words (``street_case_stats`` → street, case, stats) and jieba's
    search-mode words of each run of Chinese characters."""
    import logging

    import jieba  # seconds to import: only when searching

    jieba.setLogLevel(logging.WARNING)
    text = text.lower()
    # a naive plural fold, so "enterprise" finds "enterprises"
    found = [w[:-1] if len(w) > 3 and w.endswith("s") else w for w in _LATIN.findall(text)]
    for run in _HAN.findall(text):
        found += [w for w in jieba.cut_for_search(run) if w.strip()]
    return found


@dataclass
class Hit:
    name: str
    kind: str  # dataset | product
    title: str
    score: float
    matched: dict[str, list[str]] = field(default_factory=dict)  # field → words matched

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "kind": self.kind,
            "title": self.title,
            "score": round(self.score, 3),
            "matched": self.matched,
        }


def documents(catalog: Catalog) -> dict[str, tuple[str, str, dict[str, str]]]:
    """name → (kind, title, field → text) for every dataset and product."""
    docs: dict[str, tuple[str, str, dict[str, str]]] = {}
    contracts: list[tuple[str, DatasetContract | ProductContract]] = [
        ("dataset", c) for c in catalog.datasets.values()
    ]
    contracts += [("product", p) for p in catalog.products.values()]
    for kind, contract in contracts:
        glossary = []
        for term in contract.glossary:
            entry = catalog.glossary.get(term)
            glossary += [term, *(entry.also if entry else [])]
        columns = [f"{c.name.replace('_', ' ')} {c.title}" for c in contract.columns]
        docs[contract.name] = (
            kind,
            contract.title,
            {
                "name": contract.name.replace("_", " "),
                "title": contract.title,
                "glossary": " ".join(glossary),
                "columns": " ".join(columns),
                "description": contract.description,
            },
        )
    return docs


def search(catalog: Catalog, text: str, limit: int | None = None) -> list[Hit]:
    """The contracts matching ``text``, best first (only those with a score above 0)."""
    query = list(dict.fromkeys(words(text)))
    if not query:
        return []
    docs = documents(catalog)
    tokens = {
        name: {f: Counter(words(t)) for f, t in fields.items()}
        for name, (_, _, fields) in docs.items()
    }
    n = len(docs)
    hits: list[Hit] = []
    averages = {f: sum(sum(tokens[d][f].values()) for d in docs) / n or 1.0 for f in FIELD_WEIGHTS}
    for name, (kind, title, _) in docs.items():
        hit = Hit(name, kind, title, 0.0)
        for f, weight in FIELD_WEIGHTS.items():
            counts = tokens[name][f]
            length = sum(counts.values())
            for word in query:
                tf = counts.get(word, 0)
                if not tf:
                    continue
                df = sum(1 for d in docs if tokens[d][f].get(word))
                idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
                norm = tf * (_K1 + 1) / (tf + _K1 * (1 - _B + _B * length / averages[f]))
                hit.score += weight * idf * norm
                hit.matched.setdefault(f, []).append(word)
        if hit.score > 0:
            hits.append(hit)
    hits.sort(key=lambda h: (-h.score, h.name))
    return hits[:limit] if limit else hits
