"""Gatherings (arrangementer) such as seed 004's regional climate gathering: programme with
sessions, speakers and parallel tracks, registration with capacity and a waitlist, iCalendar."""
