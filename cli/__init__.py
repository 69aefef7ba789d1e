"""The `wastewatch` command line."""
