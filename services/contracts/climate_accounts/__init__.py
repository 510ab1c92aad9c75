"""Partners' yearly climate accounts, as Klimapartnere members report them (GHG Protocol
Corporate Standard: scope 1, scope 2 location- and market-based, scope 3 by category 1-15),
and their trend against the partner's own MoU commitments."""
