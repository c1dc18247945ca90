"""The schema of the system of record (SQLAlchemy Core). Migrations create it; see migrations/."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from brokerage.adapters.db.types import ExactDecimal, UtcDateTime

metadata = MetaData()

TS = UtcDateTime()

users = Table(
    "users",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("created_at", TS, nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_digest", String(80), primary_key=True),
    Column("user_id", String(80), nullable=False, index=True),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", String(80), primary_key=True),
    Column("secret_digest", String(64), nullable=False),
    Column("user_id", String(80), nullable=False, index=True),
    Column("label", String(100), nullable=False, default=""),
    Column("created_at", TS, nullable=False),
    Column("revoked_at", TS),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("user_id", String(80), nullable=False, index=True),
    Column("account_number", String(20), nullable=False, unique=True),
    Column("account_type", String(10), nullable=False),
    Column("status", String(12), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
)

ledger_transfers = Table(
    "ledger_transfers",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("id", String(80), nullable=False, unique=True),
    Column("kind", String(14), nullable=False),
    Column("debit", String(80), nullable=False),
    Column("credit", String(80), nullable=False),
    Column("asset", String(16), nullable=False),
    Column("amount", ExactDecimal(), nullable=False),
    Column("pending_id", String(80)),
    Column("ref", String(80), nullable=False, default=""),
    Column("memo", String(200), nullable=False, default=""),
    Column("account_id", String(80), index=True),  # the customer account it concerns
    Column("ts", TS, nullable=False),
)

orders = Table(
    "orders",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("account_id", String(80), nullable=False),
    Column("client_order_id", String(128), nullable=False),
    Column("symbol", String(16), nullable=False),
    Column("side", String(4), nullable=False),
    Column("order_type", String(16), nullable=False),
    Column("time_in_force", String(4), nullable=False),
    Column("quantity", ExactDecimal()),
    Column("notional", ExactDecimal()),
    Column("limit_price", ExactDecimal()),
    Column("stop_price", ExactDecimal()),
    Column("trail_price", ExactDecimal()),
    Column("trail_percent", ExactDecimal()),
    Column("high_water_mark", ExactDecimal()),
    Column("extended_hours", Boolean, nullable=False),
    Column("status", String(20), nullable=False),
    Column("filled_quantity", ExactDecimal(), nullable=False),
    Column("filled_notional", ExactDecimal(), nullable=False),
    Column("reject_code", String(48)),
    Column("reject_message", Text),
    Column("replaces", String(80)),
    Column("replaced_by", String(80)),
    Column("venue", String(20)),
    Column("venue_order_id", String(64)),
    Column("hold_id", String(80)),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("doc", Text, nullable=False),  # the full order as JSON (the projection of its events)
    # How many earlier orders used this client_order_id (0008): reuse after a terminal state.
    Column("client_order_seq", Integer, nullable=False, server_default="0"),
    UniqueConstraint("account_id", "client_order_id", "client_order_seq",
                     name="uq_orders_account_client_order_seq"),
    Index("ix_orders_account_created", "account_id", "created_at"),
    Index("ix_orders_status", "status"),
)

order_events = Table(
    "order_events",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("event_id", String(80), nullable=False, unique=True),
    Column("order_id", String(80), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("status", String(20), nullable=False),  # the order's status after the event
    Column("ts", TS, nullable=False),
    Column("payload", Text, nullable=False),
)

fills = Table(
    "fills",
    metadata,
    Column("venue", String(20), primary_key=True),
    Column("exec_id", String(80), primary_key=True),
    Column("order_id", String(80), nullable=False, index=True),
    Column("account_id", String(80), nullable=False, index=True),
    Column("symbol", String(16), nullable=False),
    Column("side", String(4), nullable=False),
    Column("quantity", ExactDecimal(), nullable=False),
    Column("price", ExactDecimal(), nullable=False),
    Column("liquidity", String(10), nullable=False, default=""),
    Column("ts", TS, nullable=False),
)

tax_lots = Table(
    "tax_lots",
    metadata,
    Column("lot_id", String(80), primary_key=True),
    Column("account_id", String(80), nullable=False),
    Column("symbol", String(16), nullable=False),
    Column("quantity", ExactDecimal(), nullable=False),
    Column("original_quantity", ExactDecimal(), nullable=False),
    Column("cost_per_share", ExactDecimal(), nullable=False),
    Column("opened_at", TS, nullable=False),
    Column("order_id", String(80), nullable=False),
    Index("ix_tax_lots_account_symbol", "account_id", "symbol"),
)

lot_closures = Table(
    "lot_closures",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("account_id", String(80), nullable=False, index=True),
    Column("symbol", String(16), nullable=False),
    Column("lot_id", String(80), nullable=False),
    Column("order_id", String(80), nullable=False),
    Column("quantity", ExactDecimal(), nullable=False),
    Column("cost_basis", ExactDecimal(), nullable=False),
    Column("proceeds", ExactDecimal(), nullable=False),
    Column("realized_pnl", ExactDecimal(), nullable=False),
    Column("opened_at", TS, nullable=False),
    Column("closed_at", TS, nullable=False),
    Column("long_term", Boolean, nullable=False),
)

cash_transfers = Table(
    "cash_transfers",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("account_id", String(80), nullable=False, index=True),
    Column("direction", String(10), nullable=False),  # deposit | withdrawal
    Column("amount", ExactDecimal(), nullable=False),
    Column("instant_amount", ExactDecimal(), nullable=False),
    Column("status", String(12), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("settles_on", Date, nullable=False),
    Column("settled_at", TS),
    Column("updated_at", TS, nullable=False),
)

trade_settlements = Table(
    "trade_settlements",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("account_id", String(80), nullable=False, index=True),
    Column("order_id", String(80), nullable=False),
    Column("exec_id", String(80), nullable=False),
    Column("side", String(4), nullable=False),
    Column("amount", ExactDecimal(), nullable=False),  # cash, signed: + proceeds, - cost
    Column("trade_date", Date, nullable=False),
    Column("settles_on", Date, nullable=False),
    Column("status", String(10), nullable=False),  # pending | settled
    Column("settled_at", TS),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=False),
    Column("event_id", String(80), nullable=False, unique=True),
    Column("ts", TS, nullable=False),
    Column("kind", String(80), nullable=False),
    Column("entity_id", String(80), nullable=False),
    Column("account_id", String(80)),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("user_id", String(80), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("request_digest", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", TS, nullable=False),
)

kill_switches = Table(
    "kill_switches",
    metadata,
    Column("scope", String(10), primary_key=True),  # global | account | symbol
    Column("target", String(80), primary_key=True),  # "*" for global
    Column("reason", String(200), nullable=False),
    Column("tripped_at", TS, nullable=False),
)

# --- Alpaca-compatible surface (issue 5) -------------------------------------------------------

watchlists = Table(
    "watchlists",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("account_id", String(80), nullable=False),
    Column("name", String(64), nullable=False),
    Column("symbols", Text, nullable=False),  # a JSON array of symbols, in the customer's order
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    UniqueConstraint("account_id", "name", name="uq_watchlists_account_name"),
    Index("ix_watchlists_account", "account_id"),
)

# --- Smart order routing (issue 3) -------------------------------------------------------------

routing_decisions = Table(
    "routing_decisions",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("id", String(80), nullable=False, unique=True),
    Column("order_id", String(80), nullable=False),  # the ClOrdID routed (an order version)
    Column("kind", String(16), nullable=False),  # new | failover | drain | replace
    Column("ts", TS, nullable=False),
    Column("symbol", String(16), nullable=False),
    Column("side", String(4), nullable=False),
    Column("order_type", String(16), nullable=False),
    Column("quantity", ExactDecimal(), nullable=False),
    Column("limit_price", ExactDecimal()),
    Column("nbbo_bid", ExactDecimal()),  # the NBBO snapshot at the decision
    Column("nbbo_bid_size", ExactDecimal(), nullable=False),
    Column("nbbo_ask", ExactDecimal()),
    Column("nbbo_ask_size", ExactDecimal(), nullable=False),
    Column("venue", String(20)),  # the chosen venue; null when parked or rejected
    Column("outcome", String(80), nullable=False),  # routed | parked | rejected | replaces <id>
    Column("candidates", Text, nullable=False),  # JSON: every candidate's score, best first
    Index("ix_routing_decisions_order", "order_id"),
    Index("ix_routing_decisions_ts", "ts"),
)

# --- market data (issue 4): finalized candles, price alerts, notifications --------------------

candles = Table(
    "candles",
    metadata,
    Column("symbol", String(16), primary_key=True),
    Column("timeframe", String(4), primary_key=True),  # 1m 5m 15m 1h 1d 1w
    Column("start_at", TS, primary_key=True),
    Column("end_at", TS, nullable=False),
    Column("open", ExactDecimal(), nullable=False),
    Column("high", ExactDecimal(), nullable=False),
    Column("low", ExactDecimal(), nullable=False),
    Column("close", ExactDecimal(), nullable=False),
    Column("volume", ExactDecimal(), nullable=False),
    Column("trades", Integer, nullable=False),
    Column("source", String(160), nullable=False),  # "live" or "backfill <series> <date>"
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("user_id", String(80), nullable=False, index=True),
    Column("symbol", String(16), nullable=False),
    Column("direction", String(5), nullable=False),  # above | below
    Column("price", ExactDecimal(), nullable=False),
    Column("status", String(10), nullable=False),  # active | triggered | canceled
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("triggered_at", TS),
    Column("triggered_price", ExactDecimal()),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("user_id", String(80), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("data", Text, nullable=False),  # JSON
    Column("created_at", TS, nullable=False),
    # What the notice is about, once: "fill:<venue>:<exec id>", "expired:<order id>" (0007).
    Column("dedup_key", String(200)),
    Index("ix_notifications_user_created", "user_id", "created_at"),
    Index("uq_notifications_dedup_key", "dedup_key", unique=True),
)

# How far a read model has caught up with a log it follows (order notices: order_events.seq).
read_model_cursors = Table(
    "read_model_cursors",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("updated_at", TS, nullable=False),
)

# --- FIX drop copies (issue 3): each venue's copy of its executions, for reconciliation --------

venue_drop_copies = Table(
    "venue_drop_copies",
    metadata,
    Column("venue", String(20), primary_key=True),
    Column("exec_id", String(80), primary_key=True),
    Column("participant", String(80), nullable=False),  # CompID of the session it belongs to
    Column("cl_ord_id", String(80), nullable=False),
    Column("orig_cl_ord_id", String(80)),
    Column("venue_order_id", String(80), nullable=False),
    Column("symbol", String(16), nullable=False),
    Column("side", String(4), nullable=False),
    Column("exec_type", String(2), nullable=False),  # FIX 150
    Column("ord_status", String(2), nullable=False),  # FIX 39
    Column("last_qty", ExactDecimal(), nullable=False),
    Column("last_px", ExactDecimal(), nullable=False),
    Column("cum_qty", ExactDecimal(), nullable=False),
    Column("leaves_qty", ExactDecimal(), nullable=False),
    Column("avg_px", ExactDecimal(), nullable=False),
    Column("rebate", ExactDecimal(), nullable=False),
    Column("liquidity", String(10), nullable=False),  # added | removed | auction | ""
    Column("text", Text, nullable=False),
    Column("ts", TS, nullable=False),  # the venue's TransactTime
    Column("received_at", TS, nullable=False),
    Index("ix_venue_drop_copies_venue_ts", "venue", "ts"),
)

# --- Order classes (issue 5): bracket / OCO / OTO link groups -----------------------------------

order_links = Table(
    "order_links",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("account_id", String(80), nullable=False),
    Column("parent_id", String(80), nullable=False),  # the entry, or an OCO's limit leg
    Column("phase", String(16), nullable=False),  # held | active | stop_fired | done
    Column("doc", Text, nullable=False),  # LinkGroup.to_dict() as JSON
    Column("updated_at", TS, nullable=False),
    Column("limit_leg", String(80)),  # the legs' ids (0008), to tell legs apart in SQL
    Column("stop_leg", String(80)),
    Index("ix_order_links_parent", "parent_id"),
    Index("ix_order_links_phase", "phase"),
    Index("ix_order_links_account", "account_id"),
)

# Alpaca's /v2/account/configurations that the account may change (0008).
account_configurations = Table(
    "account_configurations",
    metadata,
    Column("account_id", String(80), primary_key=True),
    Column("reuse_client_order_ids", Boolean, nullable=False, server_default=false()),
    Column("updated_at", TS, nullable=False),
)
