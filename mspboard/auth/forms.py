from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from mspboard.inputs import InputForm
from mspboard.services.two_factor import CODE_MAX_LENGTH


class LoginForm(InputForm):
    email = EmailField(
        "Email", validators=[DataRequired(message="Enter your email."), Length(max=254)]
    )
    password = PasswordField("Password", validators=[DataRequired(message="Enter your password.")])
    remember = BooleanField("Keep me signed in on this device")


class SignInCodeForm(InputForm):
    """The second step of signing in: a code from the app, or a recovery code."""

    code = StringField(
        "Code",
        validators=[DataRequired(message="Enter the code."), Length(max=CODE_MAX_LENGTH)],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"},
    )


class TwoFactorCodeForm(InputForm):
    """A current code from the person's app, proving they hold the second factor (to turn it
    on, make new recovery codes, or turn it off). Each use on a page has its own prefix."""

    code = StringField(
        "Code from your app",
        validators=[DataRequired(message="Enter the 6-digit code."), Length(max=CODE_MAX_LENGTH)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


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


class SetPasswordForm(InputForm):
    """A person setting their password through a one-time link; the rules are
    services.passwords', shown next to `password`."""

    password = PasswordField(
        "New password",
        validators=[InputRequired(message="Enter a new password.")],
        render_kw={"autocomplete": "new-password"},
    )
    password_again = PasswordField(
        "New password again",
        validators=[
            InputRequired(message="Enter the new password again."),
            EqualTo("password", message="The two passwords differ; type them again."),
        ],
        render_kw={"autocomplete": "new-password"},
    )
