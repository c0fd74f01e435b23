"""The schema of every kind of audit event, checked when it is written.

A reviewer reads the log as a fact: a ``grant`` event always says which action and
with what outcome, a ``query`` event always names the principal, statement shape and
outcome. Each kind below lists what every writer of it sends (required) and the
types of what some writers add (optional); any other key is allowed, so a writer can
add context without a change here, but a key listed here must have its type.

Writing a kind that is not listed, or details that miss a required field or give a
field the wrong type, is refused with an error that names the kind and the field.
A new kind of event is added here, with a test of its writer.

Verify does not use these models: it checks hashes and signatures, line by line, fast.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

# A dict of counts, keyed by a name (reasons, entities, links).
Counts = dict[str, int]


class _Details(BaseModel):
    # strict: a count written as "3" is a bug in the writer, not something to coerce.
    model_config = ConfigDict(extra="allow", strict=True)

    by: str | None = None  # the person, client or operator behind the call


class _Outcome(_Details):
    outcome: str


# --- data moving through the hub -------------------------------------------------------


class Sync(_Outcome):
    """A source synced into the raw layer (``outcome`` ok or failed)."""

    source: str
    dataset: str
    error: str | None = None
    batch_id: str | None = None
    mode: str | None = None
    rows_read: int | None = None
    rows_raw: int | None = None
    rows_rejected: int | None = None
    files_quarantined: list[str] | None = None
    notes: int | None = None


class SyncRequest(_Outcome):
    """A person asked for a source to sync now (the department pages): started, then ok or
    failed when the sync ended; refused when a sync of the source was already running."""

    source: str
    principal: str
    by: str
    outcome: Literal["started", "ok", "failed", "refused"]
    exit_code: int | None = None
    reason: str | None = None


class Stage(_Details):
    """A synced batch checked by the quality rules and staged."""

    dataset: str
    source: str
    batch_id: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    rows_withdrawn: int
    reasons: Counts


class QualityResult(_Details):
    """The outcome of a dataset's quality checks."""

    dataset: str
    passed: bool
    problems: int | None = None


class Protect(_Details):
    """A staged dataset protected (tokens, encryption, redaction)."""

    dataset: str
    rows: int
    rows_redacted: int
    entities: Counts
    columns_scanned: list[str]
    detected: dict[str, str | None] | None = None  # column → the entity found in it


class Merge(_Details):
    """Channel records grouped into cases."""

    dataset: str
    records: int
    cases: int
    merged_records: int
    merged_cases: int
    links: Counts
    overrides: int | None = None
    stale_overrides: list[str] | None = None


class ProductBuild(_Details):
    product: str
    inputs: list[str]
    level: str
    rows: int


class RoomBuild(_Details):
    """A principal's data room (re)built; ``because`` names the request that caused it."""

    principal: str
    products: dict[str, int]  # product → rows
    denied: list[str]
    because: str | None = None


class RoomPrune(_Outcome):
    principal: str
    outcome: Literal["removed", "failed"]
    products: list[str] | None = None
    error: str | None = None


class LakeVacuum(_Details):
    files: int
    dry_run: bool


class HomeBackup(_Details):
    """A backup of the home was written (``shuzhi backup``); names the file, not its path."""

    backup: str
    files: int
    bytes: int
    audit_events: int


class HomeRestore(_Details):
    """A backup was restored into this home and verified (``shuzhi restore``)."""

    backup: str
    backup_created_at: str
    files: int
    audit_events: int
    sealed_values: int
    rooms: int


class Demo(_Details):
    seed: int
    scale: int | float


# --- access: decisions, requests, grants, queries, reveals, downloads -------------------


class Grant(_Outcome):
    """An access request's step: request, approval, denial, revocation or expiry.

    A refused attempt carries what was typed and the refusal as ``reason``.
    """

    action: Literal["request", "approve", "deny", "revoke", "expire"]
    request: str | None = None
    principal: str | None = None
    product: str | None = None
    purpose: str | None = None
    until: str | None = None
    reason: str | None = None
    grant: str | None = None
    rows: str | None = None  # asked for, or as the grant gives them
    treatments: dict[str, str] | None = None  # the steward's narrowings


class Decision(_Details):
    """A decision shown to an operator (``shuzhi access explain``)."""

    principal: str
    product: str
    allowed: bool
    reasons: list[str]
    via: str | None = None


class Query(_Outcome):
    """A statement through the gateway; the statement is its shape, never its values."""

    principal: str
    purpose: str
    statement: str
    reason: str | None = None
    error: str | None = None
    products: list[str] | None = None
    grants: list[str] | None = None
    rows: int | None = None
    truncated: bool | None = None
    endpoint: str | None = None
    delivery: str | None = None  # the delivery register's id of a person-level answer
    delivery_kind: Literal["query", "list", "download"] | None = None


class Reveal(_Outcome):
    """A re-identification, allowed or refused."""

    dataset: str
    token: str
    purpose: str
    allowed: bool
    reasons: list[str]
    columns: list[str]
    rows: int
    grant: str | None = None
    rows_of: str | None = None
    translated_to: str | None = None
    delivery: str | None = None


class Download(_Outcome):
    """A file handed out (an export, a product download)."""

    product: str | None = None
    rows: int | None = None


class Api(_Outcome):
    """One call to the HTTP service."""

    endpoint: str
    status: int
    by: str
    principal: str
    reason: str | None = None


# --- people, clients, stewards -----------------------------------------------------------


class SignIn(_Outcome):
    reason: str
    session: str | None = None
    principal: str | None = None
    failures: int | None = None


class User(_Outcome):
    """A user added, disabled or reset."""

    reason: str
    action: str | None = None
    principal: str | None = None


class ApiClient(_Outcome):
    """A client system registered, approved, rotated or revoked."""

    reason: str
    action: str | None = None
    client: str | None = None
    principal: str | None = None
    scopes: list[str] | None = None


class StewardAction(_Outcome):
    """A steward's action on a source, dataset or records, allowed or refused."""

    action: str
    outcome: Literal["allowed", "refused"]
    because: str
    reason: str


# --- keys and configuration ----------------------------------------------------------------


class KeyRotation(_Details):
    """Data keys re-encrypted (``datasets``, ``rows_reencrypted``) or the master key
    rotated or rewrapped (``master_key``, ``keys``)."""

    datasets: list[str] | Literal["all"] | None = None
    rows_reencrypted: int | None = None
    versions: dict[str, int] | None = None
    tables: Counts | None = None
    master_key: Literal["rotated", "rewrapped"] | None = None
    keys: int | None = None


class KeyRetire(_Details):
    retired: list[str]
    kept: Counts


class KeyShred(_Details):
    dataset: str
    reason: str
    destroyed: dict[str, list[int]]


class TokenRotationPlan(_Details):
    domain: str
    from_version: int
    to_version: int
    rows_to_change: Counts
    products_rebuilt: list[str]


class TokenRotation(_Details):
    domain: str
    to_version: int
    rows_changed: int
    tokens_mapped: int


class DeliveryLookup(_Details):
    """A reviewer's look into the delivery register (who-saw a token, trace a file)."""

    lookup: Literal["who-saw", "trace"]
    deliveries: list[str]
    token: str | None = None
    verdict: str | None = None
    rows_read: int | None = None


class Retention(_Details):
    """Rows past their contract's retention deleted (counts, cut-offs, snapshots expired)."""

    as_of: str
    dry_run: bool
    rows: int
    rows_by_table: Counts
    cutoffs: dict[str, str]
    products_rebuilt: list[str]
    rooms_rebuilt: int  # how many rooms
    snapshots_expired: int
    files_deleted: int


class Assessment(_Details):
    """The departments' sharing assessment was run (which departments, their datasets)."""

    departments: list[str]
    datasets: dict[str, int]


class ConfigChange(_Details):
    """A configuration file changed (which file, and a hash of the new content)."""

    file: str
    sha256: str | None = None


SCHEMAS: dict[str, type[_Details]] = {
    "sync": Sync,
    "sync_request": SyncRequest,
    "stage": Stage,
    "quality_result": QualityResult,
    "protect": Protect,
    "merge": Merge,
    "product_build": ProductBuild,
    "room_build": RoomBuild,
    "room_prune": RoomPrune,
    "lake_vacuum": LakeVacuum,
    "home_backup": HomeBackup,
    "home_restore": HomeRestore,
    "demo": Demo,
    "grant": Grant,
    "decision": Decision,
    "query": Query,
    "reveal": Reveal,
    "download": Download,
    "api": Api,
    "sign_in": SignIn,
    "user": User,
    "api_client": ApiClient,
    "steward_action": StewardAction,
    "key_rotation": KeyRotation,
    "key_retire": KeyRetire,
    "key_shred": KeyShred,
    "token_rotation_plan": TokenRotationPlan,
    "token_rotation": TokenRotation,
    "config_change": ConfigChange,
    "delivery_lookup": DeliveryLookup,
    "retention": Retention,
    "assessment": Assessment,
}


class AuditEventInvalid(ValueError):
    """An event the log refuses: unknown kind, or details that do not fit its schema."""


def check_details(kind: str, details: dict[str, Any]) -> None:
    """Raise AuditEventInvalid naming the kind and the field (never the value)."""
    schema = SCHEMAS.get(kind)
    if schema is None:
        raise AuditEventInvalid(
            f"audit event kind {kind!r} is unknown; declare its schema in audit/event_schemas.py"
        )
    try:
        schema.model_validate(details)
    except ValidationError as invalid:
        first = invalid.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "details"
        if first["type"] == "missing":
            problem = "is missing"
        else:
            problem = f"has the wrong type or value ({first['msg']})"
        raise AuditEventInvalid(
            f"audit event {kind!r} refused: field {field!r} {problem}"
        ) from None
