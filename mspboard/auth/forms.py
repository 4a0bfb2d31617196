from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from mspboard.inputs import InputForm


class LoginForm(InputForm):
    email = EmailField(
        "Email", validators=[DataRequired(message="Enter your email."), Length(max=254)]
    )
    password = PasswordField("Password", validators=[DataRequired(message="Enter your password.")])
    remember = BooleanField("Keep me signed in on this device")


class PasswordChangeForm(InputForm):
    """A person changing their own password; the rules are services.passwords' (a new
    password of only spaces reaches them, to be refused with its own message)."""

    current_password = PasswordField(
        "Current password",
        validators=[
            DataRequired(message="Enter your current password."),
            Length(max=200, message="That is not your current password."),
        ],
    )
    new_password = PasswordField(
        "New password", validators=[InputRequired(message="Enter a new password.")]
    )
    new_password_again = PasswordField(
        "New password again",
        validators=[
            InputRequired(message="Enter the new password again."),
            EqualTo("new_password", message="The two new passwords differ; type them again."),
        ],
    )
