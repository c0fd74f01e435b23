"""Access requests for conditional sharing (有条件共享), and the grants they create.

A principal asks for one product, for a stated purpose, until a date; a
steward approves or denies it with a reason; approval creates a grant, which
the engine then honours like any grant in ``config/grants.yaml``. A steward
may revoke it; on its ``until`` date it lapses by itself (the engine checks
every grant's dates, so an expired grant is refused the day after).

The requests live in one JSON file under the home's ``state/`` folder, changed
only under an exclusive file lock and written atomically, so two stewards
deciding at once never lose each other's change. Configuration stays
authoritative: a run-time grant whose id clashes with a configured one is an
error, never a silent override.

Rules (deny by default; each refusal says why):

- a request names a known principal, a known product that is shared at all
  (not 不予共享), a purpose, and an ``until`` in the future and at most
  one calendar year ahead (``one_year_after``); it is refused when a deny rule covers the principal and
  product, when the principal can already see the product, or when the same
  request is already waiting;
- only a principal of kind ``steward`` approves, denies or revokes, always with
  a reason, and never its own request;
- a purpose or reason is stored cleaned (``audit.free_text``): a name, ID or
  phone number typed into it is kept as its tag, ``[PERSON]``, never in clear;
- a request asks for rows (by default its principal's jurisdiction: its community, else
  its street, else the district) and the conservative treatments of
  ``REQUEST_TREATMENTS``; rows its principal has no area for are refused;
- approval re-checks the request (the product may have changed since) and
  refuses a grant that would show nothing;
- a steward may approve narrower rows and stricter treatments than asked, never wider
  or weaker (``policies.grant_narrowing``); the grant's reason says how it was narrowed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from audit.free_text import clean_free_text
from catalog.contracts import SHARING_LABELS, ProductContract
from catalog.errors import ConfigError
from home.file_versions import Reloading
from home.private_files import exclusive_lock, read_private_bytes, write_private_json
from policies.engine import decide
from policies.grant_narrowing import NarrowingRefused, narrowed, rows_width
from policies.models import Grant, PolicySet, Principal, RowScope, Target
from policies.purposes import Purpose, resolve_purpose

REQUESTS_FILE = "access_requests.json"
FORMAT = 1
# A request runs for at most a year (to the same date next year); a longer need is asked
# again. Counted in days, 366 would let a request started in a common year run a day longer.


def one_year_after(day: dt.date) -> dt.date:
    """The same date a year later; 29 February goes to 28 February."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


MAX_TEXT = 500
GRANT_PREFIX = "g-"
# Conservative by level: identities never leave, sensitive columns only masked.
REQUEST_TREATMENTS: dict[Literal["L1", "L2", "L3", "L4"], str] = {
    "L1": "clear",
    "L2": "clear",
    "L3": "masked",
    "L4": "withheld",
}
EXPIRY_ACTOR = "shuzhi-expiry"

RequestState = Literal["requested", "approved", "denied", "revoked", "expired"]
T = TypeVar("T")


class AccessRequestRefused(Exception):
    """The request or decision breaks a rule; the message says which."""


class UnknownRequest(LookupError):
    """No request has this id."""


class Transition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    state: RequestState
    by: str
    at: str
    reason: str


class AccessRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^req-[0-9]{4,}$")
    principal: str
    product: str
    purpose: str
    until: dt.date
    state: RequestState
    requested_at: str
    # Why the requester needs it, for the steward deciding (stored cleaned, like the purpose).
    justification: str = ""
    # The rows asked for; None in requests stored before requests named their rows (they
    # asked for their principal's jurisdiction, see ``default_rows``).
    rows: RowScope | None = None
    history: list[Transition] = Field(default_factory=list)
    grant: Grant | None = None  # the grant approval created

    def state_on(self, day: dt.date) -> RequestState:
        """The state as users see it: an approved request past its date is expired."""
        if self.state == "approved" and self.until < day:
            return "expired"
        return self.state

    @property
    def last(self) -> Transition | None:
        return self.history[-1] if self.history else None

    def summary(self, day: dt.date) -> dict[str, object]:
        last = self.last
        return {
            "id": self.id,
            "principal": self.principal,
            "product": self.product,
            "purpose": self.purpose,
            "until": self.until.isoformat(),
            "state": self.state_on(day),
            "requested_at": self.requested_at,
            "justification": self.justification,
            "decided_by": last.by if last else None,
            "decided_at": last.at if last else None,
            "reason": last.reason if last else None,
            "grant": self.grant.id if self.grant else None,
            "rows": self.rows,
            "granted_rows": self.grant.rows if self.grant else None,
            "granted_treatments": granted_treatments(self.grant) if self.grant else None,
            "history": [t.model_dump(mode="json") for t in self.history],
        }


def granted_treatments(grant: Grant) -> dict[str, str]:
    """The treatments a request's grant gives beyond the asked-for defaults: the
    steward's narrowings, per level and per column."""
    granted: dict[str, str] = {
        level: value
        for level, value in grant.treatments.items()
        if REQUEST_TREATMENTS.get(level) != value
    }
    return {**granted, **grant.column_treatments}


def default_rows(principal: Principal) -> RowScope:
    """The rows a request asks for unless it says: its principal's jurisdiction."""
    return "own_jurisdiction" if (principal.street or principal.community) else "district"


class _Document(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: Literal[1] = 1
    requests: list[AccessRequest] = Field(default_factory=list)


def merge_grants(config: PolicySet, grants: list[Grant]) -> PolicySet:
    """The configured policies plus run-time grants; an id clash is an error."""
    if not grants:
        return config
    configured = {g.id for g in config.grants}
    clash = sorted(g.id for g in grants if g.id in configured)
    if clash:
        raise ConfigError(
            f"grants.yaml: grants: {', '.join(clash)} also named by an approved access request; "
            "configured grants are authoritative, rename the configured one"
        )
    return config.model_copy(update={"grants": [*config.grants, *grants]})


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _text(value: str, what: str) -> str:
    """The typed text, whitespace collapsed and personal data replaced by tags."""
    text = " ".join(value.split())
    if not text:
        raise AccessRequestRefused(f"a {what} is required")
    if len(text) > MAX_TEXT:
        raise AccessRequestRefused(f"the {what} is longer than {MAX_TEXT} characters")
    return clean_free_text(text)


class AccessRequestStore:
    """The requests of one home, in ``state/access_requests.json``."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock_path = self.path.with_name(self.path.name + ".lock")
        # Every call of the service reads the grants: parsed once per version of the file,
        # so an approval or revocation (a new version) counts on the very next call.
        self._current = Reloading(lambda: [self.path], self._read)

    @classmethod
    def in_folder(cls, state_dir: Path) -> AccessRequestStore:
        return cls(Path(state_dir) / REQUESTS_FILE)

    # -- reading ----------------------------------------------------------------

    def all(self) -> list[AccessRequest]:
        return list(self._current.get().requests)

    def get(self, request_id: str) -> AccessRequest:
        for request in self._current.get().requests:
            if request.id == request_id:
                return request
        raise UnknownRequest(f"no access request {request_id!r} (see `shuzhi access list`)")

    def grants(self) -> list[Grant]:
        """Grants of approved requests, expired ones included (the engine checks the dates,
        and says which grant lapsed); revoked ones are gone."""
        return _grants_of(self._current.get())

    def policies(self, config: PolicySet) -> PolicySet:
        return merge_grants(config, self.grants())

    # -- changing ---------------------------------------------------------------

    def request(
        self,
        config: PolicySet,
        products: Mapping[str, ProductContract],
        *,
        principal: str,
        product: str,
        purpose: str,
        until: dt.date,
        day: dt.date | None = None,
        justification: str = "",
        rows: RowScope | None = None,
    ) -> AccessRequest:
        """Ask for ``product``; ``rows`` by default the principal's jurisdiction."""
        day = day or dt.date.today()
        purpose = _text(purpose, "purpose")
        justification = _text(justification, "reason") if justification.strip() else ""
        asker = config.principal(principal)
        if asker is None:
            raise AccessRequestRefused(f"unknown principal {principal!r}")
        asked_rows = rows or default_rows(asker)
        if until <= day:
            raise AccessRequestRefused(f"--until {until} is not in the future")
        latest = one_year_after(day)
        if until > latest:
            raise AccessRequestRefused(
                f"--until {until} is more than a year ahead (at most {latest}); "
                "ask again when it ends"
            )

        def change(document: _Document) -> AccessRequest:
            policies = merge_grants(config, _grants_of(document))
            _check_grantable(policies, products, principal, product, day)
            for other in document.requests:
                if (
                    other.principal == principal
                    and other.product == product
                    and other.state == "requested"
                ):
                    raise AccessRequestRefused(
                        f"{other.id} already asks for {product} for {principal}; "
                        "wait for a steward's decision"
                    )
            request = AccessRequest(
                id=_next_id(document),
                principal=principal,
                product=product,
                purpose=purpose,
                until=until,
                state="requested",
                requested_at=_now(),
                justification=justification,
                rows=asked_rows,
            )
            trial = _grant_for(request, asker, "asked", day, config.purposes)
            try:
                rows_width(asker, products[product], trial)
            except NarrowingRefused as refusal:
                raise AccessRequestRefused(str(refusal)) from None
            document.requests.append(request)
            return request

        return self._mutate(change)

    def approve(
        self,
        config: PolicySet,
        products: Mapping[str, ProductContract],
        request_id: str,
        *,
        steward: str,
        reason: str,
        day: dt.date | None = None,
        rows: RowScope | None = None,
        treatments: Mapping[str, str] | None = None,
    ) -> AccessRequest:
        """Approve as asked, or narrower: ``rows`` and ``treatments`` (per level ``L1``..
        ``L4`` or per product column) no wider than the request (``grant_narrowing``)."""
        day = day or dt.date.today()
        reason = _text(reason, "reason")
        who = _steward(config, steward)

        def change(document: _Document) -> AccessRequest:
            index, request = _find(document, request_id)
            _expect(request, "requested", "approve", day)
            _not_own(request, who, "approve")
            if request.until <= day:
                raise AccessRequestRefused(
                    f"{request.id} asked for access until {request.until}, which has passed; "
                    "deny it and ask again"
                )
            policies = merge_grants(config, _grants_of(document))
            _check_grantable(policies, products, request.principal, request.product, day)
            target = config.principal(request.principal)
            if target is None:
                raise AccessRequestRefused(f"unknown principal {request.principal!r}")
            asked = _grant_for(
                request,
                target,
                f"access request {request.id} approved by {who.id}: {reason}",
                day,
                config.purposes,
            )
            try:
                grant, narrowings = narrowed(
                    asked, target, products[request.product], rows=rows, treatments=treatments
                )
            except NarrowingRefused as refusal:
                raise AccessRequestRefused(f"cannot approve {request.id}: {refusal}") from None
            if narrowings:
                grant = grant.model_copy(
                    update={"reason": f"{grant.reason}; narrowed: {'; '.join(narrowings)}"}
                )
            trial = decide(
                target.id,
                products[request.product],
                merge_grants(config, [*_grants_of(document), grant]),
                day=day,
            )
            if not trial.allowed:
                raise AccessRequestRefused(
                    f"the grant would show {request.principal} nothing: " + "; ".join(trial.reasons)
                )
            updated = _moved(request, "approved", who.id, reason, grant=grant)
            document.requests[index] = updated
            return updated

        return self._mutate(change)

    def deny(
        self,
        config: PolicySet,
        request_id: str,
        *,
        steward: str,
        reason: str,
        day: dt.date | None = None,
    ) -> AccessRequest:
        return self._close(config, request_id, steward, reason, day, "requested", "denied")

    def revoke(
        self,
        config: PolicySet,
        request_id: str,
        *,
        steward: str,
        reason: str,
        day: dt.date | None = None,
    ) -> AccessRequest:
        return self._close(config, request_id, steward, reason, day, "approved", "revoked")

    def _close(
        self,
        config: PolicySet,
        request_id: str,
        steward: str,
        reason: str,
        day: dt.date | None,
        from_state: RequestState,
        to_state: RequestState,
    ) -> AccessRequest:
        """A steward's deny (of a request) or revoke (of an approval); a reason is required.

        Nobody denies their own request; revoking one's own approval is allowed.
        """
        day = day or dt.date.today()
        reason = _text(reason, "reason")
        who = _steward(config, steward)
        verb = "deny" if to_state == "denied" else "revoke"

        def change(document: _Document) -> AccessRequest:
            index, request = _find(document, request_id)
            _expect(request, from_state, verb, day)
            if to_state == "denied":
                _not_own(request, who, verb)
            updated = _moved(request, to_state, who.id, reason)
            document.requests[index] = updated
            return updated

        return self._mutate(change)

    def expire_due(self, day: dt.date | None = None) -> list[AccessRequest]:
        """Record as expired every approved request whose date has passed; returns them."""
        day = day or dt.date.today()
        if not any(r.state_on(day) == "expired" and r.state != "expired" for r in self.all()):
            return []

        def change(document: _Document) -> list[AccessRequest]:
            expired = []
            for index, request in enumerate(document.requests):
                if request.state == "approved" and request.until < day:
                    updated = _moved(
                        request, "expired", EXPIRY_ACTOR, f"valid until {request.until}"
                    )
                    document.requests[index] = updated
                    expired.append(updated)
            return expired

        return self._mutate(change)

    # -- the file ---------------------------------------------------------------

    def _read(self) -> _Document:
        try:
            text = read_private_bytes(self.path).decode("utf-8")
        except FileNotFoundError:
            return _Document()
        try:
            return _Document.model_validate(json.loads(text))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise ConfigError(
                f"{self.path}: not a valid access request file ({type(exc).__name__}); "
                "restore it from its backup"
            ) from None

    def _mutate(self, change: Callable[[_Document], T]) -> T:
        """Apply ``change`` to a fresh read of the file under the lock, then write it (never
        to the parsed document readers share)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._file_lock():
            document = self._read()
            result = change(document)
            self._write(document)
            return result

    def _write(self, document: _Document) -> None:
        write_private_json(self.path, document.model_dump(mode="json"))

    def _file_lock(self) -> contextlib.AbstractContextManager[None]:
        return exclusive_lock(self._lock_path)


def _grants_of(document: _Document) -> list[Grant]:
    return [
        r.grant
        for r in document.requests
        if r.grant is not None and r.state in ("approved", "expired")
    ]


def _next_id(document: _Document) -> str:
    numbers = [int(r.id.removeprefix("req-")) for r in document.requests]
    return f"req-{max(numbers, default=0) + 1:04d}"


def _find(document: _Document, request_id: str) -> tuple[int, AccessRequest]:
    for index, request in enumerate(document.requests):
        if request.id == request_id:
            return index, request
    raise UnknownRequest(f"no access request {request_id!r} (see `shuzhi access list`)")


def _steward(config: PolicySet, principal: str) -> Principal:
    refusal = config.steward_refusal(principal, "decides access requests")
    if refusal is not None:
        raise AccessRequestRefused(refusal)
    who = config.principal(principal)
    assert who is not None  # steward_refusal has found it
    return who


def _expect(request: AccessRequest, state: RequestState, action: str, day: dt.date) -> None:
    current = request.state_on(day)
    if current != state:
        raise AccessRequestRefused(f"cannot {action} {request.id}: it is {current}, not {state}")


def _not_own(request: AccessRequest, who: Principal, action: str) -> None:
    if request.principal == who.id:
        raise AccessRequestRefused(
            f"{who.id} cannot {action} its own request {request.id}; another steward must"
        )


def _check_grantable(
    policies: PolicySet,
    products: Mapping[str, ProductContract],
    principal: str,
    product: str,
    day: dt.date,
) -> None:
    contract = products.get(product)
    if contract is None:
        raise AccessRequestRefused(f"unknown product {product!r}")
    if contract.sharing == "none":
        raise AccessRequestRefused(
            f"{product} is {SHARING_LABELS['none']} (not shared); no request can open it"
        )
    who = policies.principal(principal)
    if who is None:
        raise AccessRequestRefused(f"unknown principal {principal!r}")
    for rule in policies.denies:
        if rule.covers(product) and rule.to.matches(who):
            raise AccessRequestRefused(
                f"deny rule {rule.id} covers {principal} and {product} ({rule.reason}); "
                "a grant cannot lift it"
            )
    decision = decide(principal, contract, policies, day=day)
    if decision.allowed:
        raise AccessRequestRefused(
            f"{principal} already sees {product} through {', '.join(decision.grants)}"
        )


def _grant_for(
    request: AccessRequest,
    target: Principal,
    reason: str,
    day: dt.date,
    catalogue: list[Purpose],
) -> Grant:
    """The grant the request asks for: its rows, the conservative treatments."""
    return Grant(
        id=f"{GRANT_PREFIX}{request.id}",
        to=Target(principal=target.id),
        products=[request.product],
        rows=request.rows or default_rows(target),
        treatments=dict(REQUEST_TREATMENTS),
        purpose=request.purpose,
        # The request's purpose is the one the grant accepts (its code when it names one).
        purposes=[resolve_purpose(request.purpose, catalogue)],
        valid_from=day,
        valid_until=request.until,
        reason=reason,
    )


def _moved(
    request: AccessRequest,
    state: RequestState,
    by: str,
    reason: str,
    *,
    grant: Grant | None = None,
) -> AccessRequest:
    step = Transition(state=state, by=by, at=_now(), reason=reason)
    update: dict[str, object] = {"state": state, "history": [*request.history, step]}
    if grant is not None:
        update["grant"] = grant
    return request.model_copy(update=update)
