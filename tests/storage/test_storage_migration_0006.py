"""Migration 0006: every existing user becomes a human annotator kind; answers gain an empty score."""

from __future__ import annotations

from sqlalchemy import text

from calibration.rounds import service
from calibration.storage.engine import current_revision, make_engine, upgrade


def test_upgrading_from_0005_makes_every_user_human_and_downgrade_drops_the_columns(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine, "0005")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (name, role, created_at, session_version) "
                    "VALUES ('ana', 'annotator', '2026-01-01 00:00:00', 0)"
                )
            )
        upgrade(engine, "0006")
        assert current_revision(engine) == "0006"
        with engine.connect() as connection:  # SQL, not the ORM: it knows columns of later revisions
            assert connection.execute(text("SELECT name, kind FROM users")).all() == [("ana", "human")]
            assert connection.execute(text("SELECT count(score) FROM responses")).scalar() == 0
        from alembic import command

        from calibration.storage.engine import migrations_config

        config = migrations_config(engine)
        with engine.connect() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0005")
            connection.commit()
        assert current_revision(engine) == "0005"
        with engine.connect() as connection:
            names = [row[0] for row in connection.execute(text("SELECT name FROM users"))]
        assert names == ["ana"]
    finally:
        engine.dispose()


def test_upgrading_a_store_whose_users_are_referenced_keeps_every_row(db_url: str) -> None:
    """A store in use (users named by the audit log, rounds, attempts...) upgrades in place.

    On SQLite a batch migration that rebuilds ``users`` dropped the table under foreign keys
    that are on, and the app failed at start-up after a ``git pull`` ("FOREIGN KEY constraint failed").
    """
    engine = make_engine(db_url)
    try:
        upgrade(engine, "0005")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (id, name, role, created_at, session_version) "
                    "VALUES (7, 'lena', 'lead', '2026-01-01 00:00:00', 0)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO audit_log (actor_id, action, entity, details, at) "
                    "VALUES (7, 'user.create', 'user:7', '{}', '2026-01-01 00:00:00')"
                )
            )
        upgrade(engine)
        (user,) = service.list_users(engine)
        assert (user.id, user.name, user.kind) == (7, "lena", "human")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT actor_id FROM audit_log")).scalar() == 7
            if connection.dialect.name == "sqlite":  # the pragma is on again for the app
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()
