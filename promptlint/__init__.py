"""promptlint: a static linter for LLM prompt files and tool schemas."""

__version__ = "0.1.0"
