"""CORS for a public, read-only, credential-free API.

Every response allows any origin, whether or not the request carried `Origin`, so the
answer never varies by origin and shared caches keep one copy per URL (no `Vary:
Origin`). Preflights are answered here, before the rest of the stack.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ALLOW = [(b"access-control-allow-origin", b"*"),
         (b"access-control-expose-headers",
          b"ETag, Link, Retry-After, RateLimit, RateLimit-Policy, X-Request-ID")]
PREFLIGHT = [*ALLOW, (b"access-control-allow-methods", b"GET, HEAD, POST, OPTIONS"),
             (b"access-control-allow-headers",
              b"Accept, Accept-Language, Content-Type, If-None-Match, X-Request-ID"),
             (b"access-control-max-age", b"86400"), (b"content-length", b"0")]


class Cors:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and any(
                name == b"access-control-request-method" for name, _ in scope["headers"]):
            await send({"type": "http.response.start", "status": 204,
                        "headers": list(PREFLIGHT)})
            await send({"type": "http.response.body", "body": b""})
            return

        async def allow(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *ALLOW]
            await send(message)

        await self.app(scope, receive, allow)
