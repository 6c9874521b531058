"""Storage on SQLAlchemy 2: tables, engine settings for SQLite and PostgreSQL, repository, migrations.

Modules: `tables`, `engine` (``make_engine``, ``session_scope``), `repository` (session in, plain objects out).
"""
