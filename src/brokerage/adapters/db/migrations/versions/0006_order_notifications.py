"""order notifications: a dedup key per notification, read model cursors

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

import brokerage.adapters.db.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("notifications", sa.Column("dedup_key", sa.String(length=200), nullable=True))
    op.create_index("uq_notifications_dedup_key", "notifications", ["dedup_key"], unique=True)
    op.create_table(
        "read_model_cursors",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column(
            "updated_at", brokerage.adapters.db.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("read_model_cursors")
    op.drop_index("uq_notifications_dedup_key", table_name="notifications")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("dedup_key")
