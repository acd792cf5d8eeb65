"""HTTP plumbing shared by the REST and GraphQL adapters (which never import each other)."""
