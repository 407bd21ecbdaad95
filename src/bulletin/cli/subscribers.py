"""Commands on the mailing list: bring a CSV list in, list, show, export, forget."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bulletin.cli import Session, cli
from bulletin.diagnostics import Diagnostic, printable
from bulletin.report import Quiet

if TYPE_CHECKING:
    from bulletin.store.database import Database

STATES = ("pending", "confirmed", "unsubscribed")


@cli.group()
def subscribers() -> None:
    """The mailing list, in the project's database ($BULLETIN_DATABASE_URL, else
    bulletin.sqlite3 in the project): who is on it, with the record of their consent."""


def _database(session: Session) -> Database:
    return session.database()


class _Warnings(Quiet):
    """Prints each skipped row on stderr."""

    def warning(self, diagnostic: Diagnostic) -> None:
        click.echo(str(diagnostic), err=True)


@subscribers.command("import")
@click.argument("csv_file", metavar="FILE.csv", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--consent",
    required=True,
    metavar="TEXT",
    help="Where and how these people agreed to receive the bulletin (kept with each of them).",
)
@click.pass_obj
def import_(session: Session, csv_file: Path, consent: str) -> None:
    """Add the subscribers of a CSV list (an 'email' column, and 'name') as confirmed.

    Bad rows are reported by line and skipped; an address already on the list is left as it
    is; a suppressed address (unsubscribed, bounced, forgotten) is never added.
    """
    from bulletin.mail.mailing_list import import_csv

    if not consent.strip():
        from bulletin.errors import ConfigError

        raise ConfigError("--consent", "empty", "say where these people agreed, e.g. 'web form'")
    shown = session.project.shown(csv_file)
    with _database(session) as database:
        done = import_csv(database, csv_file, shown, consent.strip(), _Warnings())
    click.echo(
        f"{shown}: added {done.added}, already on the list {done.already}, "
        f"suppressed {done.suppressed}, skipped {done.skipped}"
    )


@subscribers.command("list")
@click.option("--state", type=click.Choice(STATES), help="Only the subscribers in this state.")
@click.pass_obj
def list_(session: Session, state: str | None) -> None:
    """List the subscribers, oldest first: state, address, name."""
    from bulletin.mail.mailing_list import Status, members

    with _database(session) as database:
        for member in members(database, Status(state) if state else None):
            click.echo(printable(f"{member.status:<12} {member.email}  {member.name}".rstrip()))


@subscribers.command()
@click.argument("email")
@click.pass_obj
def show(session: Session, email: str) -> None:
    """Show one address: its state, its consent record, the issues mailed to it."""
    from bulletin.mail.mailing_list import find, mailed, suppression

    with _database(session) as database:
        member, suppressed = find(database, email), suppression(database, email)
        issues = mailed(database, email)
    if member is None and suppressed is None and not issues:
        from bulletin.errors import ConfigError

        raise ConfigError(email, "not on the list, never mailed, not suppressed")
    if member:
        click.echo(printable(f"{member.email}: {member.status}"))
        click.echo(printable(f"  name: {member.name}"))
        click.echo(
            printable(f"  consent: {member.consent!r} ({member.source}, {member.consented})")
        )
        click.echo(f"  confirmed: {member.confirmed or 'not yet'}")
    if suppressed:
        click.echo(printable(f"  suppressed: {suppressed.reason} ({suppressed.created})"))
    for issue, state, updated in issues:
        click.echo(f"  {issue}: {state} ({updated})")


@subscribers.command()
@click.option("--state", type=click.Choice(STATES), help="Only the subscribers in this state.")
@click.pass_obj
def export(session: Session, state: str | None) -> None:
    """Write the list as CSV on stdout, with each subscriber's consent record."""
    from bulletin.mail.mailing_list import Status, export_csv

    with _database(session) as database:
        count = export_csv(database, sys.stdout, Status(state) if state else None)
    click.echo(f"{count} subscriber(s)", err=True)


@subscribers.command()
@click.argument("email")
@click.pass_obj
def forget(session: Session, email: str) -> None:
    """Erase an address (a request under the GDPR, say): its record and its rows of the send
    log are deleted; only a digest of it is kept, so that it is never mailed again."""
    from bulletin.mail.mailing_list import forget as erase

    with _database(session) as database:
        held = erase(database, email)
    said = "erased" if held else "was not on the list or in the send log"
    click.echo(printable(f"{email}: {said}; suppressed for good (only its digest is kept)"))


@subscribers.command()
@click.argument("path", metavar="FILE", type=click.Path(path_type=Path))
@click.pass_obj
def bounces(session: Session, path: Path) -> None:
    """Read bounce messages (delivery status notifications) from an mbox file or a Maildir:
    each address that failed for good is suppressed, each that failed for now is counted."""
    from bulletin.mail.bounces import record_bounces

    shown = session.project.shown(path)
    with _database(session) as database:
        found = record_bounces(database, path, shown)
    for address in found.hard:
        click.echo(printable(f"suppressed {address} (hard bounce)"))
    for address in found.soft:
        click.echo(printable(f"counted {address} (soft bounce)"))
    click.echo(
        f"{shown}: {found.messages} message(s): {len(found.hard)} hard bounce(s) suppressed, "
        f"{len(found.soft)} soft, {found.unrecognised} not a bounce"
    )


@subscribers.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8025,
    show_default=True,
    help="Port to listen on; 0 picks any free port.",
)
@click.pass_obj
def serve(session: Session, host: str, port: int) -> None:
    """Run the subscriber service behind the web server: the subscribe form (double opt-in),
    the confirmation links, one-click unsubscribe and the bounce webhook (docs/subscribers.md).

    Its public address is subscribers.url in publication.yaml; BULLETIN_UNSUBSCRIBE_SECRET
    signs its links; confirmation mails go to BULLETIN_SMTP_URL, else outbox/confirmations/.
    """
    from bulletin.service.app import serve as run

    def ready(url: str) -> None:
        click.echo(printable(f"serving {url} (Ctrl-C to stop)"))

    try:
        run(session.project, os.environ, host, port, ready)
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
