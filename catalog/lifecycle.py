"""A dataset's life cycle register, read from the catalogue and the audit log.

Seven stages, each with its first and last date, how many events and who acted:

- registered: the contract in the catalogue (owner and steward), dated by the first
  event the log holds about the dataset;
- collected: syncs, staging, protection and merges of its rows;
- shared: products built from it, grants and decisions, rooms built with those
  products;
- used: queries and reveals of it or of its products;
- supervised: steward actions on it, quality results, key rotations, retention runs;
- assessed: the sharing assessment (共享考核) of its owner department;
- retired: the steward's ``retire`` action, or its keys crypto-shredded.

An event is about the dataset when it names the dataset, or one of the products built
from it, in its details (``dataset``, ``contract``, ``product``, ``inputs``,
``products`` …); what an event is counts by its kind, as ``STAGE_OF_KIND`` says.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from audit.events import AuditEvent
from catalog.registry import Catalog

STAGES = ("registered", "collected", "shared", "used", "supervised", "assessed", "retired")
STAGE_OF_KIND = {
    "sync": "collected",
    "stage": "collected",
    "protect": "collected",
    "merge": "collected",
    "product_build": "shared",
    "grant": "shared",
    "decision": "shared",
    "room_build": "shared",
    "room_prune": "shared",
    "query": "used",
    "reveal": "used",
    "steward_action": "supervised",
    "quality": "supervised",
    "key_rotation": "supervised",
    "key_retire": "supervised",
    "token_rotation": "supervised",
    "retention": "supervised",
    "assessment": "assessed",
    "key_shred": "retired",
}
RETIRE_ACTION = "retire_dataset"
# Detail keys that name datasets or products; other keys are not searched (a free-text
# reason that happens to contain a dataset's name is not about it).
NAMING_KEYS = frozenset(
    {"dataset", "datasets", "contract", "product", "products", "inputs", "tables",
     "rows_by_table", "cutoffs", "department", "departments"}
)  # fmt: skip


@dataclass
class Stage:
    name: str
    first: str | None = None  # UTC ISO-8601, as the log writes it
    last: str | None = None
    events: int = 0
    actors: set[str] = field(default_factory=set)
    note: str = ""

    def add(self, event: AuditEvent) -> None:
        self.first = self.first or event.at
        self.last = event.at
        self.events += 1
        self.actors.add(event.actor)

    def as_dict(self) -> dict[str, Any]:
        return {
            "stage": self.name,
            "first": self.first,
            "last": self.last,
            "events": self.events,
            "actors": sorted(self.actors),
            "note": self.note,
        }


@dataclass
class LifecycleRegister:
    dataset: str
    owner: str
    steward: str
    stages: list[Stage]

    @property
    def retired(self) -> bool:
        return self.stage("retired").events > 0

    def stage(self, name: str) -> Stage:
        return next(s for s in self.stages if s.name == name)

    def as_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "owner": self.owner,
            "steward": self.steward,
            "retired": self.retired,
            "stages": [s.as_dict() for s in self.stages],
        }


def lifecycle(catalog: Catalog, dataset: str, events: Iterable[AuditEvent]) -> LifecycleRegister:
    contract = catalog.datasets.get(dataset)
    if contract is None:
        raise ValueError(f"no dataset {dataset!r} in the catalogue")
    products = {p.name for p in catalog.products.values() if dataset in p.inputs}
    names = {dataset, *products}
    stages = {name: Stage(name) for name in STAGES}
    stages["registered"].actors = {contract.owner, contract.steward}
    stages["registered"].note = f"in the catalogue: {contract.title}"
    first_seen: str | None = None
    for event in events:
        stage = _stage_of(event, dataset, names, contract.owner)
        if stage is None:
            continue
        first_seen = first_seen or event.at
        stages[stage].add(event)
    stages["registered"].first = stages["registered"].last = first_seen
    stages["shared"].note = f"products: {', '.join(sorted(products)) or '-'}"
    if contract.retention is not None:
        stages["retired"].note = (
            f"rows kept {contract.retention.keep_days} days "
            f"({contract.retention.basis}; {contract.retention.rule})"
        )
    return LifecycleRegister(dataset, contract.owner, contract.steward, list(stages.values()))


def _stage_of(event: AuditEvent, dataset: str, names: set[str], owner: str) -> str | None:
    stage = STAGE_OF_KIND.get(event.kind)
    if stage is None:
        return None
    details = event.details
    if stage == "assessed":
        return stage if owner in _named(details) else None
    if not names & _named(details):
        return None
    if event.kind == "steward_action" and details.get("action") == RETIRE_ACTION:
        return "retired" if details.get("outcome") == "allowed" else "supervised"
    if event.kind == "key_shred" and details.get("dataset") != dataset:
        return None
    return stage


def _named(details: dict[str, Any]) -> set[str]:
    """The dataset and product names an event's details give (values and, for maps such
    as ``rows_by_table``, keys before their first dot)."""
    found: set[str] = set()
    for key, value in details.items():
        if key in NAMING_KEYS:
            found |= _names_in(value)
    return found


def _names_in(value: object) -> set[str]:
    if isinstance(value, str):
        return {value, value.split(".", 1)[0]}
    if isinstance(value, dict):
        return {n for k in value for n in _names_in(str(k))}
    if isinstance(value, list | tuple | set):
        return {n for item in value for n in _names_in(item)}
    return set()
