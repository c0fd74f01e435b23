"""The entity names detection reports: a public contract (CLI output, catalogue, contracts).

Kept apart from the recognizers so that configuration can be checked against
it without importing Presidio.
"""

from __future__ import annotations

# Personal information in the sense of PIPL: it identifies or contacts a person.
PERSONAL_ENTITIES: tuple[str, ...] = (
    "CN_RESIDENT_ID",
    "CN_MOBILE",
    "CN_LANDLINE",
    "BANK_CARD",
    "EMAIL_ADDRESS",
    "CN_PASSPORT",
    "CN_LICENSE_PLATE",
    "PERSON",
    "ADDRESS",
)
# Identifiers of organisations: detected and catalogued, but not personal data.
ORGANISATION_ENTITIES: tuple[str, ...] = ("CN_USCC",)

ENTITIES: tuple[str, ...] = PERSONAL_ENTITIES + ORGANISATION_ENTITIES
