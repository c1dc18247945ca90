"""Orders: place (idempotent), list, show with fills and history, cancel, replace."""

import asyncio
import hashlib
import json
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse
from sqlalchemy import insert, select
from starlette.concurrency import run_in_threadpool

from brokerage.adapters.db import tables
from brokerage.domain.ids import AccountId, ClientOrderId, OrderId, Symbol
from brokerage.domain.orders import classes
from brokerage.domain.orders.classes import OrderClass
from brokerage.domain.orders.types import OrderStatus
from brokerage.entrypoints.api.deps import PlatformDep, PrincipalDep
from brokerage.entrypoints.api.schemas import ERRORS, NewOrder, ReplaceOrder
from brokerage.read_models import queries
from brokerage.service_layer import commands as cmd
from brokerage.service_layer.errors import Refused
from brokerage.service_layer.platform import Platform

router = APIRouter(prefix="/v1/orders", tags=["orders"], responses=ERRORS)
_key_locks: dict[tuple[str, str], asyncio.Lock] = {}


def risk_status(code: str | None) -> int:
    """Map a rejection code to its HTTP status."""
    if code in ("RISK_INSUFFICIENT_BUYING_POWER", "RISK_INSUFFICIENT_SHARES",
                "RISK_KILL_SWITCH", "RISK_ACCOUNT_NOT_ACTIVE"):
        return 403
    if code == "RISK_RATE_LIMIT":
        return 429
    return 422


class _OrjsonResponse(JSONResponse):
    """The same compact JSON as JSONResponse, serialized by orjson (the order hot path)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def order_response(order: Any) -> JSONResponse:
    view = queries.order_view(order.to_dict())
    if order.status == OrderStatus.REJECTED:
        return _OrjsonResponse({"code": order.reject_code, "message": order.reject_message,
                                "order": view}, status_code=risk_status(order.reject_code))
    return _OrjsonResponse(view, status_code=201)


@router.post("", status_code=201)
async def place_order(body: NewOrder, who: PrincipalDep, platform: PlatformDep,
                      idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
                      ) -> JSONResponse:
    """Place an order. A retry with the same Idempotency-Key returns the first answer."""
    command = cmd.PlaceOrder(
        account_id=AccountId(who.account_id), symbol=Symbol(body.symbol.upper()),
        side=body.side, order_type=body.type, time_in_force=body.time_in_force,
        quantity=body.qty, notional=body.notional, limit_price=body.limit_price,
        stop_price=body.stop_price, trail_price=body.trail_price,
        trail_percent=body.trail_percent, extended_hours=body.extended_hours,
        client_order_id=ClientOrderId(body.client_order_id) if body.client_order_id else None,
        order_class=OrderClass(body.order_class),
        take_profit=classes.take_profit(body.take_profit.limit_price)
        if body.take_profit else None,
        stop_loss=classes.stop_loss(**body.stop_loss.model_dump()) if body.stop_loss else None)
    if idempotency_key is None:
        return order_response(await platform.execute(who.account_id, command))
    digest = hashlib.sha256(body.model_dump_json().encode()).hexdigest()
    lock = _key_locks.setdefault((who.user_id, idempotency_key), asyncio.Lock())
    async with lock:
        stored = await run_in_threadpool(_stored, platform, who.user_id, idempotency_key)
        if stored is not None:
            if stored["request_digest"] != digest:
                raise Refused("IDEMPOTENCY_KEY_REUSED",
                              "this Idempotency-Key was used for a different request",
                              status=409)
            return JSONResponse(json.loads(stored["body"]), status_code=stored["status_code"])
        try:
            response = order_response(await platform.execute(who.account_id, command))
        except Refused as exc:
            response = JSONResponse({"code": exc.code, "message": exc.message},
                                    status_code=exc.status)
        await run_in_threadpool(_store, platform, who.user_id, idempotency_key, digest, response)
    _key_locks.pop((who.user_id, idempotency_key), None)
    return response


def _stored(platform: Platform, user_id: str, key: str) -> dict[str, Any] | None:
    t = tables.idempotency_keys
    with platform.store.read() as conn:
        row = conn.execute(select(t).where(t.c.user_id == user_id, t.c.key == key)).first()
    return None if row is None else dict(row._mapping)


def _store(platform: Platform, user_id: str, key: str, digest: str, response: JSONResponse) -> None:
    with platform.store.engine.begin() as conn:
        conn.execute(insert(tables.idempotency_keys).values(
            user_id=user_id, key=key, request_digest=digest, status_code=response.status_code,
            body=bytes(response.body).decode(), created_at=platform.deps.clock.now()))


@router.get("")
async def list_orders(who: PrincipalDep, platform: PlatformDep,
                      status: Annotated[str, Query(pattern="^(open|closed|all)$")] = "open",
                      limit: Annotated[int, Query(ge=1, le=500)] = 100,
                      symbols: str | None = None) -> list[dict[str, Any]]:
    wanted = [s.strip().upper() for s in symbols.split(",")] if symbols else None
    return await run_in_threadpool(queries.list_orders, platform, who.account_id, status,
                                   limit, wanted)


@router.get("/by-client-id/{client_order_id}")
async def get_by_client_id(client_order_id: str, who: PrincipalDep,
                           platform: PlatformDep) -> dict[str, Any]:
    return await run_in_threadpool(queries.get_order_by_client_id, platform, who.account_id,
                                   client_order_id)


@router.get("/{order_id}")
async def get_order(order_id: str, who: PrincipalDep, platform: PlatformDep) -> dict[str, Any]:
    """Show an order with its fills and its state history."""
    return await run_in_threadpool(queries.get_order, platform, who.account_id, order_id)


@router.get("/{order_id}/routing")
async def get_order_routing(order_id: str, who: PrincipalDep,
                            platform: PlatformDep) -> dict[str, Any]:
    """Show how the order was routed: NBBO at each decision, every venue's score, the fills."""
    from brokerage.read_models import routing

    return await run_in_threadpool(routing.order_routing, platform.store, who.account_id,
                                   order_id)


@router.delete("/{order_id}")
async def cancel_order(order_id: str, who: PrincipalDep, platform: PlatformDep) -> JSONResponse:
    """Cancel an open order (pending_cancel until the venue confirms)."""
    order = await platform.execute(who.account_id, cmd.CancelOrder(AccountId(who.account_id),
                                                                    OrderId(order_id)))
    return JSONResponse(queries.order_view(order.to_dict()), status_code=200)


@router.patch("/{order_id}")
async def replace_order(order_id: str, body: ReplaceOrder, who: PrincipalDep,
                        platform: PlatformDep) -> JSONResponse:
    """Replace an open order's quantity, limit price or time in force (a new order version)."""
    order = await platform.execute(who.account_id, cmd.ReplaceOrder(
        AccountId(who.account_id), OrderId(order_id), quantity=body.qty,
        limit_price=body.limit_price, time_in_force=body.time_in_force,
        client_order_id=ClientOrderId(body.client_order_id) if body.client_order_id else None))
    return JSONResponse(queries.order_view(order.to_dict()), status_code=200)
