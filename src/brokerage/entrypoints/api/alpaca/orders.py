"""Alpaca /v2/orders: place, list, get (by id or client order id), cancel, cancel all, replace."""

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from brokerage.domain.ids import AccountId, ClientOrderId, OrderId, Symbol
from brokerage.domain.orders import classes
from brokerage.domain.orders.classes import OrderClass
from brokerage.domain.orders.types import TERMINAL_STATUSES, OrderStatus
from brokerage.entrypoints.api.alpaca import idempotency, serializers
from brokerage.entrypoints.api.alpaca.account import configurations
from brokerage.entrypoints.api.alpaca.errors import from_refusal
from brokerage.entrypoints.api.alpaca.schemas import NewOrder, ReplaceOrder
from brokerage.entrypoints.api.deps import PlatformDep, PrincipalDep
from brokerage.entrypoints.api.routers.orders import risk_status
from brokerage.read_models import alpaca as reads
from brokerage.service_layer import commands as cmd
from brokerage.service_layer.errors import NotFound, Refused
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


def place_command(who: Principal, body: NewOrder, *, reuse: bool = False) -> cmd.PlaceOrder:
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
                                    loss.trail_percent) if loss else None,
        reuse_client_order_id=reuse)


@router.post("/orders")
async def submit_order(
    body: NewOrder, who: PrincipalDep, platform: PlatformDep,
    idempotency_key: Annotated[str | None,
                               Header(max_length=idempotency.KEY_LENGTH_MAX)] = None,
) -> JSONResponse:
    """Place a simple order, or a bracket / OCO / OTO group (answered with its `legs`).

    With an `Idempotency-Key` header, a retry gets the first answer (see idempotency.py).
    """
    async def run() -> JSONResponse:
        return JSONResponse(await _submit(body, who, platform))

    if idempotency_key is None:
        return await run()
    return await idempotency.once(platform, who.user_id, idempotency_key,
                                  body.model_dump_json(), run)


async def _submit(body: NewOrder, who: Principal, platform: Platform) -> dict[str, Any]:
    """Place the order. A client_order_id already used is refused, unless the account set
    `reuse_client_order_ids` and the order that used it last is terminal.
    """
    reuse = False
    if body.client_order_id:
        settings = await run_in_threadpool(configurations(platform).get, who.account_id)
        reuse = settings.reuse_client_order_ids
        if await _client_id_taken(platform, who, body.client_order_id, reuse):
            raise Refused("DUPLICATE_CLIENT_ORDER_ID", "client_order_id must be unique")
    command = place_command(who, body, reuse=reuse)
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
    return _with_group_legs(platform, account_id, doc, group)


def _with_group_legs(platform: Platform, account_id: str, doc: dict[str, Any],
                     group: dict[str, Any]) -> dict[str, Any]:
    kind = {"order_class": group["order_class"]}
    if doc["id"] != (group["entry_id"] or group["limit_leg"]):  # a leg: no legs of its own
        return serializers.order({**doc, **kind})
    legs = [serializers.order({**leg, **kind})
            for leg in reads.leg_docs(platform, account_id, doc, group)]
    return serializers.order({**doc, **kind}, legs)


async def _client_id_taken(platform: Platform, who: Principal, client_id: str,
                           reuse: bool) -> bool:
    """True if an order uses the id: any order, or with `reuse` an open one (the newest)."""
    try:
        doc = await run_in_threadpool(reads.order_by_client_id, platform, who.account_id,
                                      client_id)
    except Refused:
        return False
    return not reuse or doc["status"] not in TERMINAL


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
    """List orders, flat (legs are orders of their own) or `nested` (legs under parents)."""
    wanted = reads.OrderFilter(
        status=status, limit=limit, after=after, until=until, direction=direction, side=side,
        symbols=tuple(s.strip().upper() for s in symbols.split(",") if s.strip())
        if symbols else (), nested=nested)
    return await run_in_threadpool(_listed, platform, who.account_id, wanted)


def _listed(platform: Platform, account_id: str, wanted: reads.OrderFilter
            ) -> list[dict[str, Any]]:
    """Shape a page of orders; linked ones carry their class, and nested parents their legs."""
    docs = reads.orders(platform, account_id, wanted)
    groups = reads.groups_of(platform, account_id, [d["id"] for d in docs])
    shaped = []
    for doc in docs:
        group = groups.get(doc["id"])
        if group is None:
            shaped.append(serializers.order(doc))
        elif wanted.nested:
            shaped.append(_with_group_legs(platform, account_id, doc, group))
        else:
            shaped.append(serializers.order({**doc, "order_class": group["order_class"]}))
    return shaped


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
    """One order; a parent with its legs, and an exit waiting for its entry as `held`."""
    doc = await run_in_threadpool(_order_or_held_exit, platform, who.account_id, order_id)
    return await run_in_threadpool(with_legs, platform, who.account_id, doc)


def _order_or_held_exit(platform: Platform, account_id: str, order_id: str) -> dict[str, Any]:
    try:
        return reads.order(platform, account_id, order_id)
    except NotFound:
        held = reads.held_exit(platform, account_id, order_id)
        if held is None:
            raise
        return held


async def cancel(platform: Platform, who: Principal, order_id: str) -> None:
    """Cancel an open order (idempotent); a closed one is a 422, an unknown one a 404.

    A held exit of a bracket or OTO is canceled by its own id too: with the other exit
    (they are one-cancels-other); the entry works on.
    """
    doc = await run_in_threadpool(_order_or_held_exit, platform, who.account_id, order_id)
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
