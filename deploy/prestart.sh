#!/bin/sh
# Run once per deployment, before a service starts (the `<service>-migrate` jobs in
# docker-compose.yml, or a Kubernetes Job / init container): bring each named service's schema
# to its newest migration, then load its reference data (idempotent). With no arguments: every
# service. Running it in a one-shot job rather than in every replica keeps replicas from racing
# each other through the same migration.
set -eu
klimaby migrate "$@"
klimaby seed "$@"
