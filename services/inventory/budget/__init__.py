"""The climate budget (klimabudsjett): yearly ceilings per sector, measures, gap, live pace."""
