"""The sensors service."""
