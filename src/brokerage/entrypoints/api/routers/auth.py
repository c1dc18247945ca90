"""Sign up, log in, and API key pairs."""

from typing import Any

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from brokerage.entrypoints.api.deps import PlatformDep, PrincipalDep
from brokerage.entrypoints.api.schemas import ERRORS, LogIn, NewApiKey, SignUp
from brokerage.service_layer.errors import NotFound

router = APIRouter(prefix="/v1", tags=["auth"], responses=ERRORS)


@router.post("/auth/signup", status_code=201)
async def sign_up(body: SignUp, platform: PlatformDep) -> dict[str, Any]:
    """Create a user with a cash (or margin) account and log them in."""
    created = await run_in_threadpool(platform.identity.sign_up, body.email, body.password,
                                      body.account_type)
    await platform.open_account(created["account_id"], created["user_id"],
                                created["account_number"], created["account_type"])
    session = await run_in_threadpool(platform.identity.log_in, body.email, body.password)
    return {**created, **session}


@router.post("/auth/login")
async def log_in(body: LogIn, platform: PlatformDep) -> dict[str, Any]:
    return await run_in_threadpool(platform.identity.log_in, body.email, body.password)


@router.post("/api-keys", status_code=201)
async def create_api_key(body: NewApiKey, who: PrincipalDep,
                         platform: PlatformDep) -> dict[str, Any]:
    """Make an API key pair (APCA-API-KEY-ID / APCA-API-SECRET-KEY); the secret shows once."""
    return await run_in_threadpool(platform.identity.create_api_key, who.user_id, body.label)


@router.get("/api-keys")
async def list_api_keys(who: PrincipalDep, platform: PlatformDep) -> list[dict[str, Any]]:
    return await run_in_threadpool(platform.identity.list_api_keys, who.user_id)


@router.delete("/api-keys/{key_id}", status_code=204)
async def revoke_api_key(key_id: str, who: PrincipalDep, platform: PlatformDep) -> Response:
    if not await run_in_threadpool(platform.identity.revoke_api_key, who.user_id, key_id):
        raise NotFound("API_KEY_NOT_FOUND", "no such active key")
    return Response(status_code=204)
