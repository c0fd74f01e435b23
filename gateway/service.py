"""The query gateway: decide, run in the room, audit — for one principal's query.

Every query, answered or refused, becomes an audit event naming the
principal, purpose, statement (with its literals replaced by ``?`` so no
value a user typed lands in the log), products, grants and rows returned.
The decision is taken again at query time, so a grant revoked or expired
since the room was built is refused at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import sqlglot
from sqlglot import exp

from audit.log import AuditLog
from catalog.registry import Catalog
from gateway.room_connection import QueryResult, run_query
from gateway.statement import StatementRefused, check_statement, typed_as_text
from policies.engine import decide
from policies.models import PolicySet
from policies.rooms import MANIFEST_TABLE, room_path


class AccessRefused(Exception):
    """The principal may not run this query; the message says why."""


@dataclass
class GatewayAnswer:
    result: QueryResult
    products: list[str]
    grants: list[str] = field(default_factory=list)


def statement_shape(sql: str) -> str:
    """The statement with every literal replaced by ``?``: safe to keep in the audit log."""
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError:
        return "<unparseable statement>"
    if isinstance(tree, exp.Command):
        # sqlglot keeps the rest of a statement it cannot parse as raw text (LOAD 'path').
        return f"{tree.name.upper()} ?"

    def shape(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Literal):
            return exp.Placeholder()
        # FROM 'file.csv' reaches sqlglot as a quoted name: it is still typed text.
        if isinstance(node, exp.Identifier) and typed_as_text(node, sql):
            return exp.Placeholder()
        return node

    return tree.transform(shape).sql(dialect="duckdb")


@dataclass
class QueryGateway:
    catalog: Catalog
    policies: PolicySet
    rooms_dir: Path
    audit: AuditLog
    row_limit: int = 10_000
    timeout_s: float = 30.0

    def query(
        self, principal: str, sql: str, *, purpose: str | None = None, day: dt.date | None = None
    ) -> GatewayAnswer:
        details: dict[str, object] = {
            "principal": principal,
            "purpose": purpose or "",
            "statement": statement_shape(sql),
        }
        try:
            answer = self._answer(principal, sql, day=day)
        except (AccessRefused, StatementRefused) as refusal:
            self.audit.append(
                "query", principal, {**details, "outcome": "refused", "reason": str(refusal)}
            )
            raise
        except Exception as failure:
            self.audit.append(
                "query",
                principal,
                {**details, "outcome": "failed", "error": type(failure).__name__},
            )
            raise
        self.audit.append(
            "query",
            principal,
            {
                **details,
                "outcome": "answered",
                "products": answer.products,
                "grants": answer.grants,
                "rows": answer.result.table.num_rows,
                "truncated": answer.result.truncated,
            },
        )
        return answer

    def _answer(self, principal: str, sql: str, *, day: dt.date | None) -> GatewayAnswer:
        if self.policies.principal(principal) is None:
            raise AccessRefused(f"unknown principal {principal!r}")
        checked = check_statement(sql)
        products: list[str] = []
        grants: list[str] = []
        for table in checked.tables:
            if table == MANIFEST_TABLE:
                continue
            product = self.catalog.products.get(table)
            if product is None:
                raise AccessRefused(f"{table!r} is not a product in {principal}'s data room")
            decision = decide(principal, product, self.policies, day=day)
            if not decision.allowed:
                raise AccessRefused(f"{table}: " + "; ".join(decision.reasons))
            products.append(table)
            grants += [g for g in decision.grants if g not in grants]
        room = room_path(self.rooms_dir, principal)
        if not room.exists():
            raise AccessRefused(f"{principal} has no data room yet: run the pipeline first")
        result = run_query(room, sql, row_limit=self.row_limit, timeout_s=self.timeout_s)
        return GatewayAnswer(result, products, grants)
