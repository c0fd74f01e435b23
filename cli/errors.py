"""Turn failures into one clear line (a traceback only with SHUZHI_DEBUG=1)."""

from __future__ import annotations


class CliError(Exception):
    """A problem the user can fix; the message says how."""

    exit_code = 1


class Refused(CliError):
    """A request the hub refuses on principle (deny by default)."""

    exit_code = 2


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
