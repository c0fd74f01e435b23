"""Standardise and check a whole raw batch column by column; per row, the first problem.

The checks run in the order a row was always judged in, and each row keeps the
first one it fails:

1. the contract's columns in order (a missing required value, or the column's problem);
2. derived columns (``cannot be derived from …``);
3. the community belongs to the row's street;
4. sex and birth date agree with the resident ID;
5. the contract's ``on_fail: quarantine`` rules, in order.

Each step is computed for every row as a mask or an array of reasons (null: fine),
so one failing row costs no Python of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from catalog.contracts import DatasetContract
from catalog.district import District
from quality.channel_rules import ChannelRules
from quality.column_standardise import resident_id_valid, standardise_column
from quality.row_rules import id_consistency
from quality.rule_rows import RowRules, rule_reason
from quality.standardise import Standardiser

_NO_REASON = pa.scalar(None, pa.string())


@dataclass
class BatchOutcome:
    """Clean values by contract column, and per row the first failing field and reason
    (both null for a row that passed)."""

    clean: dict[str, pa.Array]
    field: pa.Array
    reason: pa.Array
    # str() of a date-time column's values where the typed column drops fractions
    fingerprint_texts: dict[str, pa.Array]


class _FirstFailure:
    """Keeps, per row, the first (field, reason) offered."""

    def __init__(self, rows: int) -> None:
        self.field = pa.nulls(rows, pa.string())
        self.reason = pa.nulls(rows, pa.string())

    def offer(self, field: str, reason: pa.Array) -> None:
        fresh = pc.and_(pc.is_null(self.reason), pc.is_valid(reason))
        if not pc.any(fresh).as_py():
            return
        self.field = pc.if_else(fresh, pa.scalar(field, pa.string()), self.field)
        self.reason = pc.if_else(fresh, reason, self.reason)

    def offer_mask(self, field: str, mask: pa.Array, reason: str) -> None:
        self.offer(field, pc.if_else(pc.fill_null(mask, False), reason, _NO_REASON))


class BatchStandardiser:
    """The column-wise counterpart of judging one row at a time (``tests/quality/row_reference.py``, which the tests compare it with)."""

    def __init__(
        self,
        contract: DatasetContract,
        district: District,
        today: dt.date,
        rules: ChannelRules,
    ) -> None:
        self.contract = contract
        self.rules = rules
        self.std = Standardiser(district, today, rules.clock)
        self.street_of_community = {c.code: s.code for s, c in district.communities}
        self.row_rules = RowRules(contract, district)

    def batch(self, values: dict[str, pa.Array], rows: int) -> BatchOutcome:
        first = _FirstFailure(rows)
        clean: dict[str, pa.Array] = {}
        present: dict[str, pa.Array] = {}  # where a derived column was filled
        said: dict[str, pa.Array] = {}
        for spec in self.contract.columns:
            if spec.derived_from:
                continue
            column = standardise_column(spec, values.get(spec.name), rows, self.std, self.rules)
            if spec.required:
                first.offer_mask(spec.name, column.blank, "required value is missing")
            first.offer(spec.name, column.problems)
            clean[spec.name] = column.values
            if column.fingerprint_texts is not None:
                said[spec.name] = column.fingerprint_texts
        for spec in self.contract.columns:
            if not spec.derived_from:
                continue
            derived = _lookup(clean.get(spec.derived_from), self.street_of_community, rows)
            clean[spec.name] = derived
            present[spec.name] = pc.is_valid(derived)
            if spec.required:
                first.offer_mask(
                    spec.name, pc.is_null(derived), f"cannot be derived from {spec.derived_from}"
                )
        if "street_code" in clean and "community_code" in clean:
            first.offer_mask(
                "community_code",
                self._community_off_street(clean, present, rows),
                "community does not belong to the row's street",
            )
        self._id_consistency(clean, first, rows)
        for rule, check in self.row_rules.checks:
            problems = _rule_problems(
                self.contract, rule.column, check, clean.get(rule.column), rule, rows
            )
            first.offer(
                rule.column, pc.binary_join_element_wise(rule_reason(rule.name, ""), problems, "")
            )
        return BatchOutcome(clean, first.field, first.reason, said)

    def _community_off_street(
        self, clean: dict[str, pa.Array], present: dict[str, pa.Array], rows: int
    ) -> pa.Array:
        community, street = clean["community_code"], clean["street_code"]
        if not pa.types.is_string(community.type):
            community = pc.cast(community, pa.string())  # str(community) in the per-row check
        truthy = pc.fill_null(pc.not_equal(community, ""), False)
        expected = _lookup(community, self.street_of_community, rows)
        street_text = street if pa.types.is_string(street.type) else None
        if street_text is None:
            same = pa.array([False] * rows)  # a code never equals a non-text value
        else:
            both_null = pc.and_(pc.is_null(expected), pc.is_null(street_text))
            same = pc.or_(both_null, pc.fill_null(pc.equal(expected, street_text), False))
        mask = pc.and_(truthy, pc.invert(same))
        for name in ("community_code", "street_code"):
            if name in present:
                mask = pc.and_(mask, present[name])
        return mask

    def _id_consistency(self, clean: dict[str, pa.Array], first: _FirstFailure, rows: int) -> None:
        ident = clean.get("id_number")
        if ident is None or not pa.types.is_string(ident.type):
            return
        id_spec = next(c for c in self.contract.columns if c.name == "id_number")
        if id_spec.type != "resident_id":
            # Any other text in an id_number column: the per-row check, as it always was.
            self._id_consistency_per_row(clean, first, rows)
            return
        sex, born = clean.get("sex"), clean.get("birth_date")
        if sex is not None and pa.types.is_string(sex.type):
            odd = pc.bit_wise_and(
                pc.cast(pc.utf8_slice_codeunits(ident, 16, 17), pa.int64()),
                pa.scalar(1, pa.int64()),
            )
            id_sex = pc.if_else(pc.equal(odd, 1), "男", "女")
            first.offer_mask(
                "sex",
                pc.and_(pc.is_valid(sex), pc.not_equal(sex, id_sex)),
                "sex does not match the resident ID (17th digit)",
            )
        if born is not None and (pa.types.is_date(born.type) or pa.types.is_timestamp(born.type)):
            if pa.types.is_timestamp(born.type):
                differs = pc.and_(pc.is_valid(ident), pc.is_valid(born))  # datetime != date
            else:
                id_born = pc.strptime(
                    pc.utf8_slice_codeunits(ident, 6, 14), format="%Y%m%d", unit="s"
                ).cast(pa.date32())
                differs = pc.not_equal(born, id_born)
            first.offer_mask(
                "birth_date", differs, "birth date does not match the resident ID (digits 7-14)"
            )

    def _id_consistency_per_row(
        self, clean: dict[str, pa.Array], first: _FirstFailure, rows: int
    ) -> None:
        names = [n for n in ("id_number", "sex", "birth_date") if n in clean]
        columns = {n: clean[n].to_pylist() for n in names}
        fields: dict[str, list[str | None]] = {"sex": [None] * rows, "birth_date": [None] * rows}
        for i in range(rows):
            mismatch = id_consistency({n: columns[n][i] for n in names})
            if mismatch:
                fields[mismatch[0]][i] = mismatch[1]
        either = pc.coalesce(
            pa.array(fields["sex"], pa.string()), pa.array(fields["birth_date"], pa.string())
        )
        which = pc.if_else(pc.is_valid(pa.array(fields["sex"], pa.string())), "sex", "birth_date")
        fresh = pc.and_(pc.is_null(first.reason), pc.is_valid(either))
        first.field = pc.if_else(fresh, which, first.field)
        first.reason = pc.if_else(fresh, either, first.reason)


def _lookup(values: pa.Array | None, table: dict[str, str], rows: int) -> pa.Array:
    """Each text value looked up in ``table`` (null where absent or not text)."""
    if values is None or not pa.types.is_string(values.type):
        return pa.nulls(rows, pa.string())
    keys = pa.array(list(table), pa.string())
    found = pc.index_in(values, value_set=keys)
    return pa.array(list(table.values()), pa.string()).take(found)


def _rule_problems(
    contract: DatasetContract,
    column: str,
    check: Callable[[object], str | None],
    values: pa.Array | None,
    rule: object,
    rows: int,
) -> pa.Array:
    """A quarantine rule's problem per row (null: the row keeps the rule)."""
    if values is None:
        problem = check(None)
        return pa.array([problem] * rows, pa.string())
    kind = getattr(rule, "check", None)
    settled = None
    if kind == "allowed_values" and pa.types.is_string(values.type):
        return _per_distinct(values, check)
    if kind == "checksum":
        spec = contract.column(column)
        if (getattr(rule, "kind", None) or spec.type) == "resident_id" and pa.types.is_string(
            values.type
        ):
            # Canonical IDs the fast check accepts pass; the rest ask the rule itself.
            settled = resident_id_valid(values, dt.date.today())
    if settled is None:
        return _per_distinct(values, check)
    rest = pc.if_else(settled, pa.scalar(None, values.type), values)
    problems = _per_distinct(rest, check)
    return pc.if_else(settled, _NO_REASON, problems)


def _per_distinct(values: pa.Array, check: Callable[[object], str | None]) -> pa.Array:
    """``check`` once per distinct value (and once for null)."""
    encoded = pc.dictionary_encode(values)
    answers = [check(v) for v in encoded.dictionary.to_pylist()]
    problems = pa.array(answers, pa.string()).take(encoded.indices)
    on_null = check(None)
    if on_null is None:
        return problems
    return pc.if_else(pc.is_null(values), pa.scalar(on_null, pa.string()), problems)
