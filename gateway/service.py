"""The query gateway: decide, run in the room, audit — for one principal's query.

Every attempt, answered, refused, stopped by a limit or failed, becomes one
audit event naming the principal, purpose, statement shape (see
gateway.statement_shape: no literal, comment or made-up name a user typed),
products, grants and rows returned. Free text (the purpose, a name nobody
registered) is cleaned of personal data before it is written.

Every product read is decided for the caller's stated purpose: a purpose its
grant does not accept (or none) is refused, naming the purposes it accepts. The
audited purpose is the catalogue code when the caller named one (by code or
Chinese name).

The decision is taken at query time from the tables DuckDB's own plan will
read (gateway.plan_reads), so a grant revoked or expired since the room was
built is refused at once; and a product the engine no longer allows is taken
out of the room file there and then (policies.room_prune).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audit.deliveries import Register, register_beside
from audit.free_text import clean_free_text
from audit.log import AuditLog, operator_by
from catalog.registry import Catalog
from gateway.delivery import deliver
from gateway.room_catalogue import answer_catalogue
from gateway.room_connection import QueryFailed, QueryResult, QueryStopped, run_query
from gateway.room_worker import RoomLimits
from gateway.statement import CheckedStatement, StatementRefused, check_statement
from gateway.statement_shape import statement_shape
from policies.engine import Decision, decide
from policies.models import PolicySet
from policies.purposes import resolve_purpose
from policies.room_prune import products_in_room, prune_room
from policies.rooms import MANIFEST_TABLE, room_path

UNKNOWN_ACTOR = "unknown-principal"
_WITHHELD = "[withheld: it could not be cleaned of personal data]"
# How DuckDB says a statement names a table the room does not hold.
_MISSING_TABLE = re.compile(
    r"(?:Catalog Error: Table with name (\S+) does not exist"
    r'|Binder Error: Circular reference to CTE "([^"]+)")'
)
_FREE_TEXT = ("principal", "purpose", "statement", "reason")


class AccessRefused(Exception):
    """The principal may not run this query; the message says why, ``product`` which
    product the refusal is about (when it is about one), for the audit event."""

    def __init__(self, message: str, *, product: str | None = None) -> None:
        super().__init__(message)
        self.product = product


@dataclass
class GatewayAnswer:
    result: QueryResult
    products: list[str]
    grants: list[str] = field(default_factory=list)
    delivery: str | None = None  # the register's id when the answer holds person-level data
    delivery_kind: str | None = None  # query, list or download (a file handed out)


@dataclass
class QueryGateway:
    catalog: Catalog
    policies: PolicySet
    rooms_dir: Path
    audit: AuditLog
    row_limit: int = 10_000
    timeout_s: float = 30.0
    limits: RoomLimits | None = None  # overrides row_limit and timeout_s when given
    deliveries: Register | None = None  # the delivery register; by default beside the log

    def __post_init__(self) -> None:
        if self.deliveries is None:
            self.deliveries = register_beside(self.audit.path)

    def query(
        self,
        principal: str,
        sql: str,
        *,
        purpose: str | None = None,
        day: dt.date | None = None,
        by: str | None = None,
        endpoint: str | None = None,
        delivery_kind: str | None = None,
        delivery_format: str | None = None,
    ) -> GatewayAnswer:
        """Decide, run and audit one statement for ``principal``.

        ``by`` names the person, client or operator behind the call (``person u-0001``,
        ``operator root``) and ``endpoint`` the API route it came through; both are
        recorded in the same one event. An answer holding person-level data is marked
        and registered as a delivery (gateway.delivery) before it leaves; the event
        names it in ``delivery``. ``delivery_kind``/``delivery_format`` say when the
        caller turns it into a file (``download``, ``csv``).
        """
        known = self.policies.principal(principal) is not None
        actor = principal if known else UNKNOWN_ACTOR
        details = self._attempt(principal, known, sql, purpose)
        if by is not None:
            details["by"] = _cleaned(by)
        if endpoint is not None:
            details["endpoint"] = endpoint
        try:
            answer = self._answer(principal, known, sql, day=day, purpose=purpose)
            self._deliver(answer, principal, details, delivery_kind, delivery_format)
        except (AccessRefused, StatementRefused) as refusal:
            refused = {**details, "outcome": "refused", "reason": str(refusal)}
            product = getattr(refusal, "product", None)
            if product is not None:  # so a reviewer's search by product finds refusals too
                refused["products"] = [product]
            self._record(actor, refused)
            raise
        except QueryStopped as stopped:
            self._record(
                actor,
                {**details, "outcome": "stopped", "limit": stopped.limit, "reason": str(stopped)},
            )
            raise
        except BaseException as failure:
            self._record(actor, {**details, "outcome": "failed", "error": type(failure).__name__})
            raise
        self._record(
            actor,
            {
                **details,
                "outcome": "answered",
                "products": answer.products,
                "grants": answer.grants,
                "rows": answer.result.table.num_rows,
                "truncated": answer.result.truncated,
                **(
                    {"delivery": answer.delivery, "delivery_kind": answer.delivery_kind}
                    if answer.delivery
                    else {}
                ),
            },
        )
        return answer

    def _deliver(
        self,
        answer: GatewayAnswer,
        principal: str,
        details: dict[str, Any],
        kind: str | None,
        format: str | None,
    ) -> None:
        """Mark and register a person-level answer; a failure here keeps it from leaving."""
        assert self.deliveries is not None
        answer.result, delivery = deliver(
            self.deliveries,
            self.catalog,
            answer.result,
            products=answer.products,
            grants=answer.grants,
            principal=principal,
            by=details.get("by") or operator_by(),
            statement=details["statement"],
            purpose=details["purpose"],
            kind=kind,
            format=format,
        )
        answer.delivery = delivery.id if delivery else None
        answer.delivery_kind = delivery.kind if delivery else None

    def _attempt(
        self, principal: str, known: bool, sql: str, purpose: str | None
    ) -> dict[str, Any]:
        """What is recorded of every attempt; never raises, whatever the statement is."""
        return {
            "principal": principal if known else _cleaned(principal),
            "purpose": _cleaned(resolve_purpose(purpose, self.policies.purposes)),
            "statement": _cleaned(_shape(sql, self._known_names())),
        }

    def _known_names(self) -> list[str]:
        names = [MANIFEST_TABLE, "product", "column", "level", "treatment", "because", "rows"]
        for product in self.catalog.products.values():
            names.append(product.name)
            names += [column.name for column in product.columns]
        return names

    def _record(self, actor: str, details: dict[str, Any]) -> None:
        """One audit event; free text the guard still refuses is withheld, the event kept."""
        if "reason" in details:
            details["reason"] = _cleaned(str(details["reason"]))
        try:
            self.audit.append("query", actor, details)
        except ValueError:
            withheld = {k: (_WITHHELD if k in _FREE_TEXT else v) for k, v in details.items()}
            self.audit.append("query", actor, withheld)

    def _answer(
        self, principal: str, known: bool, sql: str, *, day: dt.date | None, purpose: str | None
    ) -> GatewayAnswer:
        if not known:
            raise AccessRefused("unknown principal: no office or person of that name is registered")
        room = room_path(self.rooms_dir, principal)
        if not room.exists():
            self._explain_without_room(principal, sql, day)
        checked = check_statement(sql)
        if checked.catalogue is not None:
            return self._catalogue(principal, checked, room, day)
        products: list[str] = []
        grants: list[str] = []

        def approve(tables: list[str]) -> None:
            # Exactly the tables DuckDB's plan reads, each decided by the engine.
            for table in tables:
                if table == MANIFEST_TABLE:
                    continue
                product = self.catalog.products.get(table)
                if product is None:
                    raise AccessRefused(f"{table!r} is not a product in {principal}'s data room")
                decision = decide(principal, product, self.policies, day=day, purpose=purpose)
                if not decision.allowed:
                    raise AccessRefused(f"{table}: " + "; ".join(decision.reasons), product=table)
                _room_within_purpose(
                    table, decision, decide(principal, product, self.policies, day=day)
                )
                products.append(table)
                grants.extend(g for g in decision.grants if g not in grants)

        limits = self.limits or RoomLimits(row_limit=self.row_limit, timeout_s=self.timeout_s)
        try:
            result = run_query(room, sql, limits=limits, approve=approve)
        except QueryFailed as failure:
            self._explain_missing_table(principal, str(failure), day)
            raise
        finally:
            # After the decision, so the refusal names its reason; before anyone
            # else can read the room again through the gateway.
            self._prune_lapsed(principal, day)
        return GatewayAnswer(result, products, grants)

    def _catalogue(
        self, principal: str, checked: CheckedStatement, room: Path, day: dt.date | None
    ) -> GatewayAnswer:
        """SHOW TABLES / DESCRIBE <table>: names and columns, no rows. The engine decides
        each table as for a query, for any purpose (no row is read)."""
        decisions: dict[str, Decision] = {}

        def allowed(table: str) -> bool:
            if table == MANIFEST_TABLE:
                return True
            product = self.catalog.products.get(table)
            if product is None:
                return False
            decisions[table] = decide(principal, product, self.policies, day=day)
            return decisions[table].allowed

        try:
            result = answer_catalogue(room, checked, allowed)
        except LookupError:
            [table] = checked.tables
            refused = decisions.get(table)
            if refused is not None and not refused.allowed:
                reasons = "; ".join(refused.reasons)
                raise AccessRefused(f"{table}: {reasons}", product=table) from None
            raise AccessRefused(f"{table!r} is not a product in {principal}'s data room") from None
        finally:
            self._prune_lapsed(principal, day)
        described = [table for table in checked.tables if table in decisions]
        grants = [g for table in described for g in decisions[table].grants]
        return GatewayAnswer(result, described, list(dict.fromkeys(grants)))

    def _explain_without_room(self, principal: str, sql: str, day: dt.date | None) -> None:
        """Nothing can run without a room; say why with the engine's words where they apply."""
        for table in check_statement(sql).tables:
            product = self.catalog.products.get(table)
            if product is not None:
                decision = decide(principal, product, self.policies, day=day)
                if not decision.allowed:
                    raise AccessRefused(f"{table}: " + "; ".join(decision.reasons), product=table)
        raise AccessRefused(f"{principal} has no data room yet: run the pipeline first")

    def _explain_missing_table(self, principal: str, message: str, day: dt.date | None) -> None:
        """A table missing from the room is a refusal, with the engine's reason when it is a
        product (taken out on revocation or expiry, or never granted)."""
        missing = _MISSING_TABLE.match(message)
        if missing is None:
            return
        name = missing.group(1) or missing.group(2)
        product = self.catalog.products.get(name)
        if product is None:
            raise AccessRefused(f"{name!r} is not a table in {principal}'s data room") from None
        decision = decide(principal, product, self.policies, day=day)
        if decision.allowed:
            return  # granted but not built yet: DuckDB's message stands
        raise AccessRefused(f"{name}: " + "; ".join(decision.reasons), product=name) from None

    def _prune_lapsed(self, principal: str, day: dt.date | None) -> None:
        """Take out of the room, now, every product the engine no longer allows there."""
        lapsed: dict[str, str] = {}
        for name in products_in_room(self.rooms_dir, principal):
            product = self.catalog.products.get(name)
            decision = decide(principal, product, self.policies, day=day) if product else None
            if decision is None or not decision.allowed:
                why = "; ".join(decision.reasons) if decision else "no longer a product"
                lapsed[name] = f"removed at query time: {why}"
        if not lapsed:
            return
        try:
            removed = prune_room(self.rooms_dir, principal, lapsed)
        except Exception as failure:  # the refusal stands; the reviewer must see the failure
            self.audit.append(
                "room_prune",
                principal,
                {"principal": principal, "outcome": "failed", "error": type(failure).__name__},
            )
            raise
        if removed:
            self.audit.append(
                "room_prune",
                principal,
                {
                    "principal": principal,
                    "outcome": "removed",
                    "products": removed,
                    "because": "decision at query time",
                },
            )


def _room_within_purpose(table: str, for_purpose: Decision, room: Decision) -> None:
    """The room is built from every grant; when the stated purpose's grants show less of a
    product than the room holds, the read is refused rather than shown beyond its purpose."""

    def shown(decision: Decision) -> set[tuple[str, str, str | None]]:
        return {(c.name, c.treatment, c.mask) for c in decision.visible_columns()}

    if shown(for_purpose) != shown(room) or for_purpose.row_filter != room.row_filter:
        raise AccessRefused(
            product=table,
            message=f"{table}: the room shows it under grants {', '.join(room.grants)}, and the stated "
            f"purpose is accepted only by {', '.join(for_purpose.grants)}, which show less: "
            "state the purpose of the grant that shows it",
        )


def _shape(sql: str, known: list[str]) -> str:
    try:
        return statement_shape(sql if isinstance(sql, str) else "", known)
    except Exception:  # an attempt is recorded even when its statement cannot be shown
        return "<statement not shown>"


def _cleaned(text: str) -> str:
    try:
        return clean_free_text(text)
    except Exception:  # deny by default: text we cannot check is not written
        return _WITHHELD
