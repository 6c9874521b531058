"""`calibration users`: the Users page's actions on the command line, in-process (SQLite file)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from calibration.cli.main import main
from calibration.rounds import service
from calibration.storage.engine import make_engine

PASSWORD = "a long pass phrase"


@pytest.fixture
def db(tmp_path: Path) -> tuple[str, str]:
    return ("--database-url", f"sqlite:///{tmp_path / 'users.db'}")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _stdin(monkeypatch: Any, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def _typed(monkeypatch: Any, *answers: str) -> list[str]:
    """Answer the getpass prompts in order; returns the prompts asked."""
    prompts: list[str] = []
    replies = iter(answers)

    def fake(prompt: str = "") -> str:
        prompts.append(prompt)
        try:
            return next(replies)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr("getpass.getpass", fake)
    monkeypatch.setattr("sys.stdin", _Terminal())
    return prompts


class _Terminal(io.StringIO):
    """A stdin that is a terminal (getpass prompts on it)."""

    def isatty(self) -> bool:
        return True


def _engine(db: tuple[str, str]) -> Any:
    return make_engine(db[1])


def _by_name(db: tuple[str, str], name: str) -> Any:
    return next(u for u in service.list_users(_engine(db), None) if u.name == name)


@pytest.fixture
def lena(db: tuple[str, str], capsys: Any, monkeypatch: Any) -> None:
    _stdin(monkeypatch, PASSWORD + "\n")
    code, out, _ = _run(
        capsys,
        "users",
        "add",
        "lena",
        "--role",
        "lead",
        "--email",
        "lena@example.org",
        "--password-stdin",
        *db,
    )
    assert (code, out) == (0, "added lead lena <lena@example.org>\n")


def test_add_reads_the_password_from_a_prompt_twice_and_never_echoes_it(
    db, capsys, monkeypatch, lena
) -> None:
    prompts = _typed(monkeypatch, PASSWORD, PASSWORD)
    code, out, err = _run(
        capsys, "users", "add", "ora", "--role", "author", "--email", "ora@example.org", *db
    )
    assert code == 0 and prompts == ["Password for ora: ", "Repeat the password: "]
    assert PASSWORD not in out + err
    assert service.authenticate(_engine(db), "ora@example.org", PASSWORD).role == "author"


@pytest.mark.parametrize("stdin", ["", "a long pass phrase\n"])
def test_add_without_a_terminal_is_one_line_not_a_traceback(db, capsys, monkeypatch, lena, stdin) -> None:
    # `users add ... </dev/null` or a pipe without --password-stdin: no prompt, no GetPassWarning
    prompts = _typed(monkeypatch)
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code, out, err = _run(
        capsys, "users", "add", "ora", "--role", "author", "--email", "ora@example.org", *db
    )
    assert (code, out, err) == (1, "", "error: password: no password typed (hint: use --password-stdin)\n")
    assert prompts == []


def test_add_ctrl_d_at_the_prompt_is_one_line(db, capsys, monkeypatch, lena) -> None:
    _typed(monkeypatch, PASSWORD)  # the repeat prompt meets the end of input (Ctrl-D)
    code, out, err = _run(
        capsys, "users", "add", "ora", "--role", "author", "--email", "ora@example.org", *db
    )
    assert (code, out, err) == (1, "", "error: password: no password typed (hint: use --password-stdin)\n")
    assert "ora" not in [u.name for u in service.list_users(_engine(db))]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (
            (PASSWORD, PASSWORD + "x"),
            "error: password: the two passwords differ (hint: type the same password twice)\n",
        ),
        (
            ("",),
            "error: password: no password typed (hint: type one, or pass --no-password for an "
            "invitation-only annotator)\n",
        ),
        (
            ("short", "short"),
            "error: password: the password has 5 characters; at least 8 are needed "
            "(hint: use a longer passphrase)\n",
        ),
    ],
)
def test_add_refuses_a_bad_typed_password_in_one_line(db, capsys, monkeypatch, lena, typed, message) -> None:
    _typed(monkeypatch, *typed)
    code, out, err = _run(
        capsys, "users", "add", "ora", "--role", "author", "--email", "ora@example.org", *db
    )
    assert (code, out, err) == (1, "", message)
    assert "ora" not in [u.name for u in service.list_users(_engine(db))]


def test_add_with_a_temporary_password_asks_for_a_new_one_at_sign_in(db, capsys, monkeypatch, lena) -> None:
    _stdin(monkeypatch, PASSWORD + "\n")
    code, _, err = _run(
        capsys,
        "users",
        "add",
        "ora",
        "--role",
        "author",
        "--email",
        "o@example.org",
        "--password-stdin",
        "--temporary",
        *db,
    )
    assert code == 0 and "choose their own password at their first sign-in" in err
    assert _by_name(db, "ora").must_change_password
    code, _, err = _run(
        capsys, "users", "add", "ann", "--role", "annotator", "--no-password", "--temporary", *db
    )
    assert (code, err) == (1, "error: --temporary: --temporary needs a password (hint: drop --no-password)\n")


def test_a_lead_without_password_is_added_with_a_note(db, capsys, lena) -> None:
    code, out, err = _run(capsys, "users", "add", "lou", "--role", "lead", "--no-password", *db)
    assert (code, out) == (0, "added lead lou\n")
    assert err == "note: no password set; they cannot sign in until a lead resets it\n"


def test_list_shows_every_user_with_role_status_and_password_state(db, capsys, monkeypatch, lena) -> None:
    assert _run(capsys, "users", "add", "ann", "--role", "annotator", "--no-password", *db)[0] == 0
    code, out, _ = _run(capsys, "users", "list", *db)
    assert code == 0
    assert out.splitlines() == [
        "ann\t-\tannotator\tactive\tpassword none",
        "lena\tlena@example.org\tlead\tactive\tpassword set",
    ]
    code, out, _ = _run(capsys, "users", "list", "--role", "lead", "--json", *db)
    [row] = json.loads(out)
    assert {k: row[k] for k in ("name", "email", "role", "status", "password", "kind")} == {
        "name": "lena",
        "email": "lena@example.org",
        "role": "lead",
        "status": "active",
        "password": "set",
        "kind": "human",
    }


def test_role_deactivate_reactivate_with_the_pages_checks(db, capsys, monkeypatch, lena) -> None:
    assert _run(capsys, "users", "add", "ann", "--role", "annotator", "--no-password", *db)[0] == 0
    assert _run(capsys, "users", "role", "ann", "author", *db)[:2] == (0, "ann is now author\n")
    assert _by_name(db, "ann").role == "author"
    # the last active lead can be neither demoted nor deactivated
    code, _, err = _run(capsys, "users", "role", "LENA@example.org", "annotator", *db)
    assert (code, err) == (
        1,
        "error: user: cannot make annotator of lena: they are the last active lead "
        "(hint: make another user a lead first)\n",
    )
    code, _, err = _run(capsys, "users", "deactivate", "lena", *db)
    assert code == 1 and "they are the last active lead" in err
    assert _run(capsys, "users", "deactivate", "ann", *db)[:2] == (
        0,
        "ann is deactivated and can no longer sign in\n",
    )
    assert not _by_name(db, "ann").active
    assert _run(capsys, "users", "reactivate", "ann", *db)[:2] == (0, "ann can sign in again\n")
    assert _by_name(db, "ann").active


def test_as_names_the_acting_lead_and_is_checked_like_on_the_page(db, capsys, monkeypatch, lena) -> None:
    _stdin(monkeypatch, PASSWORD + "\n")
    assert (
        _run(
            capsys,
            "users",
            "add",
            "aud",
            "--role",
            "author",
            "--email",
            "aud@example.org",
            "--password-stdin",
            *db,
        )[0]
        == 0
    )
    code, _, err = _run(capsys, "users", "deactivate", "lena", "--as", "aud@example.org", *db)
    assert (code, err) == (
        1,
        "error: aud (author) may not deactivate users (hint: this needs the role lead)\n",
    )
    code, _, err = _run(capsys, "users", "deactivate", "lena", "--as", "lena", *db)
    assert (code, err) == (1, "error: you cannot deactivate your own account (hint: ask another lead)\n")
    code, _, err = _run(capsys, "users", "role", "aud", "lead", "--as", "nobody", *db)
    assert (code, err) == (
        1,
        "error: --as: no user with the name or email 'nobody' (hint: calibration users list shows them)\n",
    )
    assert _run(capsys, "users", "role", "aud", "lead", "--as", "lena", *db)[0] == 0
    log = [e for e in service.audit_log(_engine(db)) if e.action == "set_role"]
    assert [(e.entity, e.actor_id) for e in log] == [("user:aud", _by_name(db, "lena").id)]


def test_reset_password_prints_only_the_temporary_password_and_forces_a_change(
    db, capsys, monkeypatch, lena
) -> None:
    code, out, err = _run(capsys, "users", "reset-password", "lena@example.org", *db)
    temporary = out.strip()
    assert code == 0 and len(out.splitlines()) == 1 and len(temporary) >= 16
    assert "shown once" in err and temporary not in err
    engine = _engine(db)
    assert service.authenticate(engine, "lena@example.org", temporary).must_change_password
    updated = service.replace_temporary_password(engine, _by_name(db, "lena"), "lena's own phrase")
    assert not updated.must_change_password


def test_an_unknown_user_is_one_line_naming_the_field(db, capsys, lena) -> None:
    for verb in ("deactivate", "reactivate", "reset-password"):
        code, out, err = _run(capsys, "users", verb, "nobody@example.org", *db)
        assert (code, out, err) == (
            1,
            "",
            "error: user: no user with the name or email 'nobody@example.org' (hint: calibration users list shows them)\n",
        )


def test_a_bad_role_and_a_missing_verb_are_misuse(db, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["users", "role", "ann", "boss", *db])
    assert exit_.value.code == 2
    assert "invalid choice: 'boss'" in capsys.readouterr().err
    assert main(["users"]) == 2


def test_users_are_found_by_name_case_insensitively_and_a_name_differing_only_by_case_is_refused(
    db, capsys, monkeypatch, lena
) -> None:
    _stdin(monkeypatch, "")
    code, _, _ = _run(capsys, "users", "add", "Ora Author", "--role", "author", "--no-password", *db)
    assert code == 0
    code, out, err = _run(capsys, "users", "role", "ora author", "annotator", "--as", "LENA", *db)
    assert (code, out, err) == (0, "Ora Author is now annotator\n", "")
    code, out, err = _run(capsys, "users", "add", "ORA AUTHOR", "--role", "annotator", "--no-password", *db)
    assert (code, out) == (1, "")
    assert err == (
        "error: name: the name 'ORA AUTHOR' differs from the existing 'Ora Author' only by case "
        "(hint: choose another name, or use the existing account)\n"
    )


@pytest.mark.parametrize(
    "verb",
    [
        ("list",),
        ("role", "ora", "lead"),
        ("deactivate", "ora"),
        ("reactivate", "ora"),
        ("reset-password", "ora"),
        ("allow-password", "ora"),
    ],
)
def test_a_mistyped_database_path_is_refused_not_created(tmp_path, capsys, verb) -> None:
    missing = tmp_path / "typo" / "usres.db"
    code, out, err = _run(capsys, "users", *verb, "--database-url", f"sqlite:///{missing}")
    assert (code, out) == (1, "")
    assert err == (
        f"error: --database-url: no database at {missing} (hint: check the path; "
        "`calibration db upgrade --database-url URL` creates a new store)\n"
    )
    assert not missing.exists() and not missing.parent.exists()


def test_users_add_still_creates_a_new_store(tmp_path, capsys) -> None:
    fresh = tmp_path / "new.db"
    code, out, err = _run(
        capsys,
        "users",
        "add",
        "ann",
        "--role",
        "annotator",
        "--no-password",
        "--database-url",
        f"sqlite:///{fresh}",
    )
    assert (code, out, err) == (0, "added annotator ann\n", "")
    assert fresh.exists()


def test_the_temporary_note_has_the_note_prefix(db, capsys, monkeypatch, lena) -> None:
    _stdin(monkeypatch, PASSWORD + "\n")
    code, _, err = _run(
        capsys, "users", "add", "ora", "--role", "author", "--password-stdin", "--temporary", *db
    )
    assert (code, err) == (0, "note: they choose their own password at their first sign-in\n")


def test_allow_password_undoes_single_sign_on_so_a_reset_gives_a_password(db, capsys, lena) -> None:
    """If the identity provider goes away, a lead can give a single sign-on account a password again."""
    assert (
        _run(
            capsys,
            "users",
            "add",
            "sam",
            "--role",
            "author",
            "--email",
            "sam@example.org",
            "--no-password",
            *db,
        )[0]
        == 0
    )
    engine = _engine(db)
    service.sign_in_with_single_sign_on(engine, "sam@example.org")
    code, out, _ = _run(capsys, "users", "list", "--json", *db)
    assert {r["name"]: r["sign_in_method"] for r in json.loads(out)} == {"lena": "local", "sam": "sso"}
    code, _, err = _run(capsys, "users", "reset-password", "sam", *db)
    assert code == 1 and "signs in with single sign-on" in err
    code, out, _ = _run(capsys, "users", "allow-password", "sam@example.org", "--as", "lena", *db)
    assert (code, out) == (0, "sam signs in locally again; reset their password to give them one\n")
    assert _run(capsys, "users", "allow-password", "sam", *db)[:2] == (0, "sam already signs in locally\n")
    log = [e for e in service.audit_log(engine) if e.action == "allow_local_sign_in"]
    assert [(e.entity, e.actor_id) for e in log] == [("user:sam", _by_name(db, "lena").id)]
    code, out, _ = _run(capsys, "users", "reset-password", "sam", *db)
    assert (
        code == 0
        and service.authenticate(engine, "sam@example.org", out.strip()).id == _by_name(db, "sam").id
    )
