"""Migration 0002 keeps existing users signed-in-able: session version 0, active; sign-in failures gain a client."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from calibration.rounds import service
from calibration.storage.engine import current_revision, make_engine, upgrade


def test_upgrading_from_0001_keeps_users_and_their_passwords(db_url: str) -> None:
    from calibration import auth

    engine = make_engine(db_url)
    try:
        upgrade(engine, "0001")
        hashed = auth.hash_password("correct horse")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (name, email, role, password_hash, created_at) "
                    "VALUES ('lena', 'lena@example.org', 'lead', :hash, '2026-01-01 00:00:00')"
                ),
                {"hash": hashed},
            )
            connection.execute(
                text(
                    "INSERT INTO sign_in_failures (login, at) VALUES ('lena@example.org', '2026-01-01 00:00:00')"
                )
            )
        upgrade(engine, "0002")  # later migrations have their own tests
        assert current_revision(engine) == "0002"
        upgrade(engine)  # the service reads with today's tables (later migrations add user columns)
        user: Any = service.authenticate(engine, "lena@example.org", "correct horse")
        assert (user.name, user.session_version, user.active) == ("lena", 0, True)
        service.revoke_sessions(engine, user.id)
        assert service.get_user(engine, user.id).session_version == 1
    finally:
        engine.dispose()
