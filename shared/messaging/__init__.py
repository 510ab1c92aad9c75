"""Kafka clients, the transactional outbox and the idempotent consumer."""
