"""City progress: every city's live emissions and partnerships, projected from events."""
