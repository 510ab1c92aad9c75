"""Partners: the organisations a city works with towards climate neutrality (quadruple helix)."""
