"""Migration 0007: guideline_images, a table of the images of published versions."""

from __future__ import annotations

from sqlalchemy import inspect, text

from calibration.rounds import service
from calibration.storage.engine import current_revision, make_engine, migrations_config, upgrade


def test_upgrading_from_0006_keeps_versions_and_downgrade_drops_the_images_table(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine, "0006")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO guideline_versions (guideline_id, version, content_hash, title, snapshot, published_at) "
                    "VALUES ('g', '1.0.0', 'abc', 'G', '{}', '2026-01-01 00:00:00')"
                )
            )
        upgrade(engine, "0007")
        assert current_revision(engine) == "0007"
        assert "guideline_images" in inspect(engine).get_table_names()
        (version,) = service.list_guideline_versions(engine)
        assert (version.ref, service.images_of(engine, version.id)) == ("g@1.0.0", [])
        from alembic import command

        config = migrations_config(engine)
        with engine.connect() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0006")
            connection.commit()
        assert current_revision(engine) == "0006"
        assert "guideline_images" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()
