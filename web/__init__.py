"""The contractors' pages: signed links from work-order emails, served by `wastewatch serve`."""
