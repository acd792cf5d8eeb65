"""The headers every answer carries: CORS for a public API, and security headers.

CORS: every response allows any origin, whether or not the request carried `Origin`, so
an answer never varies by origin and shared caches keep one copy per URL (no `Vary:
Origin`); preflights are answered here. Security: nosniff, no referrer, resources usable
cross-origin (charts in `<img>`), and a strict Content-Security-Policy on HTML pages:
scripts, styles and images from this origin only, no framing, unless the page set its
own policy (a chart meant for an `<iframe>` does).
"""

from __future__ import annotations

from starlette.types import Scope

Headers = list[tuple[bytes, bytes]]
EVERY: Headers = [(b"access-control-allow-origin", b"*"),
         (b"access-control-expose-headers",
          b"ETag, Link, Retry-After, RateLimit, RateLimit-Policy, X-Request-ID"),
         (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
         (b"cross-origin-resource-policy", b"cross-origin")]
PREFLIGHT = [*EVERY, (b"access-control-allow-methods", b"GET, HEAD, POST, OPTIONS"),
             (b"access-control-allow-headers",
              b"Accept, Accept-Language, Content-Type, If-None-Match, X-Request-ID, "
              b"Mcp-Protocol-Version, Mcp-Session-Id, Last-Event-ID"),
             (b"access-control-max-age", b"86400"), (b"content-length", b"0")]
CSP = (b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       b"font-src 'self' data:; connect-src 'self'; manifest-src 'self'; "
       b"base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
PAGE = [*EVERY, (b"content-security-policy", CSP)]


def is_preflight(scope: Scope) -> bool:
    """A CORS preflight: OPTIONS naming the method it asks for."""
    return scope["method"] == "OPTIONS" and any(
        name == b"access-control-request-method" for name, _ in scope["headers"])


def standard(headers: Headers) -> Headers:
    """The headers to add to an answer with these: CORS and security for every answer,
    the strict CSP too for an HTML page that did not set its own."""
    for name, value in headers:
        if name == b"content-type":
            if value.startswith(b"text/html") and not any(
                    n == b"content-security-policy" for n, _ in headers):
                return PAGE
            break
    return EVERY
