"""market data: candles, alerts, notifications, halts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

import brokerage.adapters.db.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = brokerage.adapters.db.types.UtcDateTime(timezone=True)


def _decimal() -> sa.types.TypeEngine:
    return brokerage.adapters.db.types.ExactDecimal(length=64)


def upgrade() -> None:
    op.create_table(
        "candles",
        sa.Column("symbol", sa.String(length=16), nullable=False),
        sa.Column("timeframe", sa.String(length=4), nullable=False),
        sa.Column("start_at", TS, nullable=False),
        sa.Column("end_at", TS, nullable=False),
        sa.Column("open", _decimal(), nullable=False),
        sa.Column("high", _decimal(), nullable=False),
        sa.Column("low", _decimal(), nullable=False),
        sa.Column("close", _decimal(), nullable=False),
        sa.Column("volume", _decimal(), nullable=False),
        sa.Column("trades", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=160), nullable=False),
        sa.PrimaryKeyConstraint("symbol", "timeframe", "start_at"),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("user_id", sa.String(length=80), nullable=False),
        sa.Column("symbol", sa.String(length=16), nullable=False),
        sa.Column("direction", sa.String(length=5), nullable=False),
        sa.Column("price", _decimal(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("triggered_at", TS, nullable=True),
        sa.Column("triggered_price", _decimal(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_user_id"), ["user_id"], unique=False)
    op.create_table(
        "notifications",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("user_id", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index("ix_notifications_user_created", ["user_id", "created_at"],
                              unique=False)


def downgrade() -> None:
    op.drop_table("notifications")
    op.drop_table("alerts")
    op.drop_table("candles")
