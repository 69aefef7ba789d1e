"""MQTT ingest: site readings in, validated, durably stored, then acknowledged."""
