"""Invitations: a city gives a partner a one-time code; accepting it yields the partner's own
credentials (a bearer token of role ``partner``)."""
