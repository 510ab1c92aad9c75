"""The cities contracts knows: learned from the inventory's ``city.registered`` events, so that
every city-scoped endpoint of contracts answers 404 for a city that does not exist."""
