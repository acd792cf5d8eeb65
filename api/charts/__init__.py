"""Charts as API resources: Vega-Lite specifications rendered to SVG, PNG or HTML."""
