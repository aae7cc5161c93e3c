"""interpreters."""
