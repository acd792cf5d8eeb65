"""GraphQL adapter: strawberry types over the shared services, served at /graphql."""
