"""Monthly maintenance checklists: templates, months and their runs, ticking, the tracking
sheet and the reports."""
