"""Migration 0009: users.sign_in_method ("local" for everyone already there; "sso" once recorded)."""

from __future__ import annotations

from sqlalchemy import inspect, text

from calibration.rounds import service
from calibration.storage.engine import current_revision, make_engine, upgrade
from tests.storage.test_storage_migration_0008 import _downgrade


def test_upgrading_from_0008_makes_everyone_local_and_downgrade_drops_the_column(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine, "0008")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (id, name, email, role, created_at, session_version, kind) "
                    "VALUES (7, 'sam', 'sam@example.org', 'annotator', '2026-01-01 00:00:00', 0, 'human')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO audit_log (actor_id, action, entity, details, at) "
                    "VALUES (7, 'create_user', 'user:sam', '{}', '2026-01-01 00:00:00')"
                )
            )
        upgrade(engine, "0009")
        assert current_revision(engine) == "0009"
        (user,) = service.list_users(engine)
        assert (user.id, user.name, user.sign_in_method) == (7, "sam", "local")
        assert service.record_single_sign_on(engine, user).sign_in_method == "sso"
        assert service.get_user(engine, 7).sign_in_method == "sso"

        _downgrade(engine, "0008")
        assert current_revision(engine) == "0008"
        assert "sign_in_method" not in {c["name"] for c in inspect(engine).get_columns("users")}
        with engine.connect() as connection:
            assert [r[0] for r in connection.execute(text("SELECT name FROM users"))] == ["sam"]
            assert connection.execute(text("SELECT count(*) FROM audit_log")).scalar() == 2
    finally:
        engine.dispose()
