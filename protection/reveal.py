"""Re-identification: open the sealed originals behind a token, under a reveal grant.

``shuzhi reveal`` is the one way back from a token to a person. A request
names the principal, a purpose, a dataset and a token; it is checked in this
order, and every attempt, refused, failed or answered, becomes one ``reveal``
audit event:

1. the purpose: no resident ID or mobile number in it; it goes into the log as
   the catalogue code it names (``config/purposes.yaml``, by code or Chinese
   name), else cleaned (``audit.free_text``: a name or number becomes a tag);
   whether the reveal grant accepts it is the decision's (step 3);
2. the token: ``t<version>_`` and 26 base32 characters (a malformed token is not
   echoed into the log, it may be the identifier itself);
3. the decision (:func:`policies.reveal_decision.decide_reveal`): principal,
   dataset, deny rules, reveal grants and the purposes they accept, row scope
   and columns;
4. the token-key version: a token made before a token-key rotation is followed
   through ``lake.meta.token_maps`` to its current successor (the audit event
   names both); a token of another version that no map knows is refused, since
   it can match nothing.

The lookup reads the rows of ``lake.protected.<dataset>`` where any token column
of that version's domains equals the token, inside the decision's row filter.
A token that matches nothing there is an answer with 0 rows, audited as such.

What a result holds (a choice): per matching row, where it is (the dataset's
street and community codes), which identifier the token matched
(``matched_on``), and the granted columns opened; rows ordered by street,
community and their place in the source. Nothing else of the dataset: its
unprotected columns can be sensitive in their own right (the assistance
category is L4), a reveal grant does not speak for them, and they reach
principals through data rooms under product grants. The audit event holds the
token, names of columns, counts and reasons, never an opened value.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

import duckdb
import pyarrow as pa

from audit.deliveries import mark_and_record, register_beside
from audit.free_text import clean_free_text
from audit.log import AuditLog, operator_by
from audit.plaintext_guard import assert_no_plaintext_identifiers
from catalog.contracts import DatasetContract
from encryption.field_cipher import open_column
from encryption.keystore import KeyStore
from encryption.tokens import TOKEN_PATTERN, token_version
from lakehouse.connection import table_exists
from metering.costs import CRYPTO, metered
from policies.models import PolicySet
from policies.purposes import resolve_purpose
from policies.reveal_decision import (
    RevealDecision,
    community_column,
    decide_reveal,
    street_column,
)
from protection.token_rotation import translate_token

MAX_AUDITED_PURPOSE_CHARS = 200
MATCHED_ON = "matched_on"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class RevealRefused(Exception):
    """The request is refused; the message is one line saying why."""

    def __init__(self, message: str, decision: RevealDecision | None = None) -> None:
        super().__init__(message)
        self.decision = decision


class RevealFailed(Exception):
    """An allowed request could not be answered (e.g. the dataset is not protected yet)."""


@dataclass
class RevealResult:
    principal: str
    dataset: str
    token: str
    purpose: str
    decision: RevealDecision
    columns: list[str]  # output columns, in order
    revealed: list[str]  # contract columns whose sealed values were opened
    rows: list[dict[str, str | None]] = field(default_factory=list)

    @property
    def grant(self) -> str:
        assert self.decision.grant is not None
        return self.decision.grant

    @property
    def count(self) -> int:
        return len(self.rows)


def reveal(
    con: duckdb.DuckDBPyConnection,
    *,
    principal: str,
    dataset: str,
    token: str,
    purpose: str,
    datasets: Mapping[str, DatasetContract],
    policies: PolicySet,
    keystore: KeyStore,
    audit: AuditLog,
    day: dt.date | None = None,
) -> RevealResult:
    """Decide, look up, open and audit one re-identification request.

    Raises :class:`RevealRefused` (audited) when the request may not be answered,
    :class:`RevealFailed` (audited) when it may but cannot.
    """
    token = token.strip()
    purpose = resolve_purpose(purpose, policies.purposes)
    attempt = _Attempt(audit, principal, dataset, token, purpose)

    problem = _purpose_problem(purpose)
    if problem:
        attempt.refuse(problem)
    if not TOKEN_PATTERN.match(token):
        attempt.refuse(
            "malformed token: expected t<version>_ followed by 26 base32 characters "
            "(a token, never the identifier itself)"
        )
    if not _safe_name(principal):
        attempt.refuse("unknown principal (not a principal id)")
    if not _safe_name(dataset):
        attempt.refuse("unknown dataset (not a dataset name)")

    contract = datasets.get(dataset)
    decision = decide_reveal(
        principal, contract, policies, day=day, dataset_name=dataset, purpose=purpose
    )
    attempt.decision = decision
    if not decision.allowed:
        attempt.refuse(decision.reasons[0])
    assert contract is not None

    translated = _translate_old_token(con, contract, token, keystore)
    if translated is not None:
        attempt.translated_to = token = translated
    searched = _token_columns_of_version(contract, token_version(token), keystore, attempt)
    try:
        result = _look_up(con, contract, token, searched, decision, keystore)
    except Exception as failure:
        message = _loggable(f"{type(failure).__name__}: {failure}", type(failure).__name__)
        attempt.record("failed", [message])
        if isinstance(failure, RevealFailed):
            raise
        raise RevealFailed(f"{dataset}: {message}") from failure
    result.purpose = purpose
    if result.count == 0:
        shredded = shredded_on(keystore, dataset)
        if shredded is not None:
            # The person's rows were cut loose from their tokens when the keys went: say so,
            # rather than answer as if the token had never been there.
            attempt.refuse(
                f"{dataset} was crypto-shredded ({shredded}); its rows of then no longer "
                "lead to anyone, and no row loaded since holds this token"
            )
    delivery = _deliver(audit, result, attempt) if result.rows else None
    attempt.record(
        "revealed", decision.reasons, columns=result.revealed, rows=result.count, delivery=delivery
    )
    return result


def _deliver(audit: AuditLog, result: RevealResult, attempt: _Attempt) -> str:
    """Mark the opened values for this recipient and register the delivery (its id).

    A reveal that cannot be registered is not answered: it would be an untraceable copy.
    """
    try:
        marked = mark_and_record(
            register_beside(audit.path),
            result.rows,
            person_columns=result.revealed,
            kind="reveal",
            principal=result.principal,
            by=operator_by(),
            grants=[result.grant],
            products=[result.dataset],
            statement=f"reveal {result.dataset}",
            purpose=attempt.purpose,
            tokens=[result.token],
        )
    except Exception as failure:
        attempt.record(
            "failed", [f"the delivery could not be registered: {type(failure).__name__}"]
        )
        raise RevealFailed(f"{result.dataset}: the delivery could not be registered") from failure
    result.rows = marked.rows
    return marked.delivery.id


def shredded_on(keystore: KeyStore, dataset: str) -> str | None:
    """When and why the dataset's keys were crypto-shredded (the newest), or None."""
    marks = [
        why
        for info in keystore.slots()
        if info.kind == "data" and info.dataset == dataset
        for why in info.destroyed.values()
        if "shredded:" in why
    ]
    return max(marks) if marks else None


def audit_unanswerable(
    audit: AuditLog, *, principal: str, dataset: str, token: str, purpose: str, reason: str
) -> None:
    """Record an attempt that failed before it could be decided (e.g. no working master key),
    so every attempt is in the log whatever stopped it."""
    _Attempt(audit, principal, dataset, token.strip(), " ".join(purpose.split())).record(
        "failed", [_loggable(reason, "the key store could not be opened")]
    )


def _purpose_problem(purpose: str) -> str | None:
    try:
        assert_no_plaintext_identifiers(purpose)
    except ValueError:
        return "the purpose must not contain a resident ID or mobile number (it is audited)"
    return None


def _loggable(text: str, fallback: str) -> str:
    """The text if it holds no identifier the audit log would refuse, else the fallback."""
    try:
        assert_no_plaintext_identifiers(text)
    except ValueError:
        return fallback
    return text


def _safe_name(text: str) -> bool:
    """A name that can be echoed into the log: id-shaped and not an identifier."""
    if not _NAME.match(text):
        return False
    try:
        assert_no_plaintext_identifiers(text)
    except ValueError:
        return False
    return True


def _translate_old_token(
    con: duckdb.DuckDBPyConnection, contract: DatasetContract, token: str, keystore: KeyStore
) -> str | None:
    """A token made before a token-key rotation, followed through lake.meta.token_maps to
    its current successor; None when it is current or no map knows it."""
    domains = {s.token_domain for s in contract.columns if s.protection == "token+seal"}
    for domain in sorted(d for d in domains if d):
        current = keystore.current_token_key(domain)[0]
        if token_version(token) == current:
            continue  # possibly a current token of this domain; maps hold only old ones
        successor = translate_token(con, domain, token, current)
        if successor is not None:
            return successor
    return None


def _token_columns_of_version(
    contract: DatasetContract, version: int, keystore: KeyStore, attempt: _Attempt
) -> list[str]:
    """The token+seal columns whose domain's current token key has this version."""
    current: dict[str, int] = {}
    for spec in contract.columns:
        if spec.protection == "token+seal" and spec.token_domain:
            current.setdefault(spec.token_domain, keystore.current_token_key(spec.token_domain)[0])
    if not current:
        attempt.refuse(f"{contract.name} holds no tokens to look up")
    searched = [
        spec.name
        for spec in contract.columns
        if spec.protection == "token+seal" and current.get(spec.token_domain or "") == version
    ]
    if not searched:
        versions = ", ".join(f"{domain} v{v}" for domain, v in sorted(current.items()))
        attempt.refuse(
            f"token made with token-key version {version}, but the current versions are "
            f"{versions}: after a token-key rotation a token must be translated to the "
            "current version first"
        )
    return searched


def _look_up(
    con: duckdb.DuckDBPyConnection,
    contract: DatasetContract,
    token: str,
    searched: list[str],
    decision: RevealDecision,
    keystore: KeyStore,
) -> RevealResult:
    name = contract.name
    if not table_exists(con, "protected", name):
        raise RevealFailed(f"{name} has no protected table yet: run its pipeline first")
    place = [c for c in (street_column(contract), community_column(contract)) if c]
    select = [
        *(f'"{c}"' for c in place),
        *(f'"{c}_token"' for c in searched),
        *(f'"{c}_sealed"' for c in decision.columns),
    ]
    where = "(" + " OR ".join(f'"{c}_token" = ?' for c in searched) + ")"
    params: list[object] = [token] * len(searched)
    if decision.row_filter is not None:
        where += f' AND "{decision.row_filter.column}" = ?'
        params.append(decision.row_filter.value)
    order = ", ".join([*(f'"{c}"' for c in place), "_batch_id", "_source_pos"])
    table: pa.Table = con.execute(
        f"SELECT {', '.join(select)} FROM lake.protected.{name} WHERE {where} ORDER BY {order}",
        params,
    ).fetch_arrow_table()

    opened: dict[str, list[Any]] = {}
    with metered(CRYPTO, table.num_rows * len(decision.columns)):
        for column in decision.columns:
            opened[column] = open_column(
                table.column(f"{column}_sealed"), dataset=name, column=column, keystore=keystore
            ).to_pylist()
    places = {c: table.column(c).to_pylist() for c in place}
    tokens = {c: table.column(f"{c}_token").to_pylist() for c in searched}
    rows: list[dict[str, str | None]] = []
    for index in range(table.num_rows):
        row: dict[str, str | None] = {
            c: None if places[c][index] is None else str(places[c][index]) for c in place
        }
        row[MATCHED_ON] = ", ".join(c for c in searched if tokens[c][index] == token)
        row.update({c: opened[c][index] for c in decision.columns})
        rows.append(row)
    return RevealResult(
        principal=decision.principal,
        dataset=name,
        token=token,
        purpose="",
        decision=decision,
        columns=[*place, MATCHED_ON, *decision.columns],
        revealed=list(decision.columns),
        rows=rows,
    )


class _Attempt:
    """One request's audit record: what may be logged about it, written once."""

    def __init__(
        self, audit: AuditLog, principal: str, dataset: str, token: str, purpose: str
    ) -> None:
        self.audit = audit
        self.actor = principal if _safe_name(principal) else "unknown"
        self.dataset = dataset if _safe_name(dataset) else "<not a dataset name>"
        self.token = token if TOKEN_PATTERN.match(token) else "<malformed>"
        # Cleaned before it is cut, so the cut never leaves half a value in clear.
        self.purpose = clean_free_text(purpose)[:MAX_AUDITED_PURPOSE_CHARS]
        self.decision: RevealDecision | None = None
        self.translated_to: str | None = None  # the current token an old one maps to

    def refuse(self, reason: str) -> NoReturn:
        """Audit the refusal, then raise it."""
        self.record("refused", [reason])
        raise RevealRefused(reason, self.decision)

    def record(
        self,
        outcome: str,
        reasons: list[str],
        *,
        columns: list[str] | None = None,
        rows: int = 0,
        delivery: str | None = None,
    ) -> None:
        decision = self.decision
        details: dict[str, object] = {
            "dataset": self.dataset,
            "token": self.token,
            "purpose": self.purpose,
            "outcome": outcome,
            "allowed": bool(decision and decision.allowed) and outcome != "refused",
            "reasons": reasons,
            "grant": decision.grant if decision else None,
            "rows_of": _scope(decision) if outcome != "refused" else None,
            "columns": columns or [],
            "rows": rows,
        }
        if self.translated_to is not None:
            details["translated_to"] = self.translated_to
        if delivery is not None:
            details["delivery"] = delivery  # the delivery register's line for these rows
        self.audit.append("reveal", self.actor, details)


def _scope(decision: RevealDecision | None) -> str | None:
    if decision is None or not decision.allowed:
        return None
    return decision.row_filter.description if decision.row_filter else "district"
