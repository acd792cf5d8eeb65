"""Pages for people: the landing page, the API docs, the explorer. Server-rendered HTML
over the same services and the same HTTP layer; no framework, no CDN, no inline script."""
