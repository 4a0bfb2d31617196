"""The shop's figures over longer stretches than a week: the year in figures, and the
service manager's written review of the year beside them."""
