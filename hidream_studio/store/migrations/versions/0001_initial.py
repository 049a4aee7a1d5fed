"""The first schema: sessions, versions (the tree), messages (the transcript).

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False, server_default=""),
        sa.Column("owner", sa.String(200), nullable=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.Column("head", sa.Integer, nullable=True),
        sa.Column("last_number", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_turn", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id", name="pk_sessions"),
    )
    op.create_index("ix_sessions_owner", "sessions", ["owner"])

    op.create_table(
        "versions",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("session_id", sa.String(64), nullable=False),
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
        sa.Column("image_sha256", sa.String(64), nullable=False),
        sa.Column("elapsed_s", sa.Float, nullable=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_versions"),
        sa.UniqueConstraint("session_id", "number", name="uq_versions_session_id_number"),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name="fk_versions_session_id_sessions", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["session_id", "parent"],
            ["versions.session_id", "versions.number"],
            name="fk_versions_session_id_parent_versions",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_versions_image_sha256", "versions", ["image_sha256"])
    op.create_index("ix_versions_session_id_parent", "versions", ["session_id", "parent"])

    op.create_table(
        "messages",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("turn", sa.Integer, nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("text", sa.Text, nullable=False, server_default=""),
        sa.Column("version", sa.Integer, nullable=True),
        sa.Column("decision", sa.JSON, nullable=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_messages"),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name="fk_messages_session_id_sessions", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["session_id", "version"],
            ["versions.session_id", "versions.number"],
            name="fk_messages_session_id_version_versions",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_messages_session_id_id", "messages", ["session_id", "id"])


def downgrade() -> None:
    op.drop_table("messages")
    op.drop_table("versions")
    op.drop_table("sessions")
