"""Calendar feeds: the public .ics URL a calendar app subscribes to, and turning feeds on and
off for the signed-in user."""
