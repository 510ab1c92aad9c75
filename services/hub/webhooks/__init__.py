"""Webhooks: subscribers get the hub's events, signed per the Standard Webhooks spec."""
