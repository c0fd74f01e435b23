"""A steward's approval may narrow what an access request asked for, never widen it.

The request asks for rows (``own_street``, ``own_community``, ``own_jurisdiction``,
``district``) and, for its columns, the conservative treatments of
``access_requests.REQUEST_TREATMENTS``. Approving, a steward may give:

1. Rows no wider than asked, compared as the engine resolves them for the requester
   (``engine.grant_rows``: district > street > community); rows the requester has no
   area for (``own_street`` for a department) are refused as showing nothing.
2. Per level (``L1``..``L4``) or per product column, a treatment no more revealing than
   asked (``TREATMENT_RANK``: withheld < token < year_only < masked < clear). A mask is
   kept as asked: another named mask over ``masked`` could show more, so it is refused.
3. ``token`` only for columns with a ``token_domain``: a data room shows any other column
   as it is under ``token`` (it takes it for a pseudonym already), which would narrow
   nothing.

Everything the steward leaves alone stays as asked. Each refusal names what was asked
and what was given; the grant's reason records every narrowing.
"""

from __future__ import annotations

from collections.abc import Mapping

from catalog.contracts import ProductColumn, ProductContract
from policies.engine import grant_rows
from policies.models import TREATMENT_RANK, Grant, Principal, RowScope, check_treatment
from policies.models import parse_treatment as _parse

LEVELS = ("L1", "L2", "L3", "L4")


class NarrowingRefused(ValueError):
    """The approval is wider than the request, or names what does not exist."""


def rows_width(who: Principal, product: ProductContract, grant: Grant) -> int:
    """The width of the rows ``grant`` gives ``who``; refused when it gives none."""
    found = grant_rows(who, product, grant)
    if isinstance(found, str):
        area = None
        if grant.rows in ("own_street", "own_jurisdiction") and not who.street:
            area = "street"
        elif grant.rows == "own_community" and not who.community:
            area = "community"
        if area is not None:
            raise NarrowingRefused(
                f"{who.id} has no {area}, so rows {grant.rows} would show it nothing"
            )
        raise NarrowingRefused(f"rows {grant.rows} would show {who.id} nothing: {found}")
    return found[0]


def narrowed(
    asked: Grant,
    who: Principal,
    product: ProductContract,
    *,
    rows: RowScope | None = None,
    treatments: Mapping[str, str] | None = None,
) -> tuple[Grant, list[str]]:
    """``asked`` narrowed as the steward approves it, and one line per narrowing."""
    lines: list[str] = []
    update: dict[str, object] = {}
    if rows is not None and rows != asked.rows:
        given = asked.model_copy(update={"rows": rows})
        if rows_width(who, product, given) > rows_width(who, product, asked):
            raise NarrowingRefused(
                f"rows {rows} are wider than the {asked.rows} asked for; "
                "an approval may narrow the rows, never widen them"
            )
        update["rows"] = rows
        lines.append(f"rows {rows} (asked {asked.rows})")
    asked_levels = {str(level): value for level, value in asked.treatments.items()}
    levels = dict(asked_levels)
    columns = dict(asked.column_treatments)
    by_name = {c.name: c for c in product.columns}
    for key, value in (treatments or {}).items():
        try:
            check_treatment(value)
        except ValueError as bad:
            raise NarrowingRefused(f"{key}: {bad}") from None
        if key in LEVELS:
            before = asked_levels.get(key, "withheld")
            levels[key] = _not_weaker(key, before, value)
            affected = [c for c in product.columns if c.level == key]
        elif key in by_name:
            column = by_name[key]
            before = columns.get(key) or asked_levels.get(column.level, "withheld")
            columns[key] = _not_weaker(key, before, value)
            affected = [column]
        else:
            raise NarrowingRefused(
                f"no column {key!r} in {product.name} and not a level (L1..L4); "
                f"its columns: {', '.join(by_name)}"
            )
        if value != before:
            if _parse(value)[0] == "token":
                _tokenisable(key, affected)
            lines.append(f"{key} {value}")
    if levels != asked_levels:
        update["treatments"] = levels
    if columns != asked.column_treatments:
        update["column_treatments"] = columns
    return (asked.model_copy(update=update) if update else asked), lines


def _tokenisable(what: str, columns: list[ProductColumn]) -> None:
    plain = [c.name for c in columns if not c.token_domain]
    if plain:
        raise NarrowingRefused(
            f"{what}: token would show {', '.join(plain)} as it is (no token_domain to "
            "pseudonymise with); choose masked or withheld"
        )


def _not_weaker(what: str, asked: str, given: str) -> str:
    asked_kind, asked_mask = _parse(asked)
    given_kind, given_mask = _parse(given)
    if TREATMENT_RANK[given_kind] > TREATMENT_RANK[asked_kind]:
        raise NarrowingRefused(
            f"{what}: {given} shows more than the {asked} the request asked for; "
            "an approval may make a treatment stricter, never weaker"
        )
    if given_kind == asked_kind == "masked" and given_mask != asked_mask:
        raise NarrowingRefused(
            f"{what}: {given} is another mask than the request's {asked}, and could show "
            f"more; keep {asked}, or choose token, year_only or withheld"
        )
    return given
