"""Jinja filters and globals: local times, money, navigation."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, NamedTuple

from flask import Flask, request
from flask_login import current_user

from mspboard.models import SRStatus
from mspboard.services.durations import age, spent
from mspboard.services.local_time import clock_text, wall_label
from mspboard.services.maintenance import months
from mspboard.services.maintenance.templates import cadence_words
from mspboard.services.money import shown
from mspboard.services.shop_settings import current_settings


def local_time(value: datetime | None, fmt: str = "%a %d %b %H:%M") -> str:
    """A UTC time shown in the shop's time zone (with its zone where the clock time
    happens twice that night)."""
    if value is None:
        return ""
    return wall_label(value, fmt)


def activity_value(value: str | None, field: str | None) -> str:
    """A value from an SR's activity log, as people say it."""
    if value and field == "status":
        return SRStatus(value).label
    return value or ""


def money(cents: int | None) -> str:
    """Cents in the shop's currency, written as its locale writes amounts: "$1,234.50"."""
    if cents is None:
        return ""
    return shown(cents, current_settings().currency)


def sentence(text: str | None) -> str:
    """Text a person wrote, ended with a full stop unless it already ends a sentence."""
    text = (text or "").strip()
    return text if not text or text.endswith((".", "!", "?", "…")) else text + "."


def cadence(item: Any) -> str:
    """A checklist item's (or proposal's) cadence in words: "Quarterly, 2nd month"."""
    return cadence_words(item.cadence, item.cadence_month)


def hhmm(value: time | None) -> str:
    """A time of day on the shop's clock: "18:43" or "6:43 PM"."""
    return clock_text(value) if value else ""


def short_date(value: date | None) -> str:
    return value.strftime("%a %d %b") if value else ""


class NavItem(NamedTuple):
    endpoint: str
    label: str
    # Endpoints starting with this (or with any of these) mark the item as the current page.
    section: str | tuple[str, ...]

    @property
    def current(self) -> bool:
        return (request.endpoint or "").startswith(self.section)


def navigation() -> list[NavItem]:
    """The pages the signed-in user may open, in menu order."""
    if not current_user.is_authenticated:
        return []
    items: list[NavItem] = []
    if current_user.has_time_card:
        items.append(NavItem("field.today", "My day", "field."))
    items.append(NavItem("board.index", "Board", "board."))
    if current_user.is_manager:
        items.append(NavItem("manage.today", "Today", "manage.today"))
        items.append(NavItem("manage.approvals_queue", "Approvals", "manage.approvals"))
        items.append(NavItem("manage.backlog", "Backlog", "manage.backlog"))
        items.append(NavItem("manage.invoices_default", "Invoices", "manage.invoice"))
        items.append(NavItem("manage.planner", "Planner", "manage.planner"))
        items.append(NavItem("manage.training_list", "Training", "manage.training"))
        items.append(NavItem("manage.monday_meeting", "Monday", "manage.meeting"))
        items.append(
            NavItem(
                "manage.maintenance", "Maintenance", ("manage.maintenance", "manage.checklist_")
            )
        )
        people_pages = (
            "manage.people",
            "manage.person",
            "manage.goal",
            "manage.certification",
            "manage.review",
        )
        items.append(NavItem("manage.people", "People", people_pages))
        items.append(NavItem("manage.year_default", "Year", "manage.year"))
        items.append(NavItem("admin.clients_list", "Clients", "admin.client"))
        items.append(NavItem("manage.audit", "Audit", "manage.audit"))
    if current_user.is_admin:
        items.append(NavItem("admin.users", "Users", "admin.user"))
        items.append(NavItem("admin.duties_page", "Duties", "admin.dut"))
        items.append(NavItem("admin.settings", "Settings", "admin.settings"))
        items.append(NavItem("admin.data", "Data", ("admin.data", "imports.")))
    return items


def approvals_waiting() -> int:
    """Decisions waiting for a manager, for the count beside Approvals in the menu."""
    from mspboard.services.approvals import pending_count

    if not (current_user.is_authenticated and current_user.is_manager):
        return 0
    return pending_count(viewer=current_user)


def register(app: Flask) -> None:
    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(money, "money")
    app.add_template_filter(age, "age")
    app.add_template_filter(spent, "spent")
    app.add_template_filter(activity_value, "activity_value")
    app.add_template_filter(hhmm, "hhmm")
    app.add_template_filter(sentence, "sentence")
    app.add_template_filter(short_date, "short_date")
    app.add_template_filter(cadence, "cadence")
    app.add_template_filter(months.month_label, "month_label")
    app.add_template_filter(months.month_text, "month_text")
    from mspboard.services.people.reviews import quarter_label, review_week

    app.add_template_filter(quarter_label, "quarter_label")
    app.add_template_filter(review_week, "review_week")
    app.jinja_env.globals["sr_statuses"] = list(SRStatus)
    from mspboard.services.people import certifications, goals

    app.add_template_filter(goals.quarter_text, "quarter_text")
    app.jinja_env.globals["status_label"] = goals.status_label
    app.jinja_env.globals["goal_last_note"] = goals.last_note_at
    app.jinja_env.globals["cert_flag_of"] = certifications.flag
    app.jinja_env.globals["cert_flag_words"] = certifications.flag_words
    # The badges of app.css that say a goal's status or a certification's flag on pages
    # without the people stylesheet (the phone, /manage/today).
    app.jinja_env.globals["goal_badge"] = {
        "open": "p4",
        "on_track": "p3",
        "at_risk": "p2",
        "met": "maintenance",
        "missed": "p1",
        "dropped": "p4",
    }
    app.jinja_env.globals["cert_flag_badge"] = {"expiring": "p2", "expired": "p1"}
    from mspboard.live_streams import TOPICS

    app.jinja_env.globals["live_topics"] = TOPICS
    from mspboard.services.audit_trail import history_for

    app.jinja_env.globals["history_for"] = history_for
    from mspboard.services import invoicing

    for name in (
        "invoice_number",
        "invoice_total",
        "line_amount",
        "line_billed",
        "line_is_new",
        "line_rate_differs",
        "rate_now",
        "rate_differs_on",
        "quantity",
    ):
        app.jinja_env.globals[name] = getattr(invoicing, name)

    @app.context_processor
    def shop_context() -> dict[str, Any]:
        return {
            "shop": current_settings(),
            "navigation": navigation,
            "approvals_waiting": approvals_waiting,
        }
