"""Pages for people: the landing page, the API docs, the explorer. Server-rendered HTML
from Jinja2 templates (autoescaped: a name or a parameter is text unless a template says
otherwise) over the same services and the same HTTP layer; no framework, no CDN, no
inline script."""
