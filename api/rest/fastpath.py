"""Answer repeated requests from the response cache before routing or middleware run."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.rest.cache import ResponseCache, request_key

CACHEABLE = {"GET", "HEAD"}
GRAPHQL = "/graphql"


class CachedResponses:
    """Outermost ASGI middleware: a cache hit is sent at once; a miss goes on unchanged.

    Only the handlers store entries, and only for successful responses, so a hit is
    always the answer the handler would give (same key, same data).
    """

    def __init__(self, app: ASGIApp, cache: ResponseCache, max_age: int,
                 max_body: int) -> None:
        self.app, self.cache, self.max_age, self.max_body = app, cache, max_age, max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method", "")
        if scope["type"] != "http" or self.cache.max_entries <= 0 or (
                method not in CACHEABLE and not (method == "POST" and scope["path"] == GRAPHQL)):
            await self.app(scope, receive, send)
            return
        accept = language = encoding = inm = ""
        origin = False
        for name, value in scope["headers"]:
            if name == b"accept":
                accept = value.decode("latin-1")
            elif name == b"accept-language":
                language = value.decode("latin-1")
            elif name == b"accept-encoding":
                encoding = value.decode("latin-1")
            elif name == b"if-none-match":
                inm = value.decode("latin-1")
            elif name == b"origin":
                origin = True
        body = b""
        if method == "POST":
            read, receive = await self._read(receive)
            if read is None:  # too large or streamed: let the handler answer (413)
                await self.app(scope, receive, send)
                return
            body = read
        key = request_key("GET" if method == "HEAD" else method, scope["path"],
                          scope["query_string"], accept, language, body)
        hit = self.cache.get(key)
        if hit is None:
            await self.app(scope, receive, send)
            return
        status, headers, content = hit.parts(
            head=method == "HEAD", gzip_ok="gzip" in encoding,
            if_none_match=(inm or None) if method != "POST" else None, max_age=self.max_age,
            origin=origin)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    async def _read(self, receive: Receive) -> tuple[bytes | None, Receive]:
        """Read a small body whole and hand the handler an equivalent receive."""
        chunks: list[bytes] = []
        size = 0
        more = True
        messages: list[Message] = []
        while more:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
            more = message.get("more_body", False)
            if size > self.max_body:
                break
        pending = list(messages)

        async def replay() -> Message:
            return pending.pop(0) if pending else await receive()

        complete = not more and messages and messages[-1]["type"] == "http.request"
        return (b"".join(chunks) if complete and size <= self.max_body else None), replay
