"""Helpers shared by several passes (not passes themselves)."""
