"""The application object for `flask --app app` and for gunicorn (`gunicorn app:app`)."""

from mspboard import create_app

app = create_app()
