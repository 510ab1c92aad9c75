"""What every Klimaby service uses: settings, database, events, Kafka, outbox, auth, problems."""
