"""The store's tables (SQLAlchemy Core), the single source the migrations are checked against.

Three tables, all scoped by session:

- ``sessions``: an unguessable id, title, optional owner, the head pointer (a version number)
  and two counters (``last_number``, ``last_turn``) that writers bump first in every write
  transaction. Bumping the session row is what serialises writers of one session on every
  backend (a row lock on PostgreSQL, the database write lock on SQLite).
- ``versions``: one node of the tree per row, addressed by (session_id, number); the parent is a
  composite foreign key into the same session, so a parent can never belong to another session.
  ``redo_child`` remembers the child most recently visited, which is where redo goes.
- ``messages``: the transcript; ``turn`` groups the messages written by one call.

Times are ISO 8601 UTC text (see ``Timestamp``).
"""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa

# Stable constraint names, so later migrations (batch mode on SQLite) can refer to them.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = sa.MetaData(naming_convention=NAMING)


# Times are ISO 8601 text in UTC with a fixed shape ("2026-11-27T15:41:43.123456+00:00"): they sort
# chronologically as strings on every backend, and are exactly what the domain dataclasses carry,
# so loading a 10,000-version tree parses no dates.
Timestamp = sa.String(32)


def utcnow() -> str:
    """Now, as the store writes times."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("title", sa.String(200), nullable=False, server_default=""),
    sa.Column("owner", sa.String(200), nullable=True, index=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
    sa.Column("head", sa.Integer, nullable=True),
    sa.Column("last_number", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_turn", sa.Integer, nullable=False, server_default="0"),
)

versions = sa.Table(
    "versions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("session_id", sa.String(64), sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("parent", sa.Integer, nullable=True),
    sa.Column("redo_child", sa.Integer, nullable=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("prompt", sa.Text, nullable=False, server_default=""),
    sa.Column("prompt_sent", sa.Text, nullable=False, server_default=""),
    sa.Column("negative_prompt", sa.Text, nullable=True),
    sa.Column("model_id", sa.String(300), nullable=True),
    sa.Column("model_revision", sa.String(100), nullable=True),
    sa.Column("seed", sa.BigInteger, nullable=True),
    sa.Column("steps", sa.Integer, nullable=True),
    sa.Column("guidance", sa.Float, nullable=True),
    sa.Column("image_guidance", sa.Float, nullable=True),
    sa.Column("width", sa.Integer, nullable=True),
    sa.Column("height", sa.Integer, nullable=True),
    sa.Column("image_sha256", sa.String(64), nullable=False, index=True),
    sa.Column("elapsed_s", sa.Float, nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("region", sa.JSON, nullable=True),  # a region edit's box, feather and mask (region.py)
    sa.UniqueConstraint("session_id", "number"),
    sa.ForeignKeyConstraint(
        ["session_id", "parent"], ["versions.session_id", "versions.number"], ondelete="CASCADE"
    ),
    sa.Index("ix_versions_session_id_parent", "session_id", "parent"),
)

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("session_id", sa.String(64), sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    sa.Column("turn", sa.Integer, nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("text", sa.Text, nullable=False, server_default=""),
    sa.Column("version", sa.Integer, nullable=True),
    sa.Column("decision", sa.JSON, nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.ForeignKeyConstraint(
        ["session_id", "version"], ["versions.session_id", "versions.number"], ondelete="CASCADE"
    ),
    sa.Index("ix_messages_session_id_id", "session_id", "id"),
)
