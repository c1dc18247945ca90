"""Serve the browser app (`web/` at the repo root) from the API process.

The app is plain files (ES modules, CSS, a vendored chart library): no build step. It is
installed as the router's *default* handler, which Starlette calls only when no route
matched, so every API route wins over a static file whatever order routers are added in.
Paths that look like app pages (no file extension, not a file, outside the API prefixes) get
`index.html`, so a reload on `/symbol/AAPL` works; unknown API paths keep their JSON 404.

`web/` is found relative to the repository: this file lives at
`<repo>/src/brokerage/entrypoints/api/web.py`, which holds both from a checkout and from the
editable install (`pip install -e .`). `BROKERAGE_WEB_DIR` points elsewhere when the package
is installed without the repo (a wheel); with no `web/` found the API runs without the app.
"""

import mimetypes
import os
from pathlib import Path

from fastapi import FastAPI
from starlette.responses import FileResponse
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

# Never handed to the app: these are the API's, and their misses stay JSON 404s.
API_PREFIXES = ("/v1", "/v2", "/v1beta1", "/v1beta3", "/admin", "/stream", "/docs", "/redoc",
                "/openapi.json")
# Module scripts are refused by browsers unless served with a JavaScript type; the host's
# mime.types may not say so, so these are set explicitly when the app is mounted.
CONTENT_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css",
                 ".svg": "image/svg+xml", ".json": "application/json", ".ico": "image/x-icon"}


def web_dir() -> Path | None:
    """Return the `web/` directory to serve, or None when there is none."""
    override = os.environ.get("BROKERAGE_WEB_DIR")
    candidate = Path(override) if override else Path(__file__).resolve().parents[4] / "web"
    return candidate if (candidate / "index.html").is_file() else None


def is_api_path(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in API_PREFIXES)


def is_page_path(path: str) -> bool:
    """A client-side route: no extension in its last segment and not an API path."""
    return not is_api_path(path) and "." not in path.rsplit("/", 1)[-1]


def _is_file(root: Path, path: str) -> bool:
    """Whether `path` names a file inside `root` (extensionless files such as LICENSE)."""
    target = (root / path.lstrip("/")).resolve()
    return target.is_relative_to(root.resolve()) and target.is_file()


def mount(app: FastAPI, directory: Path | None = None) -> Path | None:
    """Serve `directory` (default: `web_dir()`) for paths no route claims; return it."""
    root = directory or web_dir()
    if root is None:
        return None
    for suffix, kind in CONTENT_TYPES.items():
        mimetypes.add_type(kind, suffix)
    files = StaticFiles(directory=root, html=True)
    index = root / "index.html"
    not_found: ASGIApp = app.router.not_found

    async def fallback(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "/")
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD") \
                or is_api_path(path):
            await not_found(scope, receive, send)
        elif is_page_path(path) and not _is_file(root, path):
            # The shell must never be cached stale: its module URLs are not fingerprinted.
            await FileResponse(index, headers={"Cache-Control": "no-cache"})(scope, receive, send)
        else:
            await files(scope, receive, send)

    app.router.default = fallback
    return root
