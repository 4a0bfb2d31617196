from __future__ import annotations

from wtforms import HiddenField, IntegerField, TextAreaField
from wtforms.validators import InputRequired, Length

from mspboard.inputs import InputForm


class CardDecisionForm(InputForm):
    """Approve, reject or reopen one card. The version is the one the manager looked at."""

    version = IntegerField("Version", validators=[InputRequired()])
    reason = TextAreaField("Reason", validators=[Length(max=1000)])


class TimeOffDecisionForm(InputForm):
    """Approve or deny one request. The version is the one the manager looked at."""

    version = IntegerField("Version", validators=[InputRequired()])
    note = TextAreaField("Note to the tech (optional)", validators=[Length(max=1000)])


class BulkApproveForm(InputForm):
    # "card id:version" pairs from the ticked rows.
    cards = HiddenField()
