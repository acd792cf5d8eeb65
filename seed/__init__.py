"""Validate the seed CSV files and build the database from them."""
