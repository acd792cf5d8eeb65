"""What the service says about itself, shared by REST, GraphQL and the pages."""

LICENCE_CODE = "MIT"
API_VERSION = "1"  # the REST path prefix /v1; breaking changes get /v2
ATTRIBUTION = ("Figures are attributed to the public pages listed at /v1/sources; "
               "cite DTI Open Data and the source.")
# The dataset's own documentation, served at /data/{name} from the seed package.
DATA_DOCUMENTS = ("README.md", "README_catalog.md", "README_merger.md")
