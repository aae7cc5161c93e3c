"""The `epoch` command line."""
