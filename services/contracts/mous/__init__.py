"""Memoranda of understanding: the non-binding agreement a city signs with each partner."""
