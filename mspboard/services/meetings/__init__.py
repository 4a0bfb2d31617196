"""The Monday Morning Meeting, the service manager's weekly beat.

- `notes`: a note anyone adds from anywhere, for the next meeting not yet held.
- `agenda`: what a Monday's agenda says: its items (the techs' notes, the manager's own
  items, what earlier meetings did not discuss) and the sections read live from the shop
  (stale, overdue and urgent SRs, time cards, time off, acknowledgements, check-in issues,
  maintenance problems); a held meeting keeps the sections as they were when it ended.
- `changes`: the manager's changes: add, reorder and remove items, record what each
  discussed item came to (a note, an SR made, a person it was given to), close the meeting.
"""
