"""Importers: models from other frameworks' checkpoints as this project's IR."""
