"""Word lists the analyses read (package data, extendable from configuration)."""
