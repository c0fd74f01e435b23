"""What a demo run wrote: rows and dirt per source, so that loads can be reconciled exactly."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from demo.sizes import DistrictSize

MANIFEST_FILE = "manifest.json"
LEDGER_FILE = "dirt_ledger.csv"


class DirtKindInfo(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    dirt_class: str  # fixable | unfixable | duplicate | conflict
    column: str
    description: str


class SourceManifest(BaseModel):
    """One department source. Paths are relative to the departments folder."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    department: str
    dataset: str
    source: str  # the hub's source that reads it (config/departments/)
    files: list[str]
    rows_written: int
    rows_per_file: dict[str, int]
    fixable: dict[str, int]
    unfixable: dict[str, int]
    duplicates: int
    dirt_kinds: list[DirtKindInfo]
    conflicts: int = 0  # rows that claim an earlier row's key: each holds back two rows

    @property
    def unfixable_total(self) -> int:
        return sum(self.unfixable.values())

    @property
    def fixable_total(self) -> int:
        return sum(self.fixable.values())

    @property
    def expected_loaded(self) -> int:
        """Rows the pipeline should load: written - unfixable - duplicates - 2 × conflicts."""
        return self.rows_written - self.expected_quarantined

    @property
    def expected_quarantined(self) -> int:
        return self.unfixable_total + self.duplicates + 2 * self.conflicts


class MergeTruth(BaseModel):
    """Incidents planted on more than one channel: what the hub's merge should find.

    ``file`` lists each planted record (incident, source, case_no, link); every one of
    them is clean, so all are loaded: ``records`` channel records are ``cases`` cases."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    file: str
    cases: int
    records: int
    by_link: dict[str, int]  # retellings per rule that should link them


class DemoManifest(BaseModel):
    """Saved as ``departments/manifest.json``; ``ledger`` lists every dirty row."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    seed: int
    size: DistrictSize
    export_day: str
    ledger: str
    sources: dict[str, SourceManifest]
    merges: MergeTruth

    def to_json(self) -> str:
        return self.model_dump_json(indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> DemoManifest:
        return cls.model_validate_json(text)

    def save(self, departments: Path) -> Path:
        path = departments / MANIFEST_FILE
        path.write_text(self.to_json(), encoding="utf-8")
        return path

    @classmethod
    def load(cls, departments: Path) -> DemoManifest:
        return cls.from_json((departments / MANIFEST_FILE).read_text(encoding="utf-8"))
