"""who boosted what: remote_boosts

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "remote_boosts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("announce_uri", sa.String(length=2048), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("object_uri", sa.String(length=2048), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["remote_actors.id"],
            name=op.f("fk_remote_boosts_actor_id_remote_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remote_boosts")),
        sa.UniqueConstraint("announce_uri", name=op.f("uq_remote_boosts_announce_uri")),
    )
    op.create_index(op.f("ix_remote_boosts_actor_id"), "remote_boosts", ["actor_id"])
    op.create_index(op.f("ix_remote_boosts_object_uri"), "remote_boosts", ["object_uri"])


def downgrade() -> None:
    op.drop_index(op.f("ix_remote_boosts_object_uri"), table_name="remote_boosts")
    op.drop_index(op.f("ix_remote_boosts_actor_id"), table_name="remote_boosts")
    op.drop_table("remote_boosts")
