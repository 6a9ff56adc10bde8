"""What a security reviewer expects of the portal, in one place for both programmes.

- Headers on every response: no referrer (personal tokens are in URLs), no caching of pages
  (they show personal data), a Content-Security-Policy that allows only our own stylesheet and
  forms posting to ourselves, and no framing by anyone.
- A POST from another site is refused: browsers say where a request comes from in
  ``Sec-Fetch-Site`` and ``Origin``; a request without either (an old browser, curl) is served,
  since the personal link in its URL is what authorises it.
- A request body larger than ``MAX_BODY`` is refused (413) before it is parsed.
- Behind a reverse proxy that terminates HTTPS (see the README), ``Strict-Transport-Security``
  is sent when the portal's public URL is https.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY = 256 * 1024  # the longest legitimate form (an evaluation, all non-ASCII) is well below
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
SAME_SITE = {"same-origin", "none"}  # "none": typed in or opened from a mail, not sent by a page

Render = Callable[[str, int], Response]


class BodyLimit:
    """Refuse a request body over ``limit`` bytes: by its Content-Length, or while it streams in."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length", b"0")
        declared = int(length) if length.isdigit() else self.limit + 1  # a malformed length is too long
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            if declared > self.limit:
                raise HTTPException(413)  # inside the endpoint that reads the body: the 413 page
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise HTTPException(413)
            return message

        await self.app(scope, limited, send)


def origins(portal_url: str, request: Request) -> set[str]:
    """The origins our own forms post from: the public URL, and the URL this request came in on."""
    public = urlsplit(portal_url)
    return {f"{public.scheme}://{public.netloc}", f"{request.url.scheme}://{request.url.netloc}"}


def cross_site(request: Request, portal_url: str) -> bool:
    """Whether the browser says this unsafe request was sent by another site's page."""
    if request.method in SAFE_METHODS:
        return False
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:  # every current browser sends it, and it says it all
        return fetch_site not in SAME_SITE
    # Our own pages send no referrer, so a browser's Origin on their forms is "null": not a verdict.
    origin = request.headers.get("origin")
    return origin not in (None, "null") and origin not in origins(portal_url, request)


def install(app: FastAPI, portal_url: str, refuse: Render) -> None:
    """Add the headers, the cross-site check and the body limit to the portal."""
    app.add_middleware(BodyLimit)  # inside the guard, so the endpoint reads through it directly

    @app.middleware("http")
    async def _guard(request: Request, call_next: Callable[[Request], Awaitable[Any]]) -> Response:
        response: Response = refuse("cross_site", 403) if cross_site(request, portal_url) else await call_next(request)
        return harden(response, portal_url)


R = TypeVar("R", bound=Response)


def harden(response: R, portal_url: str) -> R:
    """The headers every response carries (also the last-resort error page, outside the middleware)."""
    headers = response.headers
    headers["Referrer-Policy"] = "no-referrer"
    headers["Content-Security-Policy"] = CSP
    headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers.setdefault("Cache-Control", "no-store")
    if portal_url.startswith("https://"):
        headers["Strict-Transport-Security"] = "max-age=31536000"
    return response
