from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from mspboard.board.forms import PRIORITY_CHOICES
from mspboard.htmx import is_htmx, render
from mspboard.inputs import InputForm
from mspboard.manage.blueprint import bp
from mspboard.manage.duty_routes import duties_context
from mspboard.models import CheckInIssue, Client, db, utcnow
from mspboard.services import today as desk
from mspboard.services.errors import RuleViolation
from mspboard.services.now_working import who_is_working
from mspboard.services.people import certifications as certs
from mspboard.services.people import training
from mspboard.services.time_weeks import local_date


class IssueToSRForm(InputForm):
    client_id = SelectField("Client", coerce=int)
    priority = SelectField("Priority", choices=PRIORITY_CHOICES, default="2")


def _clients() -> list[SelectChoice]:
    clients = db.session.scalars(select(Client).where(Client.active).order_by(Client.name))
    return [SelectChoice(client.id, client.name) for client in clients]


def _today_page(status: int = 200, notice: str = ""):
    now = utcnow()
    this_week, last_week = desk.this_and_last_week(now)
    checkins = desk.checkins_on(local_date(now))
    return render(
        "manage/today.html",
        "manage/_today.html",
        status=status,
        notice=notice,
        working=who_is_working(),
        quiet=desk.quiet_techs(now),
        checkins=checkins,
        away={row.tech.id: row.away for row in checkins if row.away},
        issues=desk.open_issues(now),
        utilisation={
            "This week": desk.utilisation(this_week),
            "Last week": desk.utilisation(last_week),
        },
        clients=_clients(),
        plan_training=training.plan_prompt(now),
        now=now,
        today=local_date(now),
        expiring_certs=certs.expiring(local_date(now)),
        cert_warning_days=certs.EXPIRY_WARNING_DAYS,
        **duties_context(now),
    )


@bp.get("/today")
def today():
    return _today_page()


def _issue(issue_id: int) -> CheckInIssue:
    return db.session.get(CheckInIssue, issue_id) or abort(404)


def _done(notice: str, status: int = 200):
    if is_htmx():
        return _today_page(status, notice)
    flash(notice, "success" if status == 200 else "error")
    return redirect(url_for("manage.today"))


@bp.post("/issues/<int:issue_id>/handled")
def issue_handled(issue_id: int):
    issue = _issue(issue_id)
    if not InputForm().validate_on_submit():
        return _done("That could not be read; reload and try again.", 422)
    desk.handle_issue(current_user, issue)
    db.session.commit()
    return _done("Marked as handled.")


@bp.post("/issues/<int:issue_id>/sr")
def issue_to_sr(issue_id: int):
    issue = _issue(issue_id)
    form = IssueToSRForm()
    form.client_id.choices = _clients()
    if not form.validate_on_submit():
        return _done("Pick a client for the new SR.", 422)
    try:
        sr = desk.issue_to_sr(current_user, issue, form.client_id.data, int(form.priority.data))
    except RuleViolation as violation:
        db.session.rollback()
        return _done(violation.message, 422)
    db.session.commit()
    return _done(f"{sr.number} created and assigned to {issue.checkin.tech.name}.")
