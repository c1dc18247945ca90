"""order classes: bracket / OCO / OTO link groups

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

import brokerage.adapters.db.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "order_links",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("account_id", sa.String(length=80), nullable=False),
        sa.Column("parent_id", sa.String(length=80), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("doc", sa.Text(), nullable=False),
        sa.Column(
            "updated_at", brokerage.adapters.db.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_order_links_parent", "order_links", ["parent_id"], unique=False)
    op.create_index("ix_order_links_phase", "order_links", ["phase"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_order_links_phase", table_name="order_links")
    op.drop_index("ix_order_links_parent", table_name="order_links")
    op.drop_table("order_links")
