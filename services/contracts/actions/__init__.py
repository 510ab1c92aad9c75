"""The action portfolio (B-2) and MEL indicators (B-3) of a CCC version."""
