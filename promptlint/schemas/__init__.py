"""JSON Schemas that promptlint publishes (the native prompt format)."""
