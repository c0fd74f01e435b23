"""Who may take a steward's action on a dataset, decided and explained in one place.

A steward action changes what the hub will publish: accepting a source that shrank or
whose columns changed type, splitting a record out of the case the merge put it in,
forcing two records into one case, or a catalogue decision written into a contract
(a column's personal data confirmed or overridden, its level, a sharing type, a
product's downgrade). Precedence, first match wins:

1. An unknown principal is refused.
2. A principal that is not a data steward is refused, whatever its roles.
3. A steward who is not the dataset's (or product's) steward (``steward:`` in its
   contract) is refused: the steward who answers for the data decides its changes.
4. The contract's own steward is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.contracts import DatasetContract, ProductContract
from policies.models import PolicySet

# The merge overrides (``case_merge.steward``), named as a refusal states them.
SPLIT_CASE_RECORD = "split a record out of its case"
MERGE_CASE_RECORDS = "merge records into one case"
# The catalogue decisions (``catalog.steward``).
CLASSIFY_COLUMN = "confirm or override a column's detected personal data"
SET_COLUMN_LEVEL = "set a column's level"
SET_SHARING = "change a sharing type"
RECORD_DOWNGRADE = "record a product's downgrade"
# The end of a dataset's life cycle (``catalog.retirement``).
RETIRE_DATASET = "retire a dataset"


@dataclass(frozen=True)
class StewardDecision:
    allowed: bool
    principal: str
    action: str
    dataset: str
    reason: str


class StewardActionRefused(PermissionError):
    """The principal may not take this steward action; the message says why."""


def decide_steward_action(
    policies: PolicySet, principal: str, contract: DatasetContract | ProductContract, action: str
) -> StewardDecision:
    def decision(allowed: bool, reason: str) -> StewardDecision:
        return StewardDecision(allowed, principal, action, contract.name, reason)

    refusal = policies.steward_refusal(principal, f"may {action}")
    if refusal is not None:
        return decision(False, refusal)
    if principal != contract.steward:
        return decision(
            False,
            f"{principal} is not the steward of {contract.name} ({contract.steward} is); "
            f"only the dataset's steward may {action}",
        )
    return decision(True, f"{principal} is the steward of {contract.name}")


def require_steward_action(
    policies: PolicySet, principal: str, contract: DatasetContract | ProductContract, action: str
) -> StewardDecision:
    decided = decide_steward_action(policies, principal, contract, action)
    if not decided.allowed:
        raise StewardActionRefused(decided.reason)
    return decided
