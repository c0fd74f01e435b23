"""``shuzhi users``: the people who sign in to the front door (operator tool on the hub host)."""

from __future__ import annotations

import getpass
import sys

import typer

from cli.errors import CliError, Refused
from cli.output import print_json, print_table

app = typer.Typer(help="People who sign in: add, list, disable, reset.", no_args_is_help=True)


def operator() -> str:
    return f"operator {getpass.getuser()}"


def read_password(from_stdin: bool) -> str:
    """A password from stdin (one line, for scripts) or typed twice; never an argument."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if not password:
        raise CliError("no password given")
    return password


@app.command("add")
def add(
    principal: str = typer.Option(..., "--principal", help="The principal they act for."),
    login: str = typer.Option(..., "--login", help="Sign-in name, lowercase ASCII."),
    name: str = typer.Option(..., "--name", help="Display name (personal data; kept sealed)."),
    role: str = typer.Option("viewer", "--role", help="viewer | requester | approver."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read it from stdin."),
) -> None:
    """Add a person who signs in with a password."""
    from identity.passwords import WeakPassword
    from identity.people import add_user
    from identity.users import UserRefused
    from pipelines.hub import Hub

    password = read_password(password_stdin)
    try:
        user = add_user(
            Hub.from_env(),
            login=login,
            name=name,
            principal=principal,
            role=role,
            password=password,
            actor=operator(),
        )
    except (UserRefused, WeakPassword) as refusal:
        raise Refused(str(refusal)) from None
    typer.echo(f"{user.id}: {user.login} acts for {user.principal} as {user.role}")


@app.command("list")
def list_(
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Users with their principal, role, and whether disabled or locked."""
    from identity.users import users_of, utc_now
    from pipelines.hub import Hub

    store = users_of(Hub.from_env())
    now = utc_now()
    users = store.all()
    if json_out:
        print_json(
            [
                {
                    "id": u.id,
                    "login": u.login,
                    "name": store.display_name(u),
                    "principal": u.principal,
                    "role": u.role,
                    "disabled": u.disabled,
                    "locked": u.locked(now),
                }
                for u in users
            ]
        )
        return
    print_table(
        "Users",
        ["id", "login", "name", "principal", "role", "disabled", "locked"],
        [
            [
                u.id,
                u.login,
                store.display_name(u),
                u.principal,
                u.role,
                "yes" if u.disabled else "",
                "yes" if u.locked(now) else "",
            ]
            for u in users
        ],
        caption=None if users else "no users yet (`shuzhi users add`)",
    )


@app.command("disable")
def disable(login: str = typer.Argument(..., help="The user's login.")) -> None:
    """Disable a user; their sessions end at once."""
    from identity.people import disable_user
    from identity.users import UnknownUser
    from pipelines.hub import Hub

    try:
        user = disable_user(Hub.from_env(), login, actor=operator())
    except UnknownUser as missing:
        raise CliError(str(missing.args[0])) from None
    typer.echo(f"{user.id}: disabled; every session ended")


@app.command("reset")
def reset(
    login: str = typer.Argument(..., help="The user's login."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read it from stdin."),
) -> None:
    """Set a new password; clears the lockout and ends the user's sessions."""
    from identity.passwords import WeakPassword
    from identity.people import reset_password
    from identity.users import UnknownUser
    from pipelines.hub import Hub

    password = read_password(password_stdin)
    try:
        user = reset_password(Hub.from_env(), login, password, actor=operator())
    except UnknownUser as missing:
        raise CliError(str(missing.args[0])) from None
    except WeakPassword as refusal:
        raise Refused(str(refusal)) from None
    typer.echo(f"{user.id}: new password set, lockout cleared")
