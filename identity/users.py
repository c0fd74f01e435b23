"""People who sign in: one record each in ``state/users.json``.

A user has an id (``u-0001``), a login (unique, lowercase ASCII), a display name
(personal data: kept only sealed with the identity key, never logged or
audited), the principal they act for, a role, a disabled flag, a scrypt password
hash, and a failed-attempt counter with a lockout.

A person who signs in through an identity provider has no password: their record
is linked to their id there (``sso``: ``provider:subject``), made at their first
sign-in with the login ``provider:subject`` (a ``:`` no password login has), and
their principal and role follow the provider's claims at every sign-in.

Roles are cumulative: a requester may also view, an approver may also request.
``approver`` is refused for a principal that is not of kind ``steward``: only a
steward office decides access requests and client systems, so the role would
mean nothing elsewhere and would only mislead whoever reads the user list.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from identity.passwords import PasswordHash, check_new_password, hash_password
from identity.secrets_box import IdentityKeys
from identity.state_file import change_state, read_records
from policies.models import PolicySet

if TYPE_CHECKING:
    from pipelines.hub import Hub

USERS_FILE = "users.json"
Role = Literal["viewer", "requester", "approver"]
ROLES: tuple[Role, ...] = ("viewer", "requester", "approver")
LOGIN = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")
MAX_NAME = 64


class UserRefused(ValueError):
    """The change breaks a rule; the message says which (never a name or a password)."""


class UnknownUser(LookupError):
    """No user has this login or id."""


def roles_of(role: Role) -> frozenset[str]:
    return frozenset(ROLES[: ROLES.index(role) + 1])


class User(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^u-[0-9]{4,}$")
    login: str
    name_sealed: str = Field(repr=False)
    principal: str
    role: Role
    disabled: bool = False
    password: PasswordHash | None = Field(default=None, repr=False)
    failures: int = 0
    locked_until: dt.datetime | None = None
    created_at: dt.datetime
    password_set_at: dt.datetime | None = None
    sso: str | None = None  # "provider:subject" for a person who signs in through a provider

    @property
    def roles(self) -> frozenset[str]:
        return roles_of(self.role)

    def locked(self, now: dt.datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def check_login(login: str) -> str:
    if not LOGIN.fullmatch(login):
        raise UserRefused(
            "a login is 2-32 lowercase ASCII letters, digits, '.', '_' or '-', starting with a letter"
        )
    return login


def check_role(policies: PolicySet, principal: str, role: str) -> Role:
    who = policies.principal(principal)
    if who is None:
        raise UserRefused(f"unknown principal {principal!r} (see `shuzhi principals list`)")
    if role not in ROLES:
        raise UserRefused(f"role {role!r} is not one of {', '.join(ROLES)}")
    if role == "approver" and who.kind != "steward":
        raise UserRefused(
            f"{principal} is a {who.kind}; only a steward office's people may be approvers"
        )
    return role


class UserStore:
    """The users of one home; names sealed with ``keys`` (opened only when needed)."""

    def __init__(self, path: Path, keys: Callable[[], IdentityKeys]) -> None:
        self.path = Path(path)
        self._keys = keys

    @classmethod
    def in_folder(cls, state_dir: Path, keys: Callable[[], IdentityKeys]) -> UserStore:
        return cls(Path(state_dir) / USERS_FILE, keys)

    def all(self) -> list[User]:
        return read_records(self.path, "users", User)

    def get(self, user_id: str) -> User:
        for user in self.all():
            if user.id == user_id:
                return user
        raise UnknownUser(f"no user {user_id}")

    def find_login(self, login: str) -> User | None:
        wanted = login.strip().lower()
        return next((u for u in self.all() if u.login == wanted), None)

    def by_login(self, login: str) -> User:
        user = self.find_login(login)
        if user is None:
            raise UnknownUser("no user has that login (see `shuzhi users list`)")
        return user

    def display_name(self, user: User) -> str:
        return self._keys().open(user.name_sealed, user.id)

    def add(
        self,
        policies: PolicySet,
        *,
        login: str,
        name: str,
        principal: str,
        role: str,
        password: str,
        now: dt.datetime | None = None,
    ) -> User:
        login = check_login(login.strip().lower())
        checked_role = check_role(policies, principal, role)
        name = " ".join(name.split())
        if not name or len(name) > MAX_NAME:
            raise UserRefused(f"a display name is 1-{MAX_NAME} characters")
        check_new_password(password)
        hashed = hash_password(password)
        at = now or utc_now()
        keys = self._keys()

        def change(records: list[dict[str, Any]]) -> User:
            if any(r["login"] == login for r in records):
                raise UserRefused("that login is already taken")
            user = User(
                id=f"u-{len(records) + 1:04d}",
                login=login,
                name_sealed=keys.seal(name, f"u-{len(records) + 1:04d}"),
                principal=principal,
                role=checked_role,
                password=hashed,
                created_at=at,
                password_set_at=at,
            )
            records.append(user.model_dump(mode="json"))
            return user

        return change_state(self.path, "users", change)

    def find_linked(self, link: str) -> User | None:
        """The person linked to ``link`` (``provider:subject``), if they signed in before."""
        return next((u for u in self.all() if u.sso == link), None)

    def add_linked(
        self,
        policies: PolicySet,
        *,
        link: str,
        name: str,
        principal: str,
        role: str,
        now: dt.datetime | None = None,
    ) -> User:
        """The record of a person who signs in through a provider (no password); the one
        already linked to ``link`` when another sign-in made it first."""
        checked_role = check_role(policies, principal, role)
        login = link.lower()
        name = " ".join(name.split())[:MAX_NAME] or link
        at = now or utc_now()
        keys = self._keys()

        def change(records: list[dict[str, Any]]) -> User:
            for record in records:
                if record.get("sso") == link:
                    return User.model_validate(record)
            if any(r["login"] == login for r in records):
                raise UserRefused(
                    "another person already has this single sign-on login (their provider id "
                    "differs only in case); an operator must sort it out"
                )
            user_id = f"u-{len(records) + 1:04d}"
            user = User(
                id=user_id,
                login=login,
                name_sealed=keys.seal(name, user_id),
                principal=principal,
                role=checked_role,
                created_at=at,
                sso=link,
            )
            records.append(user.model_dump(mode="json"))
            return user

        return change_state(self.path, "users", change)

    def update(self, user_id: str, edit: Callable[[User], dict[str, Any]]) -> User:
        """Replace fields of one user with what ``edit`` returns for its fresh record."""

        def change(records: list[dict[str, Any]]) -> User:
            for index, record in enumerate(records):
                if record["id"] == user_id:
                    user = User.model_validate(record)
                    updated = user.model_copy(update=edit(user))
                    records[index] = updated.model_dump(mode="json")
                    return updated
            raise UnknownUser(f"no user {user_id}")

        return change_state(self.path, "users", change)

    def set_disabled(self, user_id: str, disabled: bool) -> User:
        return self.update(user_id, lambda _u: {"disabled": disabled})

    def set_password(self, user_id: str, password: str, now: dt.datetime | None = None) -> User:
        """A new password; the lockout and failure count are cleared."""
        check_new_password(password)
        hashed = hash_password(password)
        at = now or utc_now()
        return self.update(
            user_id,
            lambda _u: {
                "password": hashed,
                "password_set_at": at,
                "failures": 0,
                "locked_until": None,
            },
        )


def users_of(hub: Hub) -> UserStore:
    return UserStore.in_folder(hub.home.state, lambda: IdentityKeys(hub.keystore.identity_key()))
