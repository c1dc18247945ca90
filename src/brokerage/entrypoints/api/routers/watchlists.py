"""Watchlists in the native API: the same stored lists as Alpaca's /v2/watchlists.

The web app keeps its watchlist here, so the list a user edits in the browser is the one their
Alpaca bot reads. An account that has none gets a default one the first time it lists them.
Errors are `{code, message}` with a 4xx; a refused request changes nothing.
"""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from brokerage.entrypoints.api.alpaca.watchlists import service
from brokerage.entrypoints.api.deps import PlatformDep, PrincipalDep
from brokerage.entrypoints.api.schemas import ERRORS, NAME_PATTERN, Strict
from brokerage.service_layer.errors import Refused
from brokerage.service_layer.platform import Platform
from brokerage.service_layer.watchlists import MAX_NAME, MAX_SYMBOLS

router = APIRouter(prefix="/v1", tags=["watchlists"], responses=ERRORS)
DEFAULT_NAME = "Primary Watchlist"  # the name Alpaca gives an account's first watchlist
DEFAULT_SYMBOLS = ("AAPL", "MSFT", "TSLA", "SPY")
SYMBOL_PATTERN = r"^[A-Za-z0-9.\-]{1,16}$"

Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME, pattern=NAME_PATTERN)]
Symbol = Annotated[str, Field(min_length=1, max_length=16, pattern=SYMBOL_PATTERN)]
WatchlistId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z\-]+$")]
SymbolPath = Annotated[str, Path(pattern=SYMBOL_PATTERN)]


class NewWatchlist(Strict):
    name: Name
    symbols: list[Symbol] = Field(default_factory=list, max_length=MAX_SYMBOLS)


class EditWatchlist(Strict):
    name: Name | None = None
    symbols: list[Symbol] | None = Field(default=None, max_length=MAX_SYMBOLS)


class AddSymbol(Strict):
    symbol: Symbol


def _view(view: dict[str, Any]) -> dict[str, Any]:
    def iso(when: datetime) -> str:
        return when.isoformat()

    return {"id": view["id"], "name": view["name"], "symbols": view["symbols"],
            "created_at": iso(view["created_at"]), "updated_at": iso(view["updated_at"])}


def _listed_or_default(platform: Platform, account_id: str) -> list[dict[str, Any]]:
    """Return the account's watchlists, creating the default one if it has none."""
    store = service(platform)
    views = store.of_account(account_id)
    if views:
        return views
    known = platform.deps.instruments
    try:
        store.create(account_id, DEFAULT_NAME, [s for s in DEFAULT_SYMBOLS if s in known])
    except Refused as refused:  # a concurrent first request made it: list what is there
        if refused.code != "WATCHLIST_NAME_TAKEN":
            raise
    return store.of_account(account_id)


@router.get("/watchlists")
async def list_watchlists(who: PrincipalDep, platform: PlatformDep) -> list[dict[str, Any]]:
    """List the caller's watchlists, oldest first (a default one on first use)."""
    views = await run_in_threadpool(_listed_or_default, platform, who.account_id)
    return [_view(v) for v in views]


@router.post("/watchlists", status_code=201)
async def create_watchlist(body: NewWatchlist, who: PrincipalDep,
                           platform: PlatformDep) -> dict[str, Any]:
    """Create a watchlist; names are unique per account and every symbol must be listed."""
    view = await run_in_threadpool(service(platform).create, who.account_id, body.name,
                                   body.symbols)
    return _view(view)


@router.get("/watchlists/{watchlist_id}")
async def get_watchlist(watchlist_id: WatchlistId, who: PrincipalDep,
                        platform: PlatformDep) -> dict[str, Any]:
    return _view(await run_in_threadpool(service(platform).get, who.account_id, watchlist_id))


@router.patch("/watchlists/{watchlist_id}")
async def edit_watchlist(watchlist_id: WatchlistId, body: EditWatchlist, who: PrincipalDep,
                         platform: PlatformDep) -> dict[str, Any]:
    """Rename a watchlist and/or replace its symbols (in the order given)."""
    view = await run_in_threadpool(service(platform).replace, who.account_id, watchlist_id,
                                   body.name, body.symbols)
    return _view(view)


@router.delete("/watchlists/{watchlist_id}", status_code=204)
async def delete_watchlist(watchlist_id: WatchlistId, who: PrincipalDep,
                           platform: PlatformDep) -> Response:
    await run_in_threadpool(service(platform).delete, who.account_id, watchlist_id)
    return Response(status_code=204)


@router.post("/watchlists/{watchlist_id}/symbols")
async def add_symbol(watchlist_id: WatchlistId, body: AddSymbol, who: PrincipalDep,
                     platform: PlatformDep) -> dict[str, Any]:
    """Append a listed symbol; an unknown or already listed one is refused."""
    view = await run_in_threadpool(service(platform).add, who.account_id, watchlist_id,
                                   body.symbol)
    return _view(view)


@router.delete("/watchlists/{watchlist_id}/symbols/{symbol}")
async def remove_symbol(watchlist_id: WatchlistId, symbol: SymbolPath, who: PrincipalDep,
                        platform: PlatformDep) -> dict[str, Any]:
    view = await run_in_threadpool(service(platform).remove, who.account_id, watchlist_id,
                                   symbol)
    return _view(view)
