from __future__ import annotations

from mspboard.inputs import InputForm


class FeedSwitchForm(InputForm):
    """Turning a feed on, replacing its link or turning it off: nothing to fill in but the
    CSRF token."""
