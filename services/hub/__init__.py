"""The hub service."""
