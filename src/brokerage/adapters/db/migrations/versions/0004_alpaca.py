"""alpaca-compatible surface: watchlists, order classes, stream sequence

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

import brokerage.adapters.db.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watchlists",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("account_id", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("symbols", sa.Text(), nullable=False),
        sa.Column(
            "created_at", brokerage.adapters.db.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", brokerage.adapters.db.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "name", name="uq_watchlists_account_name"),
    )
    op.create_index("ix_watchlists_account", "watchlists", ["account_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_watchlists_account", table_name="watchlists")
    op.drop_table("watchlists")
