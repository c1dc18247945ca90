"""alpaca: reusable client order ids (opt-in), account configurations, order link legs

A client_order_id may be used again once its previous order is terminal, if the account opts
in: uniqueness moves from (account, client_order_id) to (account, client_order_id,
client_order_seq), where client_order_seq counts the earlier uses (0 for the first). The OMS
only ever writes seq n+1 after seq n is terminal, and the database still refuses two rows with
the same use number. order_links gains its legs' ids, so the legs can be told apart from
simple orders in SQL (GET /v2/orders?nested=true).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

import json

import sqlalchemy as sa
from alembic import op

import brokerage.adapters.db.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_configurations",
        sa.Column("account_id", sa.String(length=80), nullable=False),
        sa.Column("reuse_client_order_ids", sa.Boolean(), nullable=False,
                  server_default=sa.false()),
        sa.Column(
            "updated_at", brokerage.adapters.db.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("account_id"),
    )
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("client_order_seq", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.drop_constraint("uq_orders_account_client_order_id", type_="unique")
        batch.create_unique_constraint(
            "uq_orders_account_client_order_seq",
            ["account_id", "client_order_id", "client_order_seq"])
    with op.batch_alter_table("order_links") as batch:
        batch.add_column(sa.Column("limit_leg", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("stop_leg", sa.String(length=80), nullable=True))
        batch.create_index("ix_order_links_account", ["account_id"], unique=False)
    _backfill_legs()


def _backfill_legs() -> None:
    """Copy each existing group's leg ids out of its JSON document."""
    links = sa.table("order_links", sa.column("id", sa.String), sa.column("doc", sa.Text),
                     sa.column("limit_leg", sa.String), sa.column("stop_leg", sa.String))
    conn = op.get_bind()
    for row in conn.execute(sa.select(links.c.id, links.c.doc)).fetchall():
        doc = json.loads(row.doc)
        conn.execute(links.update().where(links.c.id == row.id).values(
            limit_leg=doc.get("limit_leg"), stop_leg=doc.get("stop_leg")))


def downgrade() -> None:
    """Go back to one order per client id: refused while an id has been reused."""
    conn = op.get_bind()
    reused = conn.execute(sa.text("SELECT COUNT(*) FROM orders WHERE client_order_seq > 0"))
    if reused.scalar():
        raise RuntimeError("client order ids were reused: cannot restore their uniqueness")
    with op.batch_alter_table("order_links") as batch:
        batch.drop_index("ix_order_links_account")
        batch.drop_column("stop_leg")
        batch.drop_column("limit_leg")
    with op.batch_alter_table("orders") as batch:
        batch.drop_constraint("uq_orders_account_client_order_seq", type_="unique")
        batch.create_unique_constraint("uq_orders_account_client_order_id",
                                       ["account_id", "client_order_id"])
        batch.drop_column("client_order_seq")
    op.drop_table("account_configurations")
