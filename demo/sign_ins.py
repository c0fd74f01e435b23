"""The demo's sign-ins: one person for each kind of user who signs in with a password,
so the web pages can be tried as soon as ``shuzhi demo`` and ``shuzhi serve`` have run.

Passwords are random and new on every demo run (a login that exists gets a reset).
They are shown once, at the end of the demo, and kept in ``demo-sign-ins.txt``
(0600) in the home for whoever runs it; never in the audit log (adding and
resetting a user audit ids, principals and roles only) nor in any log.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from identity.passwords import WeakPassword, check_new_password
from identity.people import add_user, reset_password
from identity.users import users_of

if TYPE_CHECKING:
    from pipelines.hub import Hub

SIGN_INS_FILE = "demo-sign-ins.txt"
# Where the pages answer after a plain `shuzhi serve` (its default host and port).
SERVE_URL = "http://127.0.0.1:8300/"
ACTOR = "shuzhi-cli"
# Letters and digits that cannot be mistaken for one another when read off a screen.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_GROUPS, _GROUP_LENGTH = 4, 4  # 16 random characters: about 92 bits


@dataclass(frozen=True)
class DemoPerson:
    """Who the demo lets sign in: a login acting for a principal with a role."""

    login: str
    principal: str
    role: str


# One per kind of principal whose people sign in with a password.
DEMO_PEOPLE = (
    DemoPerson("donghu", "street_donghu", "requester"),
    DemoPerson("steward", "steward_district", "approver"),
    DemoPerson("reviewer", "reviewer_security", "viewer"),
    DemoPerson("hotline", "dept_hotline_12345", "viewer"),
)


@dataclass(frozen=True, repr=False)
class DemoSignIn:
    who: str  # the principal's name, as the policies call it
    login: str
    password: str
    principal: str
    role: str

    def __repr__(self) -> str:  # a traceback or a log line never shows the password
        return f"DemoSignIn({self.login!r} for {self.principal} as {self.role})"


class DemoSignInClash(RuntimeError):
    """A demo login already belongs to someone acting for another principal."""


def new_password() -> str:
    """A random password in groups of four (``k7Rm-2xQp-…``), easy to type from the table."""
    while True:
        password = "-".join(
            "".join(secrets.choice(_ALPHABET) for _ in range(_GROUP_LENGTH)) for _ in range(_GROUPS)
        )
        try:
            check_new_password(password)
        except WeakPassword:
            continue  # a draw with too few different characters: draw again
        return password


def create_demo_sign_ins(hub: Hub) -> list[DemoSignIn]:
    """Add the demo's people (or reset their passwords) and write the sign-ins file."""
    store = users_of(hub)
    existing = {person.login: store.find_login(person.login) for person in DEMO_PEOPLE}
    for person in DEMO_PEOPLE:  # checked before anyone is changed
        user = existing[person.login]
        if user is not None and user.principal != person.principal:
            raise DemoSignInClash(
                f"the login {person.login!r} acts for {user.principal}, not "
                f"{person.principal}; disable or rename it (`shuzhi users`) and run the demo again"
            )
    sign_ins = []
    for person in DEMO_PEOPLE:
        principal = hub.policies.principal(person.principal)
        who = principal.name if principal is not None else person.principal
        password = new_password()
        if existing[person.login] is None:
            add_user(
                hub,
                login=person.login,
                name=f"{who}（演示）",
                principal=person.principal,
                role=person.role,
                password=password,
                actor=ACTOR,
            )
        else:
            reset_password(hub, person.login, password, actor=ACTOR)
        sign_ins.append(DemoSignIn(who, person.login, password, person.principal, person.role))
    write_sign_ins(hub.home.root / SIGN_INS_FILE, sign_ins)
    return sign_ins


def write_sign_ins(path: Path, sign_ins: list[DemoSignIn]) -> None:
    """Replace ``path`` (mode 0600 from the start) with one tab-separated line per sign-in."""
    lines = [
        "# Shuzhi demo sign-ins: every `shuzhi demo` run writes new passwords.",
        f"# Open {SERVE_URL} after `shuzhi serve`.",
        "login\tpassword\tprincipal\trole\twho",
        *(f"{s.login}\t{s.password}\t{s.principal}\t{s.role}\t{s.who}" for s in sign_ins),
    ]
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write("\n".join(lines) + "\n")
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
