"""Alembic environment: runs on a connection handed over by the store, or offline to print SQL.

There is no alembic.ini: ``hidream_studio.store.db.alembic_config`` builds the Config in code and
puts an open connection (already inside a write transaction) in ``config.attributes``, so the
migrations work from an installed package whatever the current directory is.
``db.migration_sql(dialect)`` runs them offline instead, to show the DDL for another backend.
"""

from alembic import context

from hidream_studio.store.schema import metadata

config = context.config
if context.is_offline_mode():
    context.configure(
        dialect_name=config.attributes.get("dialect_name", "postgresql"),
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=True,
    )
else:
    connection = config.attributes.get("connection")
    if connection is None:  # pragma: no cover - only reachable by running the alembic CLI by hand
        raise RuntimeError("run migrations through hidream_studio.store (Store.open), not the alembic CLI")
    # render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds tables when a later
    # migration needs it, and is a plain ALTER on PostgreSQL.
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
