"""The data release: a versioned, citable, validated download of the whole dataset."""
