"""Commands for `flask --app app ...`."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import Flask

from mspboard import demo
from mspboard.models import Role, TechLevel, db
from mspboard.services import accounts, idempotency, tv_links
from mspboard.services.errors import RuleViolation
from mspboard.services.maintenance import months as maintenance_months


def print_demo_logins() -> None:
    click.echo(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
    for login in demo.DEMO_LOGINS:
        click.echo(f"  {login.email:<20} {login.name} ({login.role.label})")


def register(app: Flask) -> None:
    @app.cli.command("create-user")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
    @click.option("--tech-level", type=click.Choice([t.value for t in TechLevel]))
    @click.password_option(help="Asked for when not given (input is hidden).")
    def create_user(
        email: str, name: str, role: str, tech_level: str | None, password: str
    ) -> None:
        """Create a user who can sign in."""
        details = accounts.UserDetails(name=name, email=email, role=role, tech_level=tech_level)
        try:
            user = accounts.create_user(None, details, password)
        except RuleViolation as violation:
            raise click.ClickException(violation.message) from None
        db.session.commit()
        click.echo(f"Created {user.name} <{user.email}> as {user.role_enum.label}.")

    @app.cli.command("seed-demo")
    @click.option("--force", is_flag=True, help="Delete ALL existing data first, then seed.")
    @click.option(
        "--if-empty", is_flag=True, help="Seed only when the database is empty; never fail."
    )
    def seed_demo(force: bool, if_empty: bool) -> None:
        """Fill the database with the demo shop (dates relative to today)."""
        if not demo.is_empty():
            if if_empty:
                click.echo("The database already has data; leaving it as it is.")
                if accounts.find_by_email(demo.DEMO_LOGINS[0].email):
                    print_demo_logins()
                return
            if not force:
                raise click.ClickException(
                    "The database is not empty. Use --force to delete everything in it "
                    "and seed the demo."
                )
            demo.wipe()
        demo.seed_demo()
        db.session.commit()
        click.echo("Seeded the demo shop.")
        print_demo_logins()

    @app.cli.group("tv-link")
    def tv_link() -> None:
        """Links that show the board on an office TV without signing in."""

    @tv_link.command("create")
    @click.argument("name")
    @click.option(
        "--base-url",
        default="http://127.0.0.1:5000",
        show_default=True,
        help="The address people reach mspboard at.",
    )
    def tv_link_create(name: str, base_url: str) -> None:
        """Make a link and print its address (shown only once)."""
        try:
            created = tv_links.create_link(None, name)
        except RuleViolation as violation:
            raise click.ClickException(violation.message) from None
        db.session.commit()
        click.echo(f"{base_url.rstrip('/')}/tv/{created.token}")

    @tv_link.command("list")
    def tv_link_list() -> None:
        """Every link with when it was last used."""
        for link in tv_links.list_links():
            used = link.last_used_at.isoformat(timespec="minutes") if link.last_used_at else "never"
            state = "connected" if link.is_active else "disconnected"
            click.echo(f"{link.name:<24} {state:<13} last used: {used}")

    @tv_link.command("revoke")
    @click.argument("name")
    def tv_link_revoke(name: str) -> None:
        """Disconnect a link; its screen stops updating."""
        link = tv_links.find_by_name(name)
        if link is None:
            raise click.ClickException(f"No screen link named {name!r}.")
        tv_links.revoke_link(None, link)
        db.session.commit()
        click.echo(f"Disconnected {name}.")

    @app.cli.command("prune-idempotency-keys")
    @click.option("--older-than-days", default=30, show_default=True, type=click.IntRange(min=7))
    def prune_idempotency_keys(older_than_days: int) -> None:
        """Forget the answers kept for phone replays once no phone can still be replaying."""
        removed = idempotency.prune(timedelta(days=older_than_days))
        db.session.commit()
        click.echo(f"Removed {removed} stored answers older than {older_than_days} days.")

    @app.cli.group("checklists")
    def checklists() -> None:
        """Monthly maintenance checklists."""

    @checklists.command("open-month")
    @click.argument("month", required=False)
    def checklists_open_month(month: str | None) -> None:
        """Open MONTH (YYYY-MM; this month when left out): a run per active client.
        Safe to run again: runs already there are left as they are."""
        chosen = maintenance_months.this_month()
        if month is not None:
            parsed = maintenance_months.month_from_text(month)
            if parsed is None:
                raise click.BadParameter(
                    "give the month as YYYY-MM, near this one", param_hint="MONTH"
                )
            chosen = parsed
        try:
            opened = maintenance_months.open_month(None, chosen)
        except RuleViolation as violation:
            raise click.ClickException(violation.message) from None
        db.session.commit()
        label = maintenance_months.month_label(chosen)
        if opened.already_open:
            click.echo(f"{label} was already open; {opened.created} new runs.")
        else:
            click.echo(f"Opened {label}: {opened.created} runs.")
