"""Operator endpoints under /admin for the CLI: the server's admin token or an admin user."""

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials
from pydantic import BaseModel, Field

from brokerage.entrypoints.api.deps import BEARER, PlatformDep, platform
from brokerage.entrypoints.api.schemas import ERRORS
from brokerage.service_layer import operations
from brokerage.service_layer.errors import Unauthorized

router = APIRouter(prefix="/admin", tags=["admin"], responses=ERRORS)


ADMIN_TOKEN = APIKeyHeader(name="X-Admin-Token", scheme_name="AdminToken", auto_error=False,
                           description="The server's admin token (written to its card).")


async def operator(
    request: Request,
    x_admin_token: Annotated[str | None, Security(ADMIN_TOKEN)] = None,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)] = None,
) -> None:
    """Admit the server's own admin token, or the bearer token of an admin user."""
    expected: str | None = getattr(request.app.state, "admin_token", None)
    if x_admin_token and expected and hmac.compare_digest(x_admin_token, expected):
        return
    if bearer is not None:
        principal = platform(request).identity.by_token(bearer.credentials)
        if principal.is_admin:
            return
    raise Unauthorized("UNAUTHORIZED", "operator endpoints need X-Admin-Token or an admin user",
                       status=403 if bearer else 401)


Operator = Depends(operator)


class NewUser(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=200)
    account_type: str = "cash"


class Credit(BaseModel):
    email: str = Field(max_length=320)
    amount: str | int


class Status(BaseModel):
    email: str = Field(max_length=320)
    status: str


class KillSwitch(BaseModel):
    scope: str
    target: str | None = None
    tripped: bool = True
    reason: str = Field(default="operator", max_length=200)


@router.post("/users", status_code=201, dependencies=[Operator])
async def create_user(body: NewUser, p: PlatformDep) -> dict[str, Any]:
    return await operations.create_user(p, body.email, body.password, body.account_type)


@router.post("/deposits", status_code=201, dependencies=[Operator])
async def credit_deposit(body: Credit, p: PlatformDep) -> dict[str, Any]:
    return await operations.credit_deposit(p, body.email, body.amount)


@router.post("/settlements", dependencies=[Operator])
async def settle(p: PlatformDep) -> dict[str, Any]:
    return await operations.settle(p)


@router.post("/account-status", dependencies=[Operator])
async def set_status(body: Status, p: PlatformDep) -> dict[str, Any]:
    return await operations.set_status(p, body.email, body.status)


@router.post("/kill-switches", dependencies=[Operator])
async def set_kill_switch(body: KillSwitch, p: PlatformDep) -> dict[str, Any]:
    return await operations.set_kill_switch(p, body.scope, body.target, body.tripped,
                                            body.reason)
