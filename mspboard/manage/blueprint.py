from flask import Blueprint

from mspboard.auth.access import restrict_blueprint
from mspboard.models import Role

bp = Blueprint("manage", __name__, url_prefix="/manage")
restrict_blueprint(bp, Role.SERVICE_MANAGER, Role.ADMIN)
