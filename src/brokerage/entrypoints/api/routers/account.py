"""Account, portfolio, positions, transfers."""

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from brokerage.domain.ids import AccountId
from brokerage.domain.money import ZERO
from brokerage.entrypoints.api.deps import PlatformDep, PrincipalDep
from brokerage.entrypoints.api.schemas import ERRORS, NewTransfer
from brokerage.read_models import queries
from brokerage.service_layer import commands as cmd
from brokerage.service_layer.errors import NotFound

router = APIRouter(prefix="/v1", tags=["account"], responses=ERRORS)


@router.get("/account")
async def get_account(who: PrincipalDep, platform: PlatformDep) -> dict[str, Any]:
    return await run_in_threadpool(queries.account, platform, who.account_id)


@router.get("/portfolio")
async def get_portfolio(who: PrincipalDep, platform: PlatformDep) -> dict[str, Any]:
    """Value, cash, buying power, unrealized and realized P&L, and positions."""
    return await run_in_threadpool(queries.portfolio, platform, who.account_id)


@router.get("/positions")
async def get_positions(who: PrincipalDep, platform: PlatformDep) -> list[dict[str, Any]]:
    """Open positions with their tax lots."""
    return queries.positions(platform, who.account_id)


@router.get("/positions/{symbol}")
async def get_position(symbol: str, who: PrincipalDep, platform: PlatformDep) -> dict[str, Any]:
    for position in queries.positions(platform, who.account_id):
        if position["symbol"] == symbol.upper():
            position["closed_lots"] = await run_in_threadpool(
                queries.realized_closures, platform, who.account_id, symbol.upper())
            return position
    raise NotFound("POSITION_NOT_FOUND", f"no open position in {symbol.upper()}")


@router.get("/realized")
async def get_realized(who: PrincipalDep, platform: PlatformDep) -> list[dict[str, Any]]:
    """Closed tax lots with their realized P&L."""
    return await run_in_threadpool(queries.realized_closures, platform, who.account_id)


@router.post("/transfers", status_code=201)
async def new_transfer(body: NewTransfer, who: PrincipalDep,
                       platform: PlatformDep) -> dict[str, Any]:
    """Deposit (ACH, instant up to the limit) or withdraw settled cash."""
    command: Any = (cmd.Deposit if body.direction == "deposit" else cmd.Withdraw)(
        AccountId(who.account_id), body.amount)
    record = await platform.execute(who.account_id, command)
    is_deposit = body.direction == "deposit"
    return {"id": record.id, "direction": body.direction, "amount": str(record.amount),
            "instant_amount": str(record.instant_amount if is_deposit else ZERO),
            "status": record.status.value, "settles_on": record.settles_on.isoformat()}


@router.get("/transfers")
async def list_transfers(who: PrincipalDep, platform: PlatformDep) -> list[dict[str, Any]]:
    return await run_in_threadpool(queries.transfers, platform, who.account_id)
