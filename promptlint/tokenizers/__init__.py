"""Offline BPE rank files for token counting (see promptlint/tokens.py)."""
