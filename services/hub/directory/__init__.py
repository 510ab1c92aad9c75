"""The network directory: seed 003's appendix A, the Klimasats networks and the mission cities,
searchable and filterable, with the cities and partners that belong to each network."""
