"""Python checks, grouped by rule family. A check is `check(document, context)` yielding
Findings; it reads the document model and never opens a file or formats output."""
