"""Turn failures into one clear line (a traceback only with SHUZHI_DEBUG=1)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from policies.models import PolicySet


class CliError(Exception):
    """A problem the user can fix; the message says how."""

    exit_code = 1


class Refused(CliError):
    """A request the hub refuses on principle (deny by default)."""

    exit_code = 2


SHOWN_NAMES = 20  # a message lists this many known names, then how many more


def known_principals(policies: PolicySet) -> str:
    """The registered principal ids, for a message about one that is not."""
    ids = sorted(p.id for p in policies.principals)
    more = f" and {len(ids) - SHOWN_NAMES} more" if len(ids) > SHOWN_NAMES else ""
    return (
        f"known principals ({len(ids)}): {', '.join(ids[:SHOWN_NAMES])}{more} "
        "(`shuzhi principals list`)"
    )


@contextmanager
def naming_known_principals(policies: PolicySet, principal: str) -> Iterator[None]:
    """A refusal of an unknown principal also names the ones that exist (after the
    refusal is decided and audited where it is, never instead of it)."""
    try:
        yield
    except Refused as refusal:
        if policies.principal(principal) is not None:
            raise
        raise Refused(f"{refusal}; {known_principals(policies)}") from None


# Errors whose message is already written for the user.
USER_FACING = (
    "ConfigError",
    "MasterKeyError",
    "KeyStoreError",
    "SourceUnavailable",
    "SourceDataError",
    "SourceConfigError",
    "SchemaDrift",
    "StatementRefused",
    "QueryFailed",
    "QueryTimeout",
    "QueryStopped",
    "UndeclaredPersonalData",
    "ReconciliationError",
    "ProductInputMissing",
    "ProductContractError",
    "SuppressionError",
    "UnknownJob",
    "TamperedValueError",
    "ShreddedValueError",
    "UnknownKeyVersionError",
    "DestroyedKeyError",
    "RotationIncomplete",
    "AuditLogDamaged",
    "TableReadError",
    "PagingError",
    "BadSourceFile",
    "FileChanged",
    "WatermarkError",
    "IncompleteSync",
    "ShrinkRefused",
    "SchemaTypeChanged",
    "SyncInProgress",
    "LakeWriteConflict",
    "LakeBusy",
    "LakeInUse",
    "LakeCatalogueError",
    "BackupError",
    "LakeConfigError",
    "StateFileError",
)


def one_line(exc: BaseException) -> tuple[str, int]:
    name = type(exc).__name__
    text = " ".join(str(exc).split()) or name
    if isinstance(exc, Refused):
        return f"refused: {text}", exc.exit_code
    if isinstance(exc, CliError):
        return f"error: {text}", exc.exit_code
    if name in ("StatementRefused",):
        return f"refused: {text}", 2
    if name in USER_FACING:
        return f"error: {text}", 1
    return f"error: unexpected {name}: {text} (run with SHUZHI_DEBUG=1 for details)", 1
