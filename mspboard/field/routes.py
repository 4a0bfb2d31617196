from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from mspboard.auth.access import restrict_blueprint
from mspboard.htmx import render
from mspboard.models import Role
from mspboard.services.field_day import my_day

bp = Blueprint("field", __name__, url_prefix="/m")
restrict_blueprint(bp, Role.TECHNICIAN)


@bp.get("/")
def today():
    return render("field/today.html", day=my_day(current_user))
