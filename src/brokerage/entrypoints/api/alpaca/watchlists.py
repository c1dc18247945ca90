"""Alpaca /v2/watchlists: create, list, get (by id or name), update, add/remove a symbol, delete."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from brokerage.entrypoints.api.alpaca import serializers
from brokerage.entrypoints.api.alpaca.schemas import AddSymbol, NewWatchlist, UpdateWatchlist
from brokerage.entrypoints.api.deps import PlatformDep, PrincipalDep
from brokerage.entrypoints.api.schemas import NAME_PATTERN
from brokerage.service_layer.platform import Platform
from brokerage.service_layer.watchlists import Watchlists

router = APIRouter(prefix="/v2", tags=["alpaca: watchlists"])


def service(platform: Platform) -> Watchlists:
    """Return the watchlist store; the native /v1 router shares it, so both see the same lists."""
    deps = platform.deps
    return Watchlists(platform.store, deps.clock, deps.ids, deps.instruments.keys())


def _full(platform: Platform, view: dict[str, Any]) -> dict[str, Any]:
    return serializers.watchlist(view, platform.deps.instruments)


@router.get("/watchlists")
async def list_watchlists(who: PrincipalDep, platform: PlatformDep) -> list[dict[str, Any]]:
    views = await run_in_threadpool(service(platform).of_account, who.account_id)
    return [serializers.watchlist(v) for v in views]


@router.post("/watchlists")
async def create_watchlist(body: NewWatchlist, who: PrincipalDep,
                           platform: PlatformDep) -> dict[str, Any]:
    view = await run_in_threadpool(service(platform).create, who.account_id, body.name,
                                   body.symbols)
    return _full(platform, view)


@router.get("/watchlists:by_name")
async def get_watchlist_by_name(who: PrincipalDep, platform: PlatformDep,
                                name: Annotated[str, Query(min_length=1, max_length=64,
                                                           pattern=NAME_PATTERN)]
                                ) -> dict[str, Any]:
    view = await run_in_threadpool(service(platform).by_name, who.account_id, name)
    return _full(platform, view)


@router.get("/watchlists/{watchlist_id}")
async def get_watchlist(watchlist_id: str, who: PrincipalDep,
                        platform: PlatformDep) -> dict[str, Any]:
    view = await run_in_threadpool(service(platform).get, who.account_id, watchlist_id)
    return _full(platform, view)


@router.put("/watchlists/{watchlist_id}")
async def update_watchlist(watchlist_id: str, body: UpdateWatchlist, who: PrincipalDep,
                           platform: PlatformDep) -> dict[str, Any]:
    view = await run_in_threadpool(service(platform).replace, who.account_id, watchlist_id,
                                   body.name, body.symbols)
    return _full(platform, view)


@router.post("/watchlists/{watchlist_id}")
async def add_to_watchlist(watchlist_id: str, body: AddSymbol, who: PrincipalDep,
                           platform: PlatformDep) -> dict[str, Any]:
    view = await run_in_threadpool(service(platform).add, who.account_id, watchlist_id,
                                   body.symbol)
    return _full(platform, view)


@router.delete("/watchlists/{watchlist_id}/{symbol}")
async def remove_from_watchlist(watchlist_id: str, symbol: str, who: PrincipalDep,
                                platform: PlatformDep) -> dict[str, Any]:
    view = await run_in_threadpool(service(platform).remove, who.account_id, watchlist_id,
                                   symbol)
    return _full(platform, view)


@router.delete("/watchlists/{watchlist_id}", status_code=204)
async def delete_watchlist(watchlist_id: str, who: PrincipalDep,
                           platform: PlatformDep) -> Response:
    await run_in_threadpool(service(platform).delete, who.account_id, watchlist_id)
    return Response(status_code=204)
