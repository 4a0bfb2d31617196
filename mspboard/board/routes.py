from __future__ import annotations

from flask import Blueprint

from mspboard.auth.access import restrict_blueprint
from mspboard.htmx import render
from mspboard.models import Role
from mspboard.services.board import board_columns

bp = Blueprint("board", __name__, url_prefix="/board")
restrict_blueprint(bp, Role.TECHNICIAN, Role.SERVICE_MANAGER, Role.ADMIN)


@bp.get("")
def index():
    return render("board/index.html", columns=board_columns())
