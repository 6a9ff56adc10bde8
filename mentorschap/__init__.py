"""Wiring, settings and the command line of mentorschap."""
