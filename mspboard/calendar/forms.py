from __future__ import annotations

from flask_wtf import FlaskForm


class FeedSwitchForm(FlaskForm):
    """Turning a feed on, replacing its link or turning it off: nothing to fill in but the
    CSRF token."""
