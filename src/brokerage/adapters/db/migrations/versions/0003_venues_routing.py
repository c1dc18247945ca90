"""venues: routing decisions, venue sessions, drop copies

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

import brokerage.adapters.db.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # --- routing_decisions (smart order router) ---
    op.create_table(
        "routing_decisions",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("order_id", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ts", brokerage.adapters.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("symbol", sa.String(length=16), nullable=False),
        sa.Column("side", sa.String(length=4), nullable=False),
        sa.Column("order_type", sa.String(length=16), nullable=False),
        sa.Column("quantity", brokerage.adapters.db.types.ExactDecimal(length=64), nullable=False),
        sa.Column("limit_price", brokerage.adapters.db.types.ExactDecimal(length=64), nullable=True),
        sa.Column("nbbo_bid", brokerage.adapters.db.types.ExactDecimal(length=64), nullable=True),
        sa.Column("nbbo_bid_size", brokerage.adapters.db.types.ExactDecimal(length=64), nullable=False),
        sa.Column("nbbo_ask", brokerage.adapters.db.types.ExactDecimal(length=64), nullable=True),
        sa.Column("nbbo_ask_size", brokerage.adapters.db.types.ExactDecimal(length=64), nullable=False),
        sa.Column("venue", sa.String(length=20), nullable=True),
        sa.Column("outcome", sa.String(length=80), nullable=False),
        sa.Column("candidates", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("id"),
    )
    op.create_index("ix_routing_decisions_order", "routing_decisions", ["order_id"], unique=False)
    op.create_index("ix_routing_decisions_ts", "routing_decisions", ["ts"], unique=False)
    # --- end routing_decisions ---
    # --- venue_drop_copies (FIX drop copies) ---
    op.create_table(
        "venue_drop_copies",
        sa.Column("venue", sa.String(length=20), nullable=False),
        sa.Column("exec_id", sa.String(length=80), nullable=False),
        sa.Column("participant", sa.String(length=80), nullable=False),
        sa.Column("cl_ord_id", sa.String(length=80), nullable=False),
        sa.Column("orig_cl_ord_id", sa.String(length=80), nullable=True),
        sa.Column("venue_order_id", sa.String(length=80), nullable=False),
        sa.Column("symbol", sa.String(length=16), nullable=False),
        sa.Column("side", sa.String(length=4), nullable=False),
        sa.Column("exec_type", sa.String(length=2), nullable=False),
        sa.Column("ord_status", sa.String(length=2), nullable=False),
        sa.Column("last_qty", brokerage.adapters.db.types.ExactDecimal(length=64), nullable=False),
        sa.Column("last_px", brokerage.adapters.db.types.ExactDecimal(length=64), nullable=False),
        sa.Column("cum_qty", brokerage.adapters.db.types.ExactDecimal(length=64), nullable=False),
        sa.Column("leaves_qty", brokerage.adapters.db.types.ExactDecimal(length=64), nullable=False),
        sa.Column("avg_px", brokerage.adapters.db.types.ExactDecimal(length=64), nullable=False),
        sa.Column("rebate", brokerage.adapters.db.types.ExactDecimal(length=64), nullable=False),
        sa.Column("liquidity", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("ts", brokerage.adapters.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("received_at", brokerage.adapters.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("venue", "exec_id"),
    )
    op.create_index("ix_venue_drop_copies_venue_ts", "venue_drop_copies", ["venue", "ts"], unique=False)
    # --- end venue_drop_copies ---


def downgrade() -> None:
    op.drop_index("ix_routing_decisions_ts", table_name="routing_decisions")  # routing_decisions
    op.drop_index("ix_routing_decisions_order", table_name="routing_decisions")  # routing_decisions
    op.drop_table("routing_decisions")  # routing_decisions
    op.drop_index("ix_venue_drop_copies_venue_ts", table_name="venue_drop_copies")  # venue_drop_copies
    op.drop_table("venue_drop_copies")  # venue_drop_copies
