"""The Model Context Protocol adapter: tools for AI agents over the service layer, served
at /mcp (streamable HTTP) and by `dti-api mcp` (stdio)."""
