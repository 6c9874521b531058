"""Storage on SQLAlchemy 2: tables, engine settings for SQLite and PostgreSQL, repository, migrations."""
