"""Field visits a bureau can trust: each site's QR plate, a contractor's check-in at the plant,
and the checks that make a visit's evidence (docs/operators/field-visits.md)."""
