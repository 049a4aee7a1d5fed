"""Alembic migrations of the version store (run by ``hidream_studio.store.db.migrate``)."""
