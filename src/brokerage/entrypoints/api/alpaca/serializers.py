"""Alpaca Trading API v2 shapes: money and quantities as strings, ids as UUIDs, times in RFC 3339.

Every function takes what the read models return and gives the JSON alpaca-py validates.
"""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from brokerage.domain.money import cents
from brokerage.read_models.alpaca import asset_id

PRICE_QUANTUM = Decimal("0.0001")
RATIO_QUANTUM = Decimal("0.000001")
# Alpaca's position_intent, from our side (no short selling: a sell always closes).
POSITION_INTENT = {"buy": "buy_to_open", "sell": "sell_to_close"}


def rfc3339(value: str | datetime | None) -> str | None:
    """Format a stored ISO time as Alpaca does: UTC with a Z."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _plain(value: Decimal) -> str:
    """Print a decimal without exponent (Alpaca clients parse with float())."""
    return format(value.normalize(), "f")


def order(doc: dict[str, Any], legs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Shape a stored order document (`Order.to_dict`) as an Alpaca order."""
    avg = doc.get("filled_avg_price")
    return {
        "id": doc["id"], "client_order_id": doc["client_order_id"],
        "created_at": rfc3339(doc["created_at"]), "updated_at": rfc3339(doc["updated_at"]),
        "submitted_at": rfc3339(doc.get("submitted_at") or doc["created_at"]),
        "filled_at": rfc3339(doc.get("filled_at")), "expired_at": rfc3339(doc.get("expired_at")),
        "canceled_at": rfc3339(doc.get("canceled_at")), "failed_at": rfc3339(doc.get("failed_at")),
        "replaced_at": rfc3339(doc.get("replaced_at")), "replaced_by": doc.get("replaced_by"),
        "replaces": doc.get("replaces"), "expires_at": None,
        "asset_id": asset_id(doc["symbol"]), "symbol": doc["symbol"], "asset_class": "us_equity",
        "notional": _num(doc.get("notional")), "qty": _num(doc.get("quantity")),
        "filled_qty": _num(doc.get("filled_quantity")) or "0",
        "filled_avg_price": None if avg is None else _plain(Decimal(avg).quantize(PRICE_QUANTUM)),
        "order_class": doc.get("order_class") or "simple",
        "order_type": doc["order_type"], "type": doc["order_type"], "side": doc["side"],
        "position_intent": POSITION_INTENT[doc["side"]],
        "time_in_force": doc["time_in_force"],
        "limit_price": _num(doc.get("limit_price")), "stop_price": _num(doc.get("stop_price")),
        "status": doc["status"], "extended_hours": bool(doc.get("extended_hours")),
        "legs": legs, "trail_percent": _num(doc.get("trail_percent")),
        "trail_price": _num(doc.get("trail_price")), "hwm": _num(doc.get("high_water_mark")),
        "subtag": None, "source": None,
    }


def _num(value: object) -> str | None:
    return None if value is None else _plain(Decimal(str(value)))


def money(value: Decimal) -> str:
    return str(cents(value))


def asset(instrument: Any) -> dict[str, Any]:
    """Shape an instrument as an Alpaca asset."""
    return {
        "id": asset_id(instrument.symbol), "class": "us_equity",
        "exchange": instrument.exchange, "symbol": instrument.symbol, "name": instrument.name,
        "status": "active", "tradable": instrument.tradable, "marginable": False,
        "maintenance_margin_requirement": 100, "margin_requirement_long": "100",
        "margin_requirement_short": "100", "shortable": False, "easy_to_borrow": False,
        "fractionable": instrument.fractionable,
        "min_order_size": "0.000000001" if instrument.fractionable else "1",
        "min_trade_increment": "0.000000001" if instrument.fractionable else "1",
        "price_increment": "0.01", "attributes": ["fractional_eh_enabled"]
        if instrument.fractionable else [],
    }


def _ratio(part: Decimal, whole: Decimal) -> str:
    return _plain((part / whole).quantize(RATIO_QUANTUM)) if whole else "0"


def position(view: Any) -> dict[str, Any]:
    """Shape a read_models.alpaca.PositionView as an Alpaca position (long only)."""
    market_value = view.market_value
    unrealized = market_value - view.cost_basis
    intraday = view.qty * (view.current_price - view.lastday_price)
    return {
        "asset_id": asset_id(view.symbol), "symbol": view.symbol, "exchange": view.exchange,
        "asset_class": "us_equity", "asset_marginable": False, "qty": _plain(view.qty),
        "qty_available": _plain(view.qty_available),
        "avg_entry_price": _plain(view.avg_entry_price.quantize(PRICE_QUANTUM)),
        "side": "long", "market_value": money(market_value),
        "cost_basis": money(view.cost_basis), "unrealized_pl": money(unrealized),
        "unrealized_plpc": _ratio(unrealized, view.cost_basis),
        "unrealized_intraday_pl": money(intraday),
        "unrealized_intraday_plpc": _ratio(intraday, view.qty * view.lastday_price),
        "current_price": _plain(view.current_price), "lastday_price": _plain(view.lastday_price),
        "change_today": _ratio(view.current_price - view.lastday_price, view.lastday_price),
    }


ACCOUNT_STATUS = {"active": "ACTIVE", "restricted": "ACTIVE", "closed": "ACCOUNT_CLOSED"}


def account(view: dict[str, Any], last_equity: Decimal) -> dict[str, Any]:
    """Shape read_models.alpaca.account as Alpaca's trade account (a cash account: 1x)."""
    zero = "0"
    equity = money(view["equity"])
    return {
        "id": view["id"], "account_number": view["account_number"],
        "status": ACCOUNT_STATUS.get(view["status"], "INACTIVE"), "crypto_status": None,
        "currency": "USD", "buying_power": view["buying_power"],
        "regt_buying_power": view["buying_power"],
        "non_marginable_buying_power": view["buying_power"], "options_buying_power": zero,
        "cash": money(view["cash_total"]), "accrued_fees": zero,
        "pending_transfer_in": money(view["pending_in"]), "pending_transfer_out": zero,
        "portfolio_value": equity, "equity": equity, "last_equity": money(last_equity),
        "long_market_value": money(view["long_market_value"]), "short_market_value": zero,
        "initial_margin": zero, "maintenance_margin": zero, "last_maintenance_margin": zero,
        "sma": zero, "multiplier": "1", "shorting_enabled": False,
        "pattern_day_trader": False, "daytrade_count": 0,
        "trading_blocked": view["status"] == "closed", "transfers_blocked": False,
        "account_blocked": view["status"] == "closed",
        "trade_suspended_by_user": False, "created_at": rfc3339(view["created_at"]),
        "options_approved_level": 0, "options_trading_level": 0,
    }


def activity(item: dict[str, Any]) -> dict[str, Any]:
    """Shape a FILL or cash activity: numbers as strings, times in RFC 3339."""
    out: dict[str, Any] = {}
    for key, value in item.items():
        if isinstance(value, Decimal):
            out[key] = money(value) if key == "net_amount" else _plain(value)
        elif isinstance(value, datetime):
            out[key] = rfc3339(value)
        elif isinstance(value, date):
            out[key] = value.isoformat()
        else:
            out[key] = value
    return out


def history(h: Any) -> dict[str, Any]:
    """Shape a portfolio history; Alpaca sends these series as JSON numbers."""
    return {
        "timestamp": h.timestamps, "equity": [float(cents(v)) for v in h.equity],
        "profit_loss": [float(cents(v)) for v in h.profit_loss],
        "profit_loss_pct": [None if p is None else float(p.quantize(RATIO_QUANTUM))
                            for p in h.profit_loss_pct],
        "base_value": float(cents(h.base_value)), "timeframe": h.timeframe, "cashflow": {},
    }


def watchlist(view: dict[str, Any], instruments: Any = None) -> dict[str, Any]:
    """Shape a watchlist; with `instruments`, include its assets (as GET by id does)."""
    out = {"id": view["id"], "account_id": view["account_id"], "name": view["name"],
           "created_at": rfc3339(view["created_at"]), "updated_at": rfc3339(view["updated_at"])}
    if instruments is not None:
        out["assets"] = [asset(instruments[s]) for s in view["symbols"] if s in instruments]
    return out
