"""Rule definitions, one YAML file per rule (shipped in the wheel as `promptlint.rules`)."""
