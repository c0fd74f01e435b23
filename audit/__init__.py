"""Append-only, hash-chained audit log: who did what, provably unaltered."""

from audit.events import AuditEvent
from audit.log import AuditLog, AuditLogDamaged
from audit.plaintext_guard import assert_no_plaintext_identifiers
from audit.verify import VerifyResult, verify

__all__ = [
    "AuditEvent",
    "AuditLog",
    "AuditLogDamaged",
    "VerifyResult",
    "assert_no_plaintext_identifiers",
    "verify",
]
