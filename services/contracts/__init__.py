"""The contracts service."""
