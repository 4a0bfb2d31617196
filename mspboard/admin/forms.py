from __future__ import annotations

from wtforms import (
    BooleanField,
    DecimalField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from mspboard.forms import VersionedForm
from mspboard.models import Client, Role, ShopSettings, TechLevel, User
from mspboard.models.clients import (
    CONTACT_EMAIL_MAX,
    CONTACT_NAME_MAX,
    CONTACT_PHONE_MAX,
    CONTACT_ROLE_MAX,
)
from mspboard.services.money import from_cents
from mspboard.workweek import DAY_NAMES, from_mask, to_mask

ROLE_CHOICES = [SelectChoice(role.value, role.label) for role in Role]
LEVEL_CHOICES = [
    SelectChoice("", "Not a technician"),
    *(SelectChoice(level.value, level.label) for level in TechLevel),
]
# The shops we serve write amounts in one of these ways; CLDR names, shown by example.
LOCALE_CHOICES = [
    SelectChoice("en_US", "English, United States: $1,234.50"),
    SelectChoice("en_CA", "English, Canada: $1,234.50"),
    SelectChoice("fr_CA", "French, Canada: 1 234,50 $"),
    SelectChoice("en_GB", "English, United Kingdom: £1,234.50"),
    SelectChoice("en_IE", "English, Ireland: €1,234.50"),
    SelectChoice("en_AU", "English, Australia: $1,234.50"),
    SelectChoice("en_NZ", "English, New Zealand: $1,234.50"),
    SelectChoice("de_DE", "German, Germany: 1.234,50 €"),
    SelectChoice("fr_FR", "French, France: 1 234,50 €"),
    SelectChoice("nl_NL", "Dutch, Netherlands: € 1.234,50"),
    SelectChoice("es_ES", "Spanish, Spain: 1234,50 €"),
]
DAY_CHOICES = [SelectChoice(str(number), name) for number, name in enumerate(DAY_NAMES, start=1)]


class WorkdaysField(SelectMultipleField):
    """Checkboxes, one per weekday, read and written as the workdays bitmask."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label: str, **kwargs) -> None:
        super().__init__(label, choices=DAY_CHOICES, **kwargs)

    @property
    def mask(self) -> int:
        return to_mask(int(day) for day in self.data or [])

    def set_mask(self, mask: int) -> None:
        self.data = [str(day) for day in from_mask(mask)]


class UserForm(VersionedForm):
    name = StringField("Name", validators=[DataRequired(message="Enter a name."), Length(max=120)])
    email = EmailField(
        "Email",
        validators=[
            DataRequired(message="Enter an email."),
            Email(message="Enter a valid email address."),
            Length(max=254),
        ],
    )
    role = SelectField("Role", choices=ROLE_CHOICES)
    tech_level = SelectField("Tech level", choices=LEVEL_CHOICES, validate_choice=True)
    keeps_time_card = BooleanField("Keeps a time card")
    workdays = WorkdaysField("Working days")
    day_start = TimeField("Day starts", validators=[InputRequired(message="Enter a time.")])
    day_end = TimeField("Day ends", validators=[InputRequired(message="Enter a time.")])
    password = PasswordField("Password", validators=[Optional(), Length(max=200)])

    def load(self, user: User) -> None:
        self.tech_level.data = user.tech_level or ""
        self.workdays.set_mask(user.workdays)


class ClientForm(VersionedForm):
    FIELD_FOR = {"billing_rate_cents": "billing_rate"}

    name = StringField(
        "Name", validators=[DataRequired(message="Enter the client's name."), Length(max=160)]
    )
    billing_rate = DecimalField(
        "Hourly rate",
        places=2,
        validators=[
            Optional(),
            NumberRange(min=0, max=100000, message="Enter a rate between 0 and 100,000."),
        ],
    )

    def load(self, client: Client) -> None:
        self.billing_rate.data = from_cents(client.billing_rate_cents)


class ContactForm(VersionedForm):
    """One of a client's contacts (new, or edited with its version)."""

    name = StringField(
        "Name",
        validators=[
            DataRequired(message="Enter the contact's name."),
            Length(max=CONTACT_NAME_MAX),
        ],
    )
    role = StringField("Role", validators=[Length(max=CONTACT_ROLE_MAX)])
    phone = StringField("Phone", validators=[Length(max=CONTACT_PHONE_MAX)])
    email = EmailField(
        "Email",
        validators=[
            Optional(),
            Length(max=CONTACT_EMAIL_MAX),
            Email(message="Enter a valid email address."),
        ],
    )


class SettingsForm(VersionedForm):
    FIELD_FOR = {"default_rate_cents": "default_rate"}

    shop_name = StringField(
        "Shop name", validators=[DataRequired(message="Enter the shop's name."), Length(max=120)]
    )
    timezone = StringField(
        "Time zone", validators=[DataRequired(message="Enter a time zone."), Length(max=64)]
    )
    workdays = WorkdaysField("Work week")
    day_start = TimeField("Working day starts", validators=[InputRequired(message="Enter a time.")])
    close_of_business = TimeField(
        "Close of business", validators=[InputRequired(message="Enter a time.")]
    )
    default_rate = DecimalField(
        "Default hourly rate",
        places=2,
        validators=[
            InputRequired(message="Enter a rate."),
            NumberRange(min=0, max=100000, message="Enter a rate between 0 and 100,000."),
        ],
    )
    idle_alert_minutes = IntegerField(
        "Flag a tech on shift with nothing logged for (minutes)",
        validators=[
            InputRequired(message="Enter a number of minutes."),
            NumberRange(min=15, max=1440, message="Use 15 to 1,440 minutes."),
        ],
    )
    billing_rounding_minutes = SelectField(
        "Round each billable entry up to",
        choices=[
            SelectChoice("0", "No rounding"),
            SelectChoice("6", "6 minutes"),
            SelectChoice("15", "15 minutes"),
            SelectChoice("30", "30 minutes"),
        ],
        default="15",
    )
    minimum_charge_minutes = IntegerField(
        "Minimum charge per visit (minutes)",
        validators=[
            InputRequired(message="Enter a number of minutes (0 for none)."),
            NumberRange(min=0, max=480, message="Use 0 to 480 minutes."),
        ],
    )
    currency = StringField(
        "Currency",
        validators=[InputRequired(message="Enter a currency code, e.g. USD.")],
        filters=[lambda value: (value or "").strip().upper()],
        render_kw={"maxlength": 3, "autocapitalize": "characters"},
    )
    locale = SelectField("Amounts written as", choices=LOCALE_CHOICES, default="en_US")
    clock_hours = SelectField(
        "Clock",
        choices=[SelectChoice("24", "24-hour (14:30)"), SelectChoice("12", "12-hour (2:30 PM)")],
        default="24",
    )
    allow_overlapping_entries = BooleanField("Allow a tech's time entries to overlap")
    require_two_factor_for_managers = BooleanField(
        "Require two-factor sign-in for managers and admins"
    )
    stale_after_days = IntegerField(
        "An SR is stale after (days without change)",
        validators=[
            InputRequired(message="Enter a number of days."),
            NumberRange(min=1, max=365, message="Use 1 to 365 days."),
        ],
    )
    backup_keep_daily = IntegerField(
        "Keep the newest backup of each of the last (days)",
        validators=[
            InputRequired(message="Enter a number of days."),
            NumberRange(min=1, max=366, message="Use 1 to 366 days."),
        ],
    )
    backup_keep_weekly = IntegerField(
        "and of each of the weeks before them (weeks)",
        validators=[
            InputRequired(message="Enter a number of weeks (0 for none)."),
            NumberRange(min=0, max=520, message="Use 0 to 520 weeks."),
        ],
    )

    def load(self, shop: ShopSettings) -> None:
        self.workdays.set_mask(shop.workdays)
        self.default_rate.data = from_cents(shop.default_rate_cents)
        self.billing_rounding_minutes.data = str(shop.billing_rounding_minutes)
        self.clock_hours.data = str(shop.clock_hours)
