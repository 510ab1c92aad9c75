"""The Climate City Contract: versions, the Mission Label lifecycle, modules and diffs."""
