"""Geography as API resources: the boundaries (TopoJSON) and tile grids the maps draw."""
