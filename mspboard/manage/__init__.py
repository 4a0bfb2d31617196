"""The service manager's desk: one blueprint, a module of routes per page."""

from mspboard.manage import backlog_routes  # noqa: F401  (each module adds its routes to bp)
from mspboard.manage.blueprint import bp

__all__ = ["bp"]
