"""DTI Open Data: a read-only REST and GraphQL API over the DTI dataset."""
