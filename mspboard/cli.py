"""Commands for `flask --app app ...`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click
from flask import Flask

from mspboard import demo
from mspboard.models import Role, TechLevel, db
from mspboard.services import accounts, idempotency, tv_links
from mspboard.services.backups import restore as backup_restore
from mspboard.services.backups import retention, snapshot
from mspboard.services.backups.manifest import BackupError
from mspboard.services.backups.status import size_in_words
from mspboard.services.errors import RuleViolation
from mspboard.services.maintenance import months as maintenance_months
from mspboard.services.people import duties as people_duties
from mspboard.services.shop_settings import current_settings


def print_demo_logins() -> None:
    click.echo(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
    for login in demo.DEMO_LOGINS:
        click.echo(f"  {login.email:<20} {login.name} ({login.role.label})")


def register(app: Flask) -> None:
    @app.cli.command("backup")
    @click.option(
        "--to",
        "directory",
        type=click.Path(file_okay=False, path_type=Path),
        help="Folder for the backup (default: instance/backups).",
    )
    def backup(directory: Path | None) -> None:
        """Write a consistent backup while mspboard keeps serving, then prune old backups
        (kept: the newest of each of the last days and weeks set on the settings page)."""
        try:
            written = snapshot.write_snapshot(directory)
        except BackupError as refused:
            raise click.ClickException(refused.message) from None
        record = snapshot.record(written)
        db.session.commit()
        rows = sum(written.manifest.tables.values())
        click.echo(
            f"Wrote {written.path} ({size_in_words(record.size_bytes)}, schema "
            f"{record.schema_revision}, {len(written.manifest.tables)} tables, {rows} rows)."
        )
        settings = current_settings()
        pruned = retention.prune(
            record.taken_at, settings.backup_keep_daily, settings.backup_keep_weekly
        )
        db.session.commit()
        for old in pruned:
            click.echo(f"Pruned {old.file_name}.")

    @app.cli.command("restore")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option(
        "--force",
        is_flag=True,
        help="Replace a database that has data, after backing it up (reason before_restore).",
    )
    def restore(file: Path, force: bool) -> None:
        """Restore FILE (a backup and its manifest) into this database: an empty one unless
        --force. An older backup is migrated forward; counts are checked against the manifest."""
        try:
            restored = backup_restore.restore(file, force=force)
        except BackupError as refused:
            raise click.ClickException(refused.message) from None
        if restored.safety_path is not None:
            click.echo(f"Backed up what was there first: {restored.safety_path}")
        click.echo(f"Restored {restored.manifest.file_name}:")
        click.echo(f"  {'table':<32} {'manifest':>9} {'restored':>9}")
        for count in restored.counts:
            state = "ok" if count.ok else "MISMATCH"
            click.echo(
                f"  {count.table:<32} {_number(count.manifest):>9} "
                f"{_number(count.restored):>9}  {state}"
            )
        if restored.migrated_to:
            click.echo(
                f"Migrated from {restored.manifest.schema_revision} to {restored.migrated_to}."
            )
        if not restored.counts_match:
            raise click.ClickException("Some tables do not hold the rows the manifest lists.")

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

    @app.cli.group("duties")
    def duties_group() -> None:
        """Each role's duty list."""

    @duties_group.command("seed")
    def duties_seed() -> None:
        """Load the standard duties of a technician and a service manager into a shop that
        has no duties yet. Safe to run again: a shop with duties is left as it is."""
        added = people_duties.load_standard_duties(None)
        db.session.commit()
        click.echo(f"Loaded {added} standard duties." if added else "The shop already has duties.")


def _number(value: int | None) -> str:
    return "-" if value is None else str(value)
