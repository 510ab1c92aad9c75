"""Climate targets: a baseline, a target year and reduction, sector exemptions, trajectories."""
