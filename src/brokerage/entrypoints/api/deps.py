"""Request dependencies: the platform and the calling principal."""

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from brokerage.service_layer.errors import Unauthorized
from brokerage.service_layer.identity import Principal
from brokerage.service_layer.platform import Platform


def platform(request: Request) -> Platform:
    result: Platform = request.app.state.platform
    return result


# Security schemes rather than plain headers, so the OpenAPI document says how to authenticate.
# None raises by itself: `principal` answers a missing or wrong credential with {code, message}.
BEARER = HTTPBearer(auto_error=False, description="The token from /v1/auth/signup or /login.")
API_KEY_ID = APIKeyHeader(name="APCA-API-KEY-ID", scheme_name="ApiKeyId", auto_error=False,
                          description="An API key pair's id (from /v1/api-keys), with its secret.")
API_SECRET_KEY = APIKeyHeader(name="APCA-API-SECRET-KEY", scheme_name="ApiSecretKey",
                              auto_error=False, description="The API key pair's secret.")


async def principal(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)] = None,
    apca_api_key_id: Annotated[str | None, Security(API_KEY_ID)] = None,
    apca_api_secret_key: Annotated[str | None, Security(API_SECRET_KEY)] = None,
) -> Principal:
    """Authenticate with a bearer token or an API key pair."""
    identity = platform(request).identity
    if bearer is not None:
        return identity.by_token(bearer.credentials)
    if apca_api_key_id and apca_api_secret_key:
        return identity.by_api_key(apca_api_key_id, apca_api_secret_key)
    raise Unauthorized("UNAUTHORIZED", "send Authorization: Bearer <token> or an API key pair")


async def _platform_dependency(request: Request) -> Platform:
    """Give `platform(request)` as a coroutine: FastAPI runs a plain-def dependency in its
    thread pool, which costs every request a thread hand-off for one attribute read."""
    return platform(request)


PlatformDep = Annotated[Platform, Depends(_platform_dependency)]
PrincipalDep = Annotated[Principal, Depends(principal)]
