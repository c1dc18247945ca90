"""`Idempotency-Key` on POST /v2/orders: a retry gets the first answer, never a second order.

Not in Alpaca's API (it relies on client_order_id alone), but an account that opts in to
reusing client order ids gives that up for terminal orders, so a retry needs another anchor.
Keys are per user and live in the same table as the native API's, prefixed so the two APIs
never answer each other's retries.
"""

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable

from fastapi.responses import JSONResponse
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from brokerage.adapters.db import tables
from brokerage.entrypoints.api.alpaca.errors import from_refusal
from brokerage.service_layer.errors import Refused
from brokerage.service_layer.platform import Platform

PREFIX = "alpaca:"
KEY_LENGTH_MAX = 200 - len(PREFIX)
_locks: dict[tuple[str, str], asyncio.Lock] = {}


async def once(platform: Platform, user_id: str, key: str, request: str,
               run: Callable[[], Awaitable[JSONResponse]]) -> JSONResponse:
    """Run the request once per (user, key); answer a retry with the stored response.

    A refusal is stored too (the retry is refused the same way); the same key with a
    different request body is a 409.
    """
    stored_key = PREFIX + key
    digest = hashlib.sha256(request.encode()).hexdigest()
    lock = _locks.setdefault((user_id, stored_key), asyncio.Lock())
    try:
        async with lock:
            stored = await run_in_threadpool(_stored, platform, user_id, stored_key)
            if stored is not None:
                if stored[0] != digest:
                    raise Refused("IDEMPOTENCY_KEY_REUSED",
                                  "this Idempotency-Key was used for a different request",
                                  status=409)
                return JSONResponse(json.loads(stored[2]), status_code=stored[1])
            try:
                response = await run()
            except Refused as exc:
                response = from_refusal(exc)
            await run_in_threadpool(_store, platform, user_id, stored_key, digest, response)
            return response
    finally:
        if not lock.locked():
            _locks.pop((user_id, stored_key), None)


def _stored(platform: Platform, user_id: str, key: str) -> tuple[str, int, str] | None:
    t = tables.idempotency_keys
    query = select(t.c.request_digest, t.c.status_code, t.c.body).where(
        t.c.user_id == user_id, t.c.key == key)
    with platform.store.read() as conn:
        row = conn.execute(query).first()
    return None if row is None else (row.request_digest, row.status_code, row.body)


def _store(platform: Platform, user_id: str, key: str, digest: str,
           response: JSONResponse) -> None:
    try:
        with platform.store.engine.begin() as conn:
            conn.execute(insert(tables.idempotency_keys).values(
                user_id=user_id, key=key, request_digest=digest,
                status_code=response.status_code, body=bytes(response.body).decode(),
                created_at=platform.deps.clock.now()))
    except IntegrityError:
        pass  # another server answered the same key first: its row stands
