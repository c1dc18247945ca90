"""Request dependencies: the platform and the calling principal."""

from typing import Annotated

from fastapi import Depends, Header, Request

from brokerage.service_layer.errors import Unauthorized
from brokerage.service_layer.identity import Principal
from brokerage.service_layer.platform import Platform


def platform(request: Request) -> Platform:
    result: Platform = request.app.state.platform
    return result


async def principal(
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
    apca_api_key_id: Annotated[str | None, Header(alias="APCA-API-KEY-ID")] = None,
    apca_api_secret_key: Annotated[str | None, Header(alias="APCA-API-SECRET-KEY")] = None,
) -> Principal:
    """Authenticate with a bearer token or an API key pair."""
    identity = platform(request).identity
    if authorization and authorization.lower().startswith("bearer "):
        return identity.by_token(authorization[7:].strip())
    if apca_api_key_id and apca_api_secret_key:
        return identity.by_api_key(apca_api_key_id, apca_api_secret_key)
    raise Unauthorized("UNAUTHORIZED", "send Authorization: Bearer <token> or an API key pair")


PlatformDep = Annotated[Platform, Depends(platform)]
PrincipalDep = Annotated[Principal, Depends(principal)]
