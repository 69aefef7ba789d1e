"""Maintenance: work orders, inspections and regulators' reports (issues 4 and 5)."""
