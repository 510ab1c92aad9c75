"""The collaboration forum (samarbeidsforum) of the three mission cities and the state:
members by organisation, threads and replies, on an action or an indicator if wanted."""
