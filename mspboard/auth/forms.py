from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from mspboard.inputs import InputForm


class LoginForm(InputForm):
    email = EmailField(
        "Email", validators=[DataRequired(message="Enter your email."), Length(max=254)]
    )
    password = PasswordField("Password", validators=[DataRequired(message="Enter your password.")])
    remember = BooleanField("Keep me signed in on this device")
