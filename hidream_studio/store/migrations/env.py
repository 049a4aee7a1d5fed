"""Alembic environment: always runs on a connection handed over by the store.

There is no alembic.ini: ``hidream_studio.store.db.alembic_config`` builds the Config in code and
puts an open connection (already inside a write transaction) in ``config.attributes``, so the
migrations work from an installed package whatever the current directory is.
"""

from alembic import context

from hidream_studio.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable by running the alembic CLI by hand
    raise RuntimeError("run migrations through hidream_studio.store (Store.open), not the alembic CLI")

# render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds tables when a later
# migration needs it, and is a no-op wrapper on PostgreSQL.
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
