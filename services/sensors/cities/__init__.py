"""The cities the sensors service knows: a projection of the inventory's ``city.registered``."""
