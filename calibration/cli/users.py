"""``calibration users``: the Users page on the command line (list, add, role, deactivate, reactivate, reset-password,
allow-password).

Each verb makes the same library call as the page (`calibration.rounds.accounts`), with the same
checks: the last active lead cannot be demoted or deactivated, a role is one of lead, author and
annotator. ``--as LOGIN`` names the lead who acts (checked like a signed-in lead: an author or a
deactivated account is refused, a lead cannot deactivate themselves) and is written in the audit
log (every verb but ``list``, which only reads); without it the command acts as the system, like ``calibration user add``: whoever can open
the database administers it. Passwords are read from a prompt that does not echo, or from the first
line of stdin with ``--password-stdin``; never from an argument (it would show in the process list
and the shell history).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from typing import Any

from calibration.cli.common import Subparsers, add_command, add_json_option, add_verb_group
from calibration.cli.common import open_engine as _engine
from calibration.errors import CalibrationError, Location, NotFoundError

ROLES = ("lead", "author", "annotator")


def register(subparsers: Subparsers) -> None:
    """Add ``calibration users ACTION`` to the `calibration` command."""
    verbs = add_verb_group(
        subparsers,
        "users",
        help="list and manage user accounts (the Users page)",
        description="List and manage user accounts, with the Users page's checks.",
    )

    listing = add_command(
        verbs, "list", run_list, help="every user with role, status and password state", database=True
    )
    listing.add_argument("--role", choices=ROLES, default=None, help="only users of this role")
    add_json_option(listing)

    add = _acting_verb(verbs, "add", run_add, "add a user (password from a prompt or stdin)")
    add.add_argument("name", metavar="NAME", help="unique display name")
    add.add_argument("--role", required=True, choices=ROLES, help="role")
    add.add_argument("--email", default=None, help="sign-in email")
    source = add.add_mutually_exclusive_group()
    source.add_argument(
        "--password-stdin", action="store_true", help="read the password from the first line of stdin"
    )
    source.add_argument(
        "--no-password", action="store_true", help="no password: an invitation-only annotator (no prompt)"
    )
    add.add_argument(
        "--temporary",
        action="store_true",
        help="the user must choose their own password at their first sign-in (as on the Users page)",
    )

    role = _user_argument(_acting_verb(verbs, "role", run_role, "change a user's role"))
    role.add_argument("role", metavar="ROLE", choices=ROLES, help="lead, author or annotator")

    for verb, text, handler in (
        (
            "deactivate",
            "a user can no longer sign in; every session ends; their answers stay",
            run_deactivate,
        ),
        ("reactivate", "let a deactivated user sign in again", run_reactivate),
        (
            "reset-password",
            "print a new temporary password (once); the user chooses their own at the next sign-in",
            run_reset_password,
        ),
        (
            "allow-password",
            "set the sign-in method back to local after single sign-on, so a password can be set again",
            run_allow_password,
        ),
    ):
        _user_argument(_acting_verb(verbs, verb, handler, text))


def _acting_verb(
    verbs: Subparsers,
    name: str,
    handler: Callable[[argparse.Namespace], int],
    help: str,
) -> argparse.ArgumentParser:
    """A verb that changes the store: ``--database-url`` and ``--as LOGIN``."""
    parser = add_command(verbs, name, handler, help=help, database=True)
    parser.add_argument(
        "--as",
        dest="acting",
        default=None,
        metavar="LOGIN",
        help="the lead who acts (email or name): checked and written in the audit log (default: the system)",
    )
    return parser


def _user_argument(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("user", metavar="USER", help="name or email")
    return parser


def _user(engine: Any, login: str, field: str = "user") -> Any:
    """The user named `login` (email or name, case-insensitive).

    Raises:
        NotFoundError: nobody, naming the field and how to list the users.
    """
    from calibration.rounds import service

    try:
        return service.user_by_email(engine, login.strip())
    except NotFoundError:
        raise NotFoundError(
            f"no user with the name or email {login.strip()!r}",
            location=Location(field=field),
            hint="calibration users list shows them",
        ) from None


def _actor(engine: Any, args: argparse.Namespace) -> Any:
    from calibration.rounds import service

    return service.SYSTEM if args.acting is None else _user(engine, args.acting, "--as")


def _acting_on_user(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """The store (it must exist), the lead who acts (``--as``) and the user that USER names."""
    engine = _engine(args, existing=True)
    actor = _actor(engine, args)
    return engine, actor, _user(engine, args.user)


def _password(args: argparse.Namespace, name: str) -> str | None:
    """The new user's password: None with --no-password, the first line of stdin, or typed twice (no echo).

    Raises:
        CalibrationError: nothing on stdin or typed, or the two typed passwords differ.
    """
    if args.no_password:
        return None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CalibrationError(
                "no password on stdin",
                location=Location(field="password"),
                hint="pipe it: echo 'pass phrase' | calibration users add ... --password-stdin",
            )
        return password
    password = _typed(f"Password for {name}: ")
    if not password:
        raise CalibrationError(
            "no password typed",
            location=Location(field="password"),
            hint="type one, or pass --no-password for an invitation-only annotator",
        )
    from calibration.auth import check_repeated

    check_repeated(password, _typed("Repeat the password: "), field="password")
    return password


def _typed(prompt: str) -> str:
    """A password typed at a prompt that does not echo.

    Raises:
        CalibrationError: no terminal to type on (stdin is a pipe or /dev/null), or end of input (Ctrl-D).
    """
    no_password = CalibrationError(
        "no password typed", location=Location(field="password"), hint="use --password-stdin"
    )
    stdin = sys.stdin
    if stdin is None or not stdin.isatty():  # getpass would warn, then read stdin and hit its end
        raise no_password
    try:
        return getpass.getpass(prompt)
    except EOFError:
        raise no_password from None


def _status(user: Any) -> dict[str, Any]:
    return {
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "kind": user.kind,
        "status": "active" if user.active else "deactivated",
        "password": "temporary" if user.must_change_password else "set" if user.has_password else "none",
        "sign_in_method": user.sign_in_method,
        "created_at": user.created_at.isoformat(),
    }


def run_list(args: argparse.Namespace) -> int:
    from calibration.rounds import service

    rows = [_status(u) for u in service.list_users(_engine(args, existing=True), args.role)]
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    for row in rows:
        print(
            "\t".join(
                [row["name"], row["email"] or "-", row["role"], row["status"], f"password {row['password']}"]
            )
        )
    return 0


def run_add(args: argparse.Namespace) -> int:
    from calibration.rounds import service

    if args.temporary and args.no_password:
        raise CalibrationError(
            "--temporary needs a password", location=Location(field="--temporary"), hint="drop --no-password"
        )
    engine = _engine(args)
    actor = _actor(engine, args)
    password = _password(args, args.name)
    user = service.create_user(
        engine,
        args.name,
        role=args.role,
        email=args.email,
        password=password,
        actor=actor,
        must_change_password=args.temporary,
    )
    print(f"added {user.role} {user.name}" + (f" <{user.email}>" if user.email else ""))
    if args.temporary:
        print("note: they choose their own password at their first sign-in", file=sys.stderr)
    if password is None and args.role in ("lead", "author"):  # after success: no note before an error
        print("note: no password set; they cannot sign in until a lead resets it", file=sys.stderr)
    return 0


def run_role(args: argparse.Namespace) -> int:
    from calibration.rounds import service

    engine, actor, person = _acting_on_user(args)
    user = service.set_role(engine, person, args.role, actor=actor)
    print(f"{user.name} is {'now' if person.role != user.role else 'already'} {user.role}")
    return 0


def run_deactivate(args: argparse.Namespace) -> int:
    from calibration.rounds import service

    engine, actor, person = _acting_on_user(args)
    service.deactivate_user(engine, person, actor=actor)
    print(f"{person.name} is deactivated and can no longer sign in")
    return 0


def run_reactivate(args: argparse.Namespace) -> int:
    from calibration.rounds import service

    engine, actor, person = _acting_on_user(args)
    service.reactivate_user(engine, person, actor=actor)
    print(f"{person.name} can sign in again")
    return 0


def run_reset_password(args: argparse.Namespace) -> int:
    from calibration.rounds import service

    engine, actor, person = _acting_on_user(args)
    temporary = service.reset_password(engine, person, actor=actor)
    print(temporary)  # alone on stdout, so a script can take it
    print(
        f"the temporary password of {person.name} (shown once); they sign in with it and then choose their own",
        file=sys.stderr,
    )
    return 0


def run_allow_password(args: argparse.Namespace) -> int:
    from calibration.rounds import service

    engine, actor, person = _acting_on_user(args)
    before = person.sign_in_method
    service.allow_local_sign_in(engine, person, actor=actor)
    if before == "local":
        print(f"{person.name} already signs in locally")
    else:
        print(f"{person.name} signs in locally again; reset their password to give them one")
    return 0
