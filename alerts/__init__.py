"""Alerts: discharge-standard and O&M rule checks, emailed to operators (issue 3)."""
