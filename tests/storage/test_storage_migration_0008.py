"""Migration 0008: users.must_change_password (false for everyone) and certifications without an attempt."""

from __future__ import annotations

from sqlalchemy import inspect, text

from calibration.rounds import service
from calibration.storage.engine import current_revision, make_engine, migrations_config, upgrade


def _downgrade(engine, revision: str) -> None:
    from alembic import command

    config = migrations_config(engine)
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":  # rebuilding users: referenced rows must not block it
            connection.commit()
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
        connection.commit()


def test_upgrading_from_0007_asks_nobody_to_change_and_downgrade_drops_the_column(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine, "0007")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (id, name, role, created_at, session_version, kind) "
                    "VALUES (7, 'lena', 'lead', '2026-01-01 00:00:00', 0, 'human')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO audit_log (actor_id, action, entity, details, at) "
                    "VALUES (7, 'create_user', 'user:lena', '{}', '2026-01-01 00:00:00')"
                )
            )
        upgrade(engine, "0008")
        assert current_revision(engine) == "0008"
        with (
            engine.connect() as connection
        ):  # SQL: the service reads with today's tables (0009 adds a user column)
            user = connection.execute(text("SELECT id, name, must_change_password FROM users")).one()
        assert (user[0], user[1], bool(user[2])) == (7, "lena", False)
        columns = {c["name"]: c for c in inspect(engine).get_columns("certifications")}
        assert columns["attempt_id"]["nullable"] is True
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO guideline_versions (id, guideline_id, version, content_hash, title, snapshot, "
                    "published_at) VALUES (1, 'g', '1.0.0', 'abc', 'G', '{}', '2026-01-01 00:00:00')"
                )
            )
            connection.execute(  # a model's certification: no attempt
                text(
                    "INSERT INTO certifications (annotator_id, guideline_version_id, attempt_id, score, "
                    "certified_at) VALUES (7, 1, NULL, 0.9, '2026-01-01 00:00:00')"
                )
            )
        assert [c.attempt_id for c in service.certifications(engine)] == [None]

        _downgrade(engine, "0007")
        assert current_revision(engine) == "0007"
        assert "must_change_password" not in {c["name"] for c in inspect(engine).get_columns("users")}
        columns = {c["name"]: c for c in inspect(engine).get_columns("certifications")}
        assert columns["attempt_id"]["nullable"] is False
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM certifications")).scalar() == 0
            assert connection.execute(text("SELECT actor_id FROM audit_log")).scalar() == 7
            assert [r[0] for r in connection.execute(text("SELECT name FROM users"))] == ["lena"]
    finally:
        engine.dispose()
