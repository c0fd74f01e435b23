"""Judging one row at a time: the reference the column-wise staging must agree with.

Staging runs :mod:`quality.batch_rows`, which settles whole columns at once; the tests
hold it to this function, value for value and reason for reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from catalog.contracts import DatasetContract
from catalog.district import District
from quality.channel_rules import ChannelRules
from quality.row_rules import derive, id_consistency
from quality.rule_rows import RowRules
from quality.standardise import Standardiser, ValueProblem


class RowStandardiser:
    def __init__(
        self,
        contract: DatasetContract,
        district: District,
        today: dt.date,
        rules: ChannelRules,
    ) -> None:
        self.contract = contract
        self.rules = rules
        std = Standardiser(district, today, rules.clock)
        self.parsers: dict[str, Callable[[str], object]] = {
            c.name: std.for_column(c) for c in contract.columns if not c.derived_from
        }
        self.street_of_community = {c.code: s.code for s, c in district.communities}
        self.rules_by_row = RowRules(contract, district)

    def row(self, values: dict[str, str | None]) -> tuple[dict[str, object] | None, str, str]:
        """(clean row, "", "") or (None, field, reason)."""
        clean: dict[str, object] = {}
        for spec in self.contract.columns:
            if spec.derived_from:
                continue
            text = values.get(spec.name)
            if text is None or (isinstance(text, str) and not text.strip()):
                if spec.required:
                    return None, spec.name, "required value is missing"
                clean[spec.name] = None
                continue
            try:
                if spec.name in self.rules.codes:
                    text = self.rules.codes[spec.name].decode(text)
                clean[spec.name] = self.parsers[spec.name](text)
                if spec.name in self.rules.vocabularies:
                    self.rules.vocabularies[spec.name].check(clean[spec.name])
            except ValueProblem as problem:
                return None, spec.name, str(problem)
        for spec in self.contract.columns:
            if spec.derived_from:
                derive(clean, spec.name, spec.derived_from, self.street_of_community)
                if clean.get(spec.name) is None and spec.required:
                    return None, spec.name, f"cannot be derived from {spec.derived_from}"
        if "street_code" in clean and "community_code" in clean:
            community = clean["community_code"]
            if community and self.street_of_community.get(str(community)) != clean["street_code"]:
                return None, "community_code", "community does not belong to the row's street"
        mismatch = id_consistency(clean)
        if mismatch:
            return None, *mismatch
        broken = self.rules_by_row.first_failure(clean)
        if broken:
            return None, *broken
        return clean, "", ""
