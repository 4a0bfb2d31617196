from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

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
