"""Alpaca /v2/positions: list, get one, close one (all, a quantity or a percentage), close all."""

import asyncio
import json
from decimal import ROUND_DOWN, Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from brokerage.domain.ids import AccountId, Symbol
from brokerage.domain.money import ZERO
from brokerage.domain.orders.types import OrderType, Side, TimeInForce
from brokerage.entrypoints.api.alpaca import serializers
from brokerage.entrypoints.api.alpaca.errors import from_refusal
from brokerage.entrypoints.api.alpaca.orders import cancel, place
from brokerage.entrypoints.api.deps import PlatformDep, PrincipalDep
from brokerage.read_models import alpaca as reads
from brokerage.service_layer import commands as cmd
from brokerage.service_layer.errors import Refused
from brokerage.service_layer.identity import Principal
from brokerage.service_layer.platform import Platform

router = APIRouter(prefix="/v2", tags=["alpaca: positions"])
SHARE_QUANTUM = Decimal("0.000000001")
HUNDRED = Decimal(100)
CANCEL_WAIT_S = 2.0  # how long close-all waits for the venue to confirm its cancels


@router.get("/positions")
async def list_positions(who: PrincipalDep, platform: PlatformDep) -> list[dict[str, Any]]:
    views = await run_in_threadpool(reads.positions, platform, who.account_id)
    return [serializers.position(v) for v in views]


async def _find(platform: Platform, who: Principal, symbol_or_id: str) -> reads.PositionView:
    instrument = reads.instrument(platform, symbol_or_id)
    return await run_in_threadpool(reads.position, platform, who.account_id, instrument.symbol)


@router.get("/positions/{symbol_or_asset_id}")
async def get_position(symbol_or_asset_id: str, who: PrincipalDep,
                       platform: PlatformDep) -> dict[str, Any]:
    return serializers.position(await _find(platform, who, symbol_or_asset_id))


def close_quantity(view: reads.PositionView, fractionable: bool, qty: Decimal | None,
                   percentage: Decimal | None) -> Decimal:
    """Return how many shares to sell: all, `qty`, or `percentage` of the position."""
    if qty is not None and percentage is not None:
        raise Refused("INVALID_CLOSE", "give qty or percentage, not both")
    if percentage is not None:
        if not ZERO < percentage <= HUNDRED:
            raise Refused("INVALID_CLOSE", "percentage must be above 0 and at most 100")
        step = SHARE_QUANTUM if fractionable else Decimal(1)
        qty = (view.qty * percentage / HUNDRED).quantize(step, rounding=ROUND_DOWN)
        if qty <= ZERO:
            raise Refused("INVALID_CLOSE", "that percentage is less than one tradable share")
    wanted = view.qty if qty is None else qty
    if wanted <= ZERO:
        raise Refused("INVALID_CLOSE", "qty must be above 0")
    if wanted > view.qty:
        raise Refused("RISK_INSUFFICIENT_SHARES",
                      f"insufficient qty available for order (requested: {wanted}, "
                      f"available: {view.qty_available})", status=403)
    return wanted


async def close(platform: Platform, who: Principal, view: reads.PositionView,
                qty: Decimal | None = None, percentage: Decimal | None = None) -> dict[str, Any]:
    """Sell (part of) a position at market: the same PlaceOrder as any sell."""
    fractionable = platform.deps.instruments[Symbol(view.symbol)].fractionable
    quantity = close_quantity(view, fractionable, qty, percentage)
    return await place(platform, who, cmd.PlaceOrder(
        account_id=AccountId(who.account_id), symbol=Symbol(view.symbol), side=Side.SELL,
        order_type=OrderType.MARKET, time_in_force=TimeInForce.DAY, quantity=quantity))


@router.delete("/positions/{symbol_or_asset_id}")
async def close_position(
    symbol_or_asset_id: str, who: PrincipalDep, platform: PlatformDep,
    qty: Annotated[Decimal | None, Query(allow_inf_nan=False)] = None,
    percentage: Annotated[Decimal | None, Query(allow_inf_nan=False)] = None,
) -> dict[str, Any]:
    """Close a position; the answer is the closing order."""
    view = await _find(platform, who, symbol_or_asset_id)
    return await close(platform, who, view, qty, percentage)


@router.delete("/positions")
async def close_all_positions(who: PrincipalDep, platform: PlatformDep,
                              cancel_orders: bool = False) -> JSONResponse:
    """Close every position (after canceling open orders if asked); answer 207, one per symbol."""
    if cancel_orders:
        for order_id in await run_in_threadpool(reads.open_order_ids, platform, who.account_id):
            try:
                await cancel(platform, who, order_id)
            except Refused:
                continue  # it closed meanwhile: nothing left to cancel
        await _until_no_open_orders(platform, who)
    results = []
    for view in await run_in_threadpool(reads.positions, platform, who.account_id):
        try:
            order = await close(platform, who, view, view.qty_available or None)
            results.append({"symbol": view.symbol, "status": 200, "order_id": order["id"],
                            "body": order})
        except Refused as exc:
            refusal = from_refusal(exc)
            results.append({"symbol": view.symbol, "status": refusal.status_code,
                            "body": {**_failure(refusal), "symbol": view.symbol,
                                     "available": str(view.qty_available),
                                     "existing_qty": str(view.qty),
                                     "held_for_orders": str(view.qty - view.qty_available)}})
    return JSONResponse(results, status_code=207)


async def _until_no_open_orders(platform: Platform, who: Principal) -> None:
    """Wait (bounded) until the venue confirms the cancels, so the shares are free to sell."""
    deadline = asyncio.get_running_loop().time() + CANCEL_WAIT_S
    while asyncio.get_running_loop().time() < deadline:
        if not await run_in_threadpool(reads.open_order_ids, platform, who.account_id):
            return
        await asyncio.sleep(0.05)


def _failure(refusal: JSONResponse) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(refusal.body)
    return body
