"""The service manager's desk: one blueprint, a module of routes per page."""

from mspboard.manage import (  # noqa: F401  (each module adds its routes to bp)
    approval_routes,
    audit_routes,
    backlog_routes,
    duty_routes,
    invoice_routes,
    maintenance_routes,
    maintenance_template_routes,
    meeting_routes,
    people_routes,
    planner_routes,
    review_routes,
    today_routes,
    training_routes,
    year_routes,
)
from mspboard.manage.blueprint import bp

__all__ = ["bp"]
