"""Alpaca /v2/orders: place, list, get (by id or client order id), cancel, cancel all, replace."""

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from brokerage.domain.ids import AccountId, ClientOrderId, OrderId, Symbol
from brokerage.domain.orders import classes
from brokerage.domain.orders.classes import OrderClass
from brokerage.domain.orders.types import TERMINAL_STATUSES, OrderStatus
from brokerage.entrypoints.api.alpaca import serializers
from brokerage.entrypoints.api.alpaca.errors import from_refusal
from brokerage.entrypoints.api.alpaca.schemas import NewOrder, ReplaceOrder
from brokerage.entrypoints.api.deps import PlatformDep, PrincipalDep
from brokerage.entrypoints.api.routers.orders import risk_status
from brokerage.read_models import alpaca as reads
from brokerage.service_layer import commands as cmd
from brokerage.service_layer.errors import Refused
from brokerage.service_layer.identity import Principal
from brokerage.service_layer.platform import Platform

router = APIRouter(prefix="/v2", tags=["alpaca: orders"])
TERMINAL = frozenset(s.value for s in TERMINAL_STATUSES)


def order_json(order: Any) -> dict[str, Any]:
    return serializers.order(order.to_dict())


def refuse_rejected(order: Any) -> None:
    """Alpaca answers a risk or venue rejection with an error, not with the order."""
    if order.status == OrderStatus.REJECTED:
        raise Refused(order.reject_code or "REJECTED", order.reject_message or "order rejected",
                      status=risk_status(order.reject_code))


async def place(platform: Platform, who: Principal, command: cmd.PlaceOrder) -> dict[str, Any]:
    """Place through the OMS (the same command as the native API) and shape the answer."""
    order = await platform.execute(who.account_id, command)
    refuse_rejected(order)
    return order_json(order)


def place_command(who: Principal, body: NewOrder) -> cmd.PlaceOrder:
    profit, loss = body.take_profit, body.stop_loss
    return cmd.PlaceOrder(
        account_id=AccountId(who.account_id), symbol=Symbol(body.symbol.upper()),
        side=body.side, order_type=body.type, time_in_force=body.time_in_force,
        quantity=body.qty, notional=body.notional, limit_price=body.limit_price,
        stop_price=body.stop_price, trail_price=body.trail_price,
        trail_percent=body.trail_percent, extended_hours=body.extended_hours,
        client_order_id=ClientOrderId(body.client_order_id) if body.client_order_id else None,
        order_class=OrderClass(body.order_class or "simple"),
        take_profit=classes.take_profit(profit.limit_price) if profit else None,
        stop_loss=classes.stop_loss(loss.stop_price, loss.limit_price, loss.trail_price,
                                    loss.trail_percent) if loss else None)


@router.post("/orders")
async def submit_order(body: NewOrder, who: PrincipalDep, platform: PlatformDep
                       ) -> dict[str, Any]:
    """Place a simple order, or a bracket / OCO / OTO group (answered with its `legs`)."""
    if body.client_order_id and await _client_id_taken(platform, who, body.client_order_id):
        raise Refused("DUPLICATE_CLIENT_ORDER_ID", "client_order_id must be unique")
    command = place_command(who, body)
    if command.order_class is OrderClass.SIMPLE:
        return await place(platform, who, command)
    order = await platform.execute(who.account_id, command)
    refuse_rejected(order)
    return await run_in_threadpool(with_legs, platform, who.account_id, order.to_dict())


def with_legs(platform: Platform, account_id: str, doc: dict[str, Any]) -> dict[str, Any]:
    """Shape an order; a linked group's parent carries its class and its legs."""
    group = reads.link_group(platform, account_id, doc["id"])
    if group is None:
        return serializers.order(doc)
    kind = {"order_class": group["order_class"]}
    legs = [serializers.order({**leg, **kind})
            for leg in reads.leg_docs(platform, account_id, doc, group)]
    return serializers.order({**doc, **kind}, legs)


async def _client_id_taken(platform: Platform, who: Principal, client_id: str) -> bool:
    try:
        await run_in_threadpool(reads.order_by_client_id, platform, who.account_id, client_id)
    except Refused:
        return False
    return True


@router.get("/orders")
async def list_orders(
    who: PrincipalDep, platform: PlatformDep,
    status: Literal["open", "closed", "all"] = "open",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    after: datetime | None = None, until: datetime | None = None,
    direction: Literal["asc", "desc"] = "desc", nested: bool = False,
    side: Literal["buy", "sell"] | None = None,
    symbols: Annotated[str | None, Query(max_length=2000)] = None,
) -> list[dict[str, Any]]:
    wanted = reads.OrderFilter(
        status=status, limit=limit, after=after, until=until, direction=direction, side=side,
        symbols=tuple(s.strip().upper() for s in symbols.split(",") if s.strip())
        if symbols else ())
    docs = await run_in_threadpool(reads.orders, platform, who.account_id, wanted)
    return [serializers.order(d) for d in docs]


@router.get("/orders:by_client_order_id")
async def get_by_client_order_id(
    who: PrincipalDep, platform: PlatformDep,
    client_order_id: Annotated[str, Query(min_length=1, max_length=128)],
) -> dict[str, Any]:
    doc = await run_in_threadpool(reads.order_by_client_id, platform, who.account_id,
                                  client_order_id)
    return serializers.order(doc)


@router.get("/orders/{order_id}")
async def get_order(order_id: str, who: PrincipalDep, platform: PlatformDep,
                    nested: bool = False) -> dict[str, Any]:
    doc = await run_in_threadpool(reads.order, platform, who.account_id, order_id)
    return await run_in_threadpool(with_legs, platform, who.account_id, doc)


async def cancel(platform: Platform, who: Principal, order_id: str) -> None:
    """Cancel an open order (idempotent); a closed one is a 422, an unknown one a 404."""
    doc = await run_in_threadpool(reads.order, platform, who.account_id, order_id)
    if doc["status"] in TERMINAL:
        raise Refused("ORDER_NOT_CANCELABLE", f'order is already in "{doc["status"]}" state')
    if doc["status"] == OrderStatus.PENDING_CANCEL:
        return  # already asked: a retried cancel is not an error
    await platform.execute(who.account_id,
                           cmd.CancelOrder(AccountId(who.account_id), OrderId(order_id)))


@router.delete("/orders/{order_id}", status_code=204)
async def cancel_order(order_id: str, who: PrincipalDep, platform: PlatformDep) -> Response:
    """Request a cancel: 204 once it is accepted (pending_cancel until the venue confirms)."""
    await cancel(platform, who, order_id)
    return Response(status_code=204)


@router.delete("/orders")
async def cancel_all_orders(who: PrincipalDep, platform: PlatformDep) -> JSONResponse:
    """Cancel every open order; answer 207 with one status per order."""
    results = []
    for order_id in await run_in_threadpool(reads.open_order_ids, platform, who.account_id):
        try:
            await cancel(platform, who, order_id)
            doc = await run_in_threadpool(reads.order, platform, who.account_id, order_id)
            results.append({"id": order_id, "status": 200, "body": serializers.order(doc)})
        except Refused as exc:
            refusal = from_refusal(exc)
            results.append({"id": order_id, "status": refusal.status_code,
                            "body": json.loads(refusal.body)})
    return JSONResponse(results, status_code=207)


@router.patch("/orders/{order_id}")
async def replace_order(order_id: str, body: ReplaceOrder, who: PrincipalDep,
                        platform: PlatformDep) -> dict[str, Any]:
    """Replace an open order: the answer is the new order version (it `replaces` the old)."""
    doc = await run_in_threadpool(reads.order, platform, who.account_id, order_id)
    if doc["status"] in TERMINAL:
        raise Refused("ORDER_NOT_REPLACEABLE", f'order is already in "{doc["status"]}" state')
    order = await platform.execute(who.account_id, cmd.ReplaceOrder(
        AccountId(who.account_id), OrderId(order_id), quantity=body.qty,
        limit_price=body.limit_price, stop_price=body.stop_price, trail=body.trail,
        time_in_force=body.time_in_force,
        client_order_id=ClientOrderId(body.client_order_id) if body.client_order_id else None))
    return order_json(order)
