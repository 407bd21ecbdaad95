"""Commands for the website: preview it locally, publish it."""

from __future__ import annotations

import click

from bulletin.cli import Session, _size, cli
from bulletin.diagnostics import printable
from bulletin.report import Quiet


@cli.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port to serve on, on 127.0.0.1 only; 0 picks any free port.",
)
@click.option(
    "--no-watch", is_flag=True, help="Build once and serve; do not rebuild when files change."
)
@click.option("--drafts", is_flag=True, help="Put issues marked draft on the site too.")
@click.pass_obj
def serve(session: Session, port: int, no_watch: bool, drafts: bool) -> None:
    """Preview the whole site: build it, serve build/ on 127.0.0.1, rebuild on change.

    Open pages reload after each rebuild; when the check or a template fails, the last good
    pages stay, with the problems listed at the top. Stop with Ctrl-C.
    """
    from bulletin.errors import ConfigError
    from bulletin.site.serve import BuildResult, Preview, PreviewServer

    def report(result: BuildResult) -> None:
        when = (result.built_at or "")[11:]
        if result.ok:
            click.echo(f"{when} {result.part} built in {result.seconds:.2f} s")
        else:
            click.echo(f"{when} {result.part}: build failed, serving the last good pages:")
        for line in result.diagnostics:
            click.echo(printable(line))

    preview = Preview(session.project, on_build=report, drafts=drafts)
    try:
        server = PreviewServer(preview, port)
    except OSError as error:
        raise ConfigError(
            f"--port {port}",
            f"cannot serve there ({error.strerror})",
            "pass another port, or --port 0 for any free one",
        ) from None
    click.echo(printable(f"serving {server.url} (Ctrl-C to stop)"))
    try:
        server.run(watching=not no_watch)
    except KeyboardInterrupt:
        click.echo("stopped", err=True)


@cli.command()
@click.argument("destination", metavar="DEST")
@click.option(
    "--dry-run", is_flag=True, help="List the files publishing would add, change or delete."
)
@click.option(
    "--keep",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="Releases to keep at DEST, the live one included; older ones are deleted.",
)
@click.pass_obj
def publish(session: Session, destination: str, dry_run: bool, keep: int) -> None:
    """Deploy build/ to DEST atomically: readers see the old site or the new one, never a mix.

    DEST is a folder (a path or file:///path) or an rsync destination (user@host:path over SSH,
    or rsync://[user@]host[:port]/module/path). build/ is copied into a new release folder
    beside DEST, then the symlink DEST is switched to it in one step. A password comes from
    the URL or BULLETIN_RSYNC_PASSWORD and is never printed. Each publish is recorded in
    publish-log.jsonl. build/ may be a link to a folder elsewhere; a link inside it is
    refused when it leads out of build/ or nowhere. See docs/publishing.md.
    """
    import os

    from bulletin.site.publish import parse_target, plan
    from bulletin.site.publish import publish as deploy

    project = session.project
    target = parse_target(destination, os.environ)
    if dry_run:
        changes = plan(project, target)
        for change in changes:
            click.echo(printable(f"{change.kind} {change.path}"))
        click.echo(
            printable(f"dry run: {len(changes)} change(s) at {target.shown}, nothing done"),
            err=True,
        )
        return
    release = deploy(project, target, keep, reporter=_Steps())
    click.echo(
        printable(
            f"published release {release.release} to {release.destination}: "
            f"{release.files} files, {_size(release.bytes)}, {release.seconds:.2f} s"
        )
    )


class _Steps(Quiet):
    """Draws each step of a piece of work as a line on stderr (publish: copied, switched,
    pruned)."""

    def step(self, message: str) -> None:
        click.echo(printable(message), err=True)
