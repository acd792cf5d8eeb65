"""Security headers on every answer; a strict Content-Security-Policy on HTML pages.

Pages load scripts, styles and images from this origin only and may not be framed,
unless the page set its own policy (a chart meant for an <iframe> does).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ALWAYS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
          (b"cross-origin-resource-policy", b"cross-origin")]
CSP = (b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       b"font-src 'self' data:; connect-src 'self'; manifest-src 'self'; "
       b"base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def secure(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                html = any(n == b"content-type" and v.startswith(b"text/html")
                           for n, v in headers)
                extra = list(ALWAYS)
                if html and not any(n == b"content-security-policy" for n, _ in headers):
                    extra.append((b"content-security-policy", CSP))
                message["headers"] = [*headers, *extra]
            await send(message)

        await self.app(scope, receive, secure)
