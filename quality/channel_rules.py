"""One source's mapping, compiled for staging: how its raw values become the contract's.

Raw keeps what the channel sent; here, per row and before each value is
standardised, a channel's constants are set, its codes decoded through their code
tables, its times read in its own forms and zone, its category classified from the
redacted text and its community located from the place names in the text. A value
that cannot be converted quarantines the row with the column and the reason (a code
is quoted only when it is short and cannot be personal data).

A dataset column with a ``vocabulary`` (a category tree) accepts only the tree's
leaves, from every source.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from catalog.categories import CategoryTree, load_category_tree, load_code_table
from catalog.contracts import DatasetContract
from catalog.district import District
from catalog.source_mapping import Locate, SourceMapping
from quality.channel_times import ChannelClock
from quality.place_names import PlaceLocator
from quality.standardise import ValueProblem

_SHOWN_CODE = re.compile(r"^[^\d]*\d{0,5}[^\d]*$")  # no run of 6+ digits: never an ID or phone
_SHOWN_CHARS = 12


def shown_code(code: str) -> str:
    """A code as a reason may quote it: short codes as they are, others by their length."""
    if len(code) <= _SHOWN_CHARS and _SHOWN_CODE.match(code):
        return repr(code)
    return f"a code of {len(code)} characters"


@dataclass(frozen=True)
class CodeMap:
    codes: dict[str, str]
    label: str  # where the codes are kept, for the reason: a file, or "the mapping's codes"

    def decode(self, raw: str) -> str:
        code = unicodedata.normalize("NFKC", raw).strip()
        try:
            return self.codes[code]
        except KeyError:
            raise ValueProblem(f"code {shown_code(code)} is not in {self.label}") from None


@dataclass(frozen=True)
class Vocabulary:
    leaves: frozenset[str]
    label: str

    def check(self, value: object) -> None:
        if value is not None and value not in self.leaves:
            raise ValueProblem(f"not a category of {self.label}")


@dataclass(frozen=True)
class ChannelRules:
    """What staging does to one source's rows beyond standardising each column."""

    source: str
    constants: dict[str, str] = field(default_factory=dict)
    codes: dict[str, CodeMap] = field(default_factory=dict)
    clock: ChannelClock | None = None
    vocabularies: dict[str, Vocabulary] = field(default_factory=dict)
    classify: tuple[str, str, CategoryTree] | None = None  # (column, text column, tree)
    locate: tuple[Locate, PlaceLocator] | None = None

    def fill(self, values: dict[str, list[str | None]], rows: int) -> list[tuple[str, str] | None]:
        """Set the columns the channel does not send, for a batch of ``rows`` rows (values
        by column, changed in place); per row, the (column, reason) that stops it."""
        for column, constant in self.constants.items():
            values[column] = [constant] * rows
        problems: list[tuple[str, str] | None] = [None] * rows
        if self.locate is not None:
            spec, locator = self.locate
            texts = values.get(spec.text) or [None] * rows
            communities: list[str | None] = []
            for index, text in enumerate(texts):
                try:
                    communities.append(locator.community(text))
                except ValueProblem as problem:
                    communities.append(None)
                    problems[index] = (spec.community, str(problem))
            values[spec.community] = communities
            if spec.location:
                values[spec.location] = [locator.location(t) for t in texts]
        if self.classify is not None:
            column, text_column, tree = self.classify
            redacted = _redacted(values.get(text_column) or [None] * rows)
            values[column] = [tree.classify(text) for text in redacted]
        return problems


def _redacted(texts: Sequence[str | None]) -> list[str | None]:
    """The texts with personal data replaced by [ENTITY]: no name or number decides a
    category. Imported here: the detector is heavy and only a classifying channel needs it."""
    import pyarrow as pa

    from pii.text_scan import redact_column

    return redact_column(pa.array(list(texts), pa.string())).redacted.to_pylist()


def vocabularies(config_dir: Path, contract: DatasetContract) -> dict[str, Vocabulary]:
    out = {}
    for spec in contract.columns:
        if spec.vocabulary is not None:
            tree = load_category_tree(config_dir, spec.vocabulary)
            out[spec.name] = Vocabulary(tree.leaves, spec.vocabulary)
    return out


def channel_rules(
    config_dir: Path,
    district: District,
    contract: DatasetContract,
    source: str,
    mapping: SourceMapping | None,
) -> ChannelRules:
    """Compile a source's mapping (checked when the catalogue loaded) for staging."""
    known = vocabularies(config_dir, contract)
    if mapping is None:
        return ChannelRules(source, vocabularies=known)
    codes = {}
    for column, value_map in mapping.values.items():
        if value_map.table is not None:
            table = load_code_table(config_dir, value_map.table)
            codes[column] = CodeMap(table.codes, value_map.table)
        else:
            codes[column] = CodeMap(dict(value_map.codes or {}), "the source's mapping codes")
    clock = None
    if mapping.times is not None:
        clock = ChannelClock(
            mapping.times.forms, mapping.times.timezone, district.district.timezone
        )
    classify = None
    if mapping.classify is not None:
        spec = contract.column(mapping.classify.column)
        assert spec.vocabulary is not None  # checked when the catalogue loaded
        tree = load_category_tree(config_dir, spec.vocabulary)
        classify = (spec.name, mapping.classify.text, tree)
    locate = (mapping.locate, PlaceLocator(district)) if mapping.locate else None
    return ChannelRules(
        source,
        constants=dict(mapping.constants),
        codes=codes,
        clock=clock,
        vocabularies=known,
        classify=classify,
        locate=locate,
    )
