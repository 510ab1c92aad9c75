"""The hub's own ordered event log, and Server-Sent Events read from it."""
