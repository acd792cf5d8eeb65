"""What the service says about itself, shared by REST and GraphQL."""

LICENCE_CODE = "MIT"
ATTRIBUTION = ("Figures are attributed to the public pages listed at /v1/sources; "
               "cite DTI Open Data and the source.")
