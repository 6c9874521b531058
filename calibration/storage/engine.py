"""Database engine from CALIBRATION_DATABASE_URL: SQLite settings for concurrent writers, PostgreSQL via psycopg.

SQLite runs in WAL mode with a busy timeout, and every transaction starts with ``BEGIN IMMEDIATE``
so the write lock is taken up front: with a deferred ``BEGIN``, read-then-write transactions of
concurrent sessions fail with "database is locked" instead of waiting (measured in the project's
notes, streamlit-1.67.md section 6). On Python 3.11 the sqlite3 module must be told not to manage
transactions itself (``isolation_level = None``) for SQLAlchemy's ``BEGIN`` to be the one that runs.
"""

from __future__ import annotations

import os
import re
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session

from calibration.errors import CalibrationError, DataError, Location

ENV_URL = "CALIBRATION_DATABASE_URL"
DEFAULT_URL = "sqlite:///calibration.db"
READ_ONLY = "calibration_read_only"
MIGRATION_LOCK = 72711959  # PostgreSQL advisory lock key held while migrating
# busy_timeout first: switching to WAL needs a lock, and must wait for it rather than fail
SQLITE_PRAGMAS = ("busy_timeout=30000", "journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON")


def database_url(url: str | None = None) -> str:
    """The database URL: `url`, else $CALIBRATION_DATABASE_URL, else a SQLite file in the working folder.

    ``postgresql://`` and ``postgres://`` URLs are mapped to the psycopg 3 driver.
    """
    url = url or os.environ.get(ENV_URL) or DEFAULT_URL
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str | None = None, **options: Any) -> Engine:
    """Create an engine for `url` (see `database_url`) with the project's connection settings.

    Args:
        url: a SQLAlchemy URL; None reads $CALIBRATION_DATABASE_URL (default ``sqlite:///calibration.db``).
        options: extra keyword arguments for `sqlalchemy.create_engine`.

    Returns:
        An engine; share one per process and open a short session per action.

    Raises:
        CalibrationError: the URL cannot be parsed, or names an in-memory SQLite database
            (each pooled connection would see a different, empty database).
    """
    url = database_url(url)
    try:
        parsed = make_url(url)
    except Exception as error:  # sqlalchemy.exc.ArgumentError, ValueError
        raise CalibrationError(
            f"cannot parse the database URL {url!r}: {error}",
            location=Location(field=ENV_URL),
            hint="use e.g. sqlite:///calibration.db or postgresql+psycopg://user@host:5432/db",
        ) from None
    if parsed.get_backend_name() != "sqlite":
        options.setdefault("pool_pre_ping", True)
        options.setdefault("pool_size", 10)
        options.setdefault("max_overflow", 20)
        return _create(parsed, url, options)
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file::memory:"):
        raise CalibrationError(
            f"the database URL {url!r} is an in-memory SQLite database",
            location=Location(field=ENV_URL),
            hint="use a file, e.g. sqlite:///calibration.db",
        )
    folder = Path(database).expanduser().parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CalibrationError(
            f"cannot create the folder {str(folder)!r} of the SQLite database: {error.strerror or error}",
            location=Location(field=ENV_URL),
            hint="check --database-url or CALIBRATION_DATABASE_URL, or create the folder first",
        ) from None
    connect_args = dict(options.pop("connect_args", {}))
    connect_args.setdefault("check_same_thread", False)
    connect_args.setdefault("timeout", 30)
    options.setdefault("pool_size", 5)
    options.setdefault("max_overflow", 15)
    options.setdefault("pool_timeout", 60)
    engine = _create(parsed, url, {"connect_args": connect_args, **options})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # Python 3.11: let SQLAlchemy emit BEGIN, not sqlite3
        for pragma in SQLITE_PRAGMAS:
            dbapi_connection.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")  # WAL: readers see a snapshot and never block writers
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")  # take the write lock now: wait, never fail later

    return engine


def _create(parsed: Any, url: str, options: dict[str, Any]) -> Engine:
    """`create_engine`, with an unknown dialect or a missing driver as a `CalibrationError`."""
    try:
        engine = create_engine(parsed, **options)
    except (NoSuchModuleError, ArgumentError, ImportError) as error:
        raise CalibrationError(
            f"cannot use the database URL {url!r}: {' '.join(str(error).split())}",
            location=Location(field=ENV_URL),
            hint="use e.g. sqlite:///calibration.db or postgresql+psycopg://user@host:5432/db",
        ) from None
    event.listen(engine, "before_cursor_execute", _refuse_nul)
    return engine


_BIND_SUFFIX = re.compile(r"(_\d+)+$")


def _refuse_nul(
    _connection: Any, _cursor: Any, _statement: str, parameters: Any, context: Any, executemany: bool
) -> None:
    """Refuse a text holding a NUL character before any database sees it, naming the field.

    PostgreSQL cannot store NUL in text and fails with a driver error deep in a transaction; SQLite
    stores it, and a later CSV or browser cuts the text there. One rule for both: a login, display
    name, comment or round name with a NUL is refused as a user error.
    """
    del executemany  # the parameters' shape says it: batched inserts send one flat tuple
    many = (
        isinstance(parameters, list | tuple) and parameters and isinstance(parameters[0], dict | list | tuple)
    )
    for row in parameters if many else [parameters]:
        pairs = row.items() if isinstance(row, dict) else enumerate(row or ())
        for key, value in pairs:
            if isinstance(value, str) and "\x00" in value:
                names = getattr(getattr(context, "compiled", None), "positiontup", None) or []
                name = key if isinstance(key, str) else names[key] if key < len(names) else ""
                field = _BIND_SUFFIX.sub("", str(name))
                refuse_nul(value, None if field in _NOT_FIELDS else field)


_NOT_FIELDS = {"", "lower", "upper", "trim", "coalesce", "param"}


def refuse_nul(value: str, field: str | None) -> None:
    """Raise `DataError` naming `field` when `value` holds a NUL character (no database keeps it intact).

    Raises:
        DataError: ``name: the text holds a NUL character (\\0), which cannot be stored``.
    """
    if "\x00" in value:
        raise DataError(
            "the text holds a NUL character (\\0), which cannot be stored",
            location=Location(field=field),
            hint="remove it (it usually comes from a copy out of another program)",
        )


@contextmanager
def database_errors(engine: Engine, hint: str = f"check --database-url or {ENV_URL}") -> Iterator[None]:
    """Turn a database failure in the block (cannot connect, not a database, locked) into a `CalibrationError`.

    Args:
        engine: the engine in use; its URL (password hidden) names the database in the message.
        hint: what the user can do.

    Raises:
        CalibrationError: for any `sqlalchemy.exc.DBAPIError` raised in the block.
    """
    try:
        yield
    except DBAPIError as error:
        reason = " ".join(str(error.orig if error.orig is not None else error).split())
        raise CalibrationError(
            f"cannot use the database {engine.url.render_as_string()}: {reason}", hint=hint
        ) from None


_readers: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def _reader(engine: Engine) -> Engine:
    found = _readers.get(engine)
    if found is None:
        found = _readers[engine] = engine.execution_options(**{READ_ONLY: True})
    return found


@contextmanager
def session_scope(engine: Engine, *, read_only: bool = False) -> Iterator[Session]:
    """A session in one transaction: committed when the block ends, rolled back on any exception.

    Objects stay readable after the commit (``expire_on_commit=False``). With `read_only` on SQLite
    the transaction starts with a plain deferred ``BEGIN``: it reads a consistent snapshot without
    taking the write lock, so long dashboard reads never hold up annotators' answers. Never write
    in a read-only scope (a write there could fail with "database is locked").
    """
    bind = _reader(engine) if read_only else engine
    with Session(bind, expire_on_commit=False) as session, session.begin():
        yield session


def migrations_config(engine: Engine) -> Any:
    """An Alembic `Config` for the packaged migrations, bound to `engine`'s URL."""
    # lazy: alembic (~0.2 s) only for migrations, not on every engine use
    from alembic.config import Config

    folder = Path(__file__).with_name("migrations")
    config = Config(str(folder / "alembic.ini"))
    config.set_main_option("script_location", str(folder))
    config.set_main_option(
        "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
    )
    return config


_migrating = threading.Lock()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the Alembic migrations up to `revision` (creating the database on first use)."""
    # lazy: alembic, as in migrations_config
    from alembic import command

    config = migrations_config(engine)
    with _migrating, engine.connect() as connection:  # Alembic's context is process-global: one at a time
        postgres = connection.dialect.name == "postgresql"
        if postgres:  # several app processes starting at once migrate one after the other
            connection.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK})")
            connection.commit()
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # a batch migration rebuilds a table (drop, copy): referenced rows must not block it
            connection.commit()  # the pragma is ignored inside a transaction: run it on the raw connection
            _sqlite_pragma(connection, "PRAGMA foreign_keys=OFF")
        try:
            config.attributes["connection"] = connection
            if sqlite:
                # Alembic gives SQLite one transaction per migration, so another process could read the
                # version between two of them and run the same migration again. One transaction, begun
                # here with BEGIN IMMEDIATE, holds the write lock from reading the version to the commit:
                # a second process waits (busy timeout), then finds the head and has nothing to do.
                connection.begin()
            command.upgrade(config, revision)
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(
                        f"the migration left rows whose foreign keys point nowhere: {broken[:5]}"
                    )
            connection.commit()
        finally:
            if sqlite:
                connection.rollback()
                _sqlite_pragma(connection, "PRAGMA foreign_keys=ON")
            if postgres:
                connection.rollback()
                connection.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK})")
                connection.commit()


def _sqlite_pragma(connection: Connection, pragma: str) -> None:
    """Run a pragma on the driver's connection itself (outside SQLAlchemy's transaction)."""
    driver = connection.connection.driver_connection
    if driver is None:
        raise RuntimeError("the SQLite connection is closed")
    driver.execute(pragma)


def head_revision() -> str:
    """The newest packaged migration (the revision `upgrade` brings a database to)."""
    # lazy: alembic, as in migrations_config
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(Path(__file__).with_name("migrations"))).get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        raise RuntimeError("no packaged migration found")
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration revision the database is at, or None when it was never migrated."""
    # lazy: alembic, as in migrations_config
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
