from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from mspboard.models.base import db

login_manager = LoginManager()
# "basic" rather than "strong": technicians' phones change IP address all day long.
login_manager.session_protection = "basic"
login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to continue."
login_manager.login_message_category = "info"

csrf = CSRFProtect()
migrate = Migrate()

__all__ = ["csrf", "db", "login_manager", "migrate"]
