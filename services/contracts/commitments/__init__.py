"""Stakeholder commitments: what a partner will do under an MoU, by when, and the tCO2e cut it
expects per GPC sector (the CCC's "Commitments" part, organisation + commitment)."""
