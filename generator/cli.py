"""The ``postdocs`` command line: parse options, call one function per verb, map errors to exit codes.

This module holds no logic of its own.  Every verb calls into :mod:`generator.build`
(or a module it names), and one boundary, :class:`_Group`, turns any
:class:`GeneratorError` into a message on stderr and its exit code; no bad input
ever prints a traceback.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__
from .errors import DataError, ExitCode, GeneratorError, UsageError, os_error_text, printable_lines, quoted
from .keys import KEY_ENV
from .project import Project

if TYPE_CHECKING:  # pragma: no cover
    from .plan import Plan

# Each command imports what it needs when it runs: a build with nothing to do starts in a fraction of a
# second instead of importing pydantic, Jinja and MkDocs first.


class _Group(click.Group):
    """The single error boundary of the command line."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DataError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            count = len(exc.problems)
            click.echo(f"{count} problem{'s' if count != 1 else ''} found; nothing was published.", err=True)
            ctx.exit(int(ExitCode.PROBLEMS))
        except GeneratorError as exc:
            click.echo(f"error: {printable_lines(str(exc))}", err=True)
            ctx.exit(int(exc.exit_code))
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(int(ExitCode.USAGE))
        except OSError as exc:  # the system failed (a full disk, a read-only or busy folder): no bug, no traceback
            if os.environ.get("POSTDOCS_DEBUG"):
                traceback.print_exc()
            project = ctx.find_object(Project)
            where = f"a file under {quoted(str(project.root))}" if project is not None else "the disk"
            click.echo(f"error: {os_error_text(exc, where)}", err=True)
            ctx.exit(int(ExitCode.USAGE))
        except Exception as exc:
            if os.environ.get("POSTDOCS_DEBUG"):
                traceback.print_exc()
            click.echo(
                f"internal error: {type(exc).__name__}: {exc}\n"
                "This is a bug in postdocs; set POSTDOCS_DEBUG=1 for details.",
                err=True,
            )
            ctx.exit(int(ExitCode.USAGE))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="postdocs")
@click.option(
    "--project",
    "-p",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Project folder (holds mkdocs.yml).",
)
@click.option(
    "--catalogue",
    "-c",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Catalogue folder.  [default: PROJECT/offers]",
)
@click.pass_context
def main(ctx: click.Context, project: Path, catalogue: Path | None) -> None:
    """Turn a YAML catalogue of offers, buyers and traffic sources into posting and postback pages."""
    ctx.obj = Project.at(project, catalogue)


def _project(ctx: click.Context) -> Project:
    project = ctx.find_object(Project)
    if project is None:  # pragma: no cover - main() always sets it
        raise UsageError("no project")
    return project


@main.command("check")
@click.pass_context
def check_command(ctx: click.Context) -> None:
    """Validate the catalogue and report every problem as file:line:col: field: message."""
    from . import site
    from .build import load
    from .catalogue import DocumentCache

    project = _project(ctx)
    cache = DocumentCache(project.cache_file)
    checked = load(project, cache=cache)
    cache.save()
    if project.config.is_file():
        site.site_url(project.config)  # a located problem when mkdocs.yml's site_url is not a URL
    for note in checked.notes:
        click.echo(note, err=True)
    plan = checked.plan
    offers = len({s.offer_id for s in plan.slots})
    click.echo(f"ok: {len(plan.pages)} partner pages for {offers} offers")


@main.command("build")
@click.option("--strict", is_flag=True, help="Treat MkDocs warnings as errors.")
@click.option(
    "--history/--no-history",
    default=True,
    show_default=True,
    help="Show on each page when its instructions changed (from the catalogue's git history).",
)
@click.option(
    "--publish/--preview",
    default=None,
    help="--publish: a build to publish, refused without a site key or with an unset secret (the default when "
    "CI is set). --preview: a build that is never published (a pull request check), readable links allowed.",
)
@click.option(
    "--engine",
    type=click.Choice(["fast", "mkdocs"]),
    default="fast",
    show_default=True,
    help="fast: MkDocs builds the public pages and page shells, partner pages are built from the shells "
    "(proven equal to MkDocs' output); mkdocs: MkDocs builds every page.",
)
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Processes to build with [default: CPUs].")
@click.option("--shard", metavar="K/N", default=None, help="Build only the K-th of N shares of the pages (with --out).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder a --shard build is written to.",
)
@click.option(
    "--merge",
    "merge",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    multiple=True,
    help="Publish the site from these shard folders (repeat the option for each).",
)
@click.pass_context
def build_command(
    ctx: click.Context,
    strict: bool,
    history: bool,
    publish: bool | None,
    engine: str,
    jobs: int | None,
    shard: str | None,
    out: Path | None,
    merge: tuple[Path, ...],
) -> None:
    """Check, render the pages, build the site into site/ and scan it for secrets."""
    project = _project(ctx)
    from .builder import build
    from .progress import Progress
    from .shards import parse_shard

    progress = Progress()
    report = build(
        project,
        strict=strict,
        history=history,
        publish=publish,
        engine=engine,
        jobs=jobs,
        progress=progress.advance,
        total=progress.total,
        shard=parse_shard(shard) if shard else None,
        out=out,
        merge=merge,
    )
    for warning in report.warnings:
        click.echo(f"mkdocs {warning}", err=True)
    for note in report.notes:
        click.echo(note, err=True)
    links = f"unguessable (site key from {report.key_source})" if report.key_source else "READABLE AND GUESSABLE"
    if report.outcome == "shard":
        click.echo(f"built shard {shard}: {report.rendered} of {report.pages} partner pages into {out}")
        return
    if report.outcome == "merged":
        click.echo(f"merged {len(merge)} shards: {report.pages} partner pages into {project.site_dir}")
    elif report.outcome == "up to date":
        click.echo(f"{project.site_dir} is up to date ({report.pages} partner pages); nothing was written")
    elif report.outcome == "rebuilt":
        click.echo(f"rebuilt {report.rendered} of {report.pages} partner pages in {project.site_dir}")
    else:
        click.echo(f"built {report.pages} partner pages into {project.site_dir}")
    click.echo(f"partner links are {links}")
    click.echo(f"owner's link list and setup steps: {project.owner_dir / 'index.html'}")


@main.command("serve")
@click.option("--dev-addr", "-a", default=None, metavar="IP:PORT", help="Address to serve on (default 127.0.0.1:8000).")
@click.pass_context
def serve_command(ctx: click.Context, dev_addr: str | None) -> None:
    """Preview the site, rebuilding when the catalogue or templates change."""
    project = _project(ctx)
    from . import site
    from .build import render_into

    exposed = site.exposed_address(project.config, dev_addr)
    if exposed is not None:
        click.echo(
            f"warning: serving on {quoted(exposed)}, which other machines can reach: anyone on your network can "
            "read every partner page, links included. Serve on 127.0.0.1 unless you mean to share the preview.",
            err=True,
        )
    render_into(project, project.docs_dir)
    os.environ["POSTDOCS_PROJECT"] = str(project.root)
    os.environ["POSTDOCS_CATALOGUE"] = str(project.catalogue)
    site.serve(project.config, project.docs_dir, [project.catalogue, project.templates], dev_addr)


@main.command("show")
@click.argument("offer")
@click.argument("partner")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def show_command(ctx: click.Context, offer: str, partner: str, fmt: str) -> None:
    """Print the canonical request(s) of OFFER and PARTNER (a buyer or traffic source id)."""
    from .build import check
    from .exports import page_json

    plan = check(_project(ctx))
    pages = plan.find(offer, partner)
    if not pages:
        raise UsageError(_not_found(plan, offer, partner))
    if fmt == "json":
        out = [page_json(p) for p in pages]
        click.echo(json.dumps(out if len(out) > 1 else out[0], indent=2, ensure_ascii=False))
        return
    for page in pages:
        click.echo(f"# {page.title}")
        for request in (*page.requests, *((page.conversion,) if page.conversion else ())):
            sender = page.partner_name if request.sender == "partner" else "TrackDrive"
            click.echo(f"\n## {request.title} (sent by {sender}, {request.platform.name} syntax)")
            click.echo(f"{request.method} {request.url_template()}")
            for name, value in request.headers_template():
                click.echo(f"{name}: {value}")
            body = request.body_template()
            if body is not None:
                click.echo("")
                click.echo(body)
            for note in request.notes:
                click.echo(f"note: {note}")


def _not_found(plan: Plan, offer: str, partner: str) -> str:
    import difflib

    offers = sorted({s.offer_id for s in plan.slots})
    if offer not in offers:
        close = difflib.get_close_matches(offer, offers, n=1)
        return f"no offer {quoted(offer)}" + (
            f"; did you mean {quoted(close[0])}?" if close else f"; offers: {', '.join(offers)}"
        )
    partners = sorted({s.partner_id for s in plan.slots if s.offer_id == offer})
    close = difflib.get_close_matches(partner, partners, n=1)
    return f"no partner {quoted(partner)} on offer {quoted(offer)}" + (
        f"; did you mean {quoted(close[0])}?" if close else f"; partners: {', '.join(partners)}"
    )


@main.command("links")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.pass_context
def links_command(ctx: click.Context, fmt: str) -> None:
    """List every (offer, partner) pair and the link of its page."""
    project = _project(ctx)
    from . import site
    from .build import link_rows, links_csv, links_json, load

    checked = load(project)
    plan = checked.plan
    for note in checked.notes:
        click.echo(note, err=True)
    base = site.site_url(project.config)
    if fmt == "csv":
        click.echo(links_csv(plan, base), nl=False)
    elif fmt == "json":
        click.echo(links_json(plan, base), nl=False)
    else:
        rows = link_rows(plan, base)
        widths = [max(len(r[k]) for r in rows) if rows else 0 for k in ("offer", "partner", "kind")]
        for r in rows:
            click.echo(f"{r['offer']:<{widths[0]}}  {r['partner']:<{widths[1]}}  {r['kind']:<{widths[2]}}  {r['url']}")


@main.command("diff")
@click.argument("rev_a", required=False)
@click.argument("rev_b", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json", "markdown"]),
    default="table",
    show_default=True,
)
@click.option("--links/--no-links", default=True, show_default=True, help="Give each partner page's link.")
@click.pass_context
def diff_command(ctx: click.Context, rev_a: str | None, rev_b: str | None, fmt: str, links: bool) -> None:
    """Which partner pages change from REV_A to REV_B, and what changes in their requests.

    REV_A defaults to the tag postdocs-published (what is live), REV_B to the working tree.
    """
    from .diff import FORMATS, diff_revisions

    report = diff_revisions(_project(ctx), rev_a, rev_b)
    if report.note:
        click.echo(report.note, err=True)
    click.echo(FORMATS[fmt](report, links=links), nl=False)


@main.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--subdomain", default="example", show_default=True, help="Your TrackDrive subdomain.")
@click.option("--company", default="Example Calls", show_default=True, help="Your company, as partners know it.")
@click.option(
    "--site-url",
    default="https://partners.example.com/",
    show_default=True,
    help="Where the site will be published (every partner link starts with it).",
)
def init_command(directory: Path, subdomain: str, company: str, site_url: str) -> None:
    """Create a working project in DIRECTORY: a catalogue, mkdocs.yml, templates and publish workflows."""
    from .scaffold import init_project

    written = init_project(directory, subdomain, company, site_url)
    click.echo(f"created {len(written)} files in {directory}")
    click.echo(f"next: cd {directory} && postdocs build --strict   (then edit offers/ and build again)")


@main.command("new")
@click.argument("kind", type=click.Choice(["buyer", "traffic-source", "offer"]))
@click.argument("ident", metavar="ID")
@click.option("--platform", default=None, help="The partner's platform (buyer and traffic source).")
@click.option("--name", default=None, help="Display name (default: from the id).")
@click.pass_context
def new_command(ctx: click.Context, kind: str, ident: str, platform: str | None, name: str | None) -> None:
    """Add a valid catalogue file for a new buyer, traffic source or offer."""
    from .catalogue import display_path
    from .scaffold import new_file

    path = new_file(_project(ctx), kind, ident, platform, name)
    click.echo(f"wrote {display_path(path)}")
    if kind != "offer":
        key = "buyers" if kind == "buyer" else "traffic_sources"
        click.echo(f"next: edit it, then list it under {key}: in an offer to give it a page")


@main.group("key")
def key_group() -> None:
    """Create or rotate the site key that makes partner links unguessable."""


@key_group.command("new")
@click.pass_context
def key_new_command(ctx: click.Context) -> None:
    """Write a new random site key into .postdocs-key (refused when the project already has a key)."""
    from .rotation import create_key, git_ignored

    path = create_key(_project(ctx))
    click.echo(f"wrote a new site key into {path} (readable by you only; never commit it)")
    click.echo(f"to publish from CI, store the file's content in the {KEY_ENV} secret of your CI")
    _warn_if_tracked(path, git_ignored(path))


def _warn_if_tracked(path: Path, ignored: bool | None) -> None:
    if ignored is False:
        click.echo(f"warning: git does not ignore {path.name}: add /{path.name} to .gitignore", err=True)


@key_group.command("rotate")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.pass_context
def key_rotate_command(ctx: click.Context, fmt: str) -> None:
    """Replace the site key and print every pair's old -> new link."""
    project = _project(ctx)
    from .rotation import rotate_key, rows_csv

    rotation = rotate_key(project)
    rows = rotation.rows
    if fmt == "csv":
        click.echo(rows_csv(rows), nl=False)
    elif fmt == "json":
        click.echo(json.dumps(rows, indent=2) + "\n", nl=False)
    else:
        for r in rows:
            click.echo(f"{r['offer']}  {r['partner']}  {r['kind']}\n  old: {r['old_url']}\n  new: {r['new_url']}")
    click.echo(
        f"wrote the new site key into {rotation.path}. Build and publish the site, then send each partner its "
        "new link: the old links stop working when the new site is published.",
        err=True,
    )
    _warn_if_tracked(rotation.path, rotation.git_ignored)
    if rotation.env_override:
        click.echo(
            f"warning: {KEY_ENV} is set and wins over {rotation.path.name}: update it, and your CI secret, "
            "with the new key",
            err=True,
        )


@main.command("schema")
@click.option(
    "--output",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("schema"),
    show_default=True,
    help="Folder to write the schemas into.",
)
def schema_command(output: Path) -> None:
    """Write the JSON Schema of every catalogue file kind (for editors and validators)."""
    from .schema import schema_files
    from .writer import sync_tree

    changed = sync_tree(schema_files(), output)
    click.echo(f"wrote {len(schema_files())} schemas into {output} ({changed} changed)")


def run() -> None:
    """The ``postdocs`` command: :func:`main`, then a prompt exit.

    When a command is done, every file it wrote is closed and every worker process joined; what is
    left is the interpreter freeing a plan of 10,000 pages object by object, a tenth of a second or
    more for nothing.  So the process ends at once, after flushing its output (as mypy does).
    """
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    else:  # pragma: no cover - click's standalone mode always exits
        code = 0
    if code is not None and not isinstance(code, int):
        click.echo(code, err=True)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a reader that went away (postdocs links | head)
            stream.flush()
    os._exit(code or 0)


if __name__ == "__main__":  # pragma: no cover
    run()
