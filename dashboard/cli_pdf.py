"""`cityops export-pdf PATH --out FILE`: one view as a PDF, from the command line.

The same renderer as the export queue and the scheduled reports (dashboard.pdf): the page in
print mode, printed by headless Chromium with one user's rights. Without `--user` the PDF is
made with the rights of the first active admin (the oldest account): whoever runs the command
holds the configuration and the store already, so an admin's view gives them nothing new;
name a user to see the page as that user would.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console

from dashboard.store import Store

__all__ = ["export_pdf_cmd", "first_admin"]

console = Console(stderr=True, highlight=False)


def first_admin(store: Store) -> str:
    """The oldest active admin account's name (ClickException when there is none)."""
    admins = [u for u in store.accounts.users() if u.role == "admin" and not u.disabled]
    if not admins:
        raise click.ClickException(
            "no active admin account to render as: pass --user NAME "
            "(or create one: cityops user add NAME --role admin)"
        )
    return min(admins, key=lambda u: (u.created_at, u.id)).name


@click.command("export-pdf")
@click.argument("path")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--paper", type=click.Choice(["A4", "A3"]), default="A4", show_default=True)
@click.option("--landscape", is_flag=True, help="Landscape (default: portrait).")
@click.option("--lang", type=click.Choice(["vi", "en"]), default=None, help="Default: the page's.")
@click.option("--user", "username", default=None, help="Whose rights (default: the first admin).")
@click.option("--timeout", type=click.FloatRange(min=1), default=60.0, show_default=True)
@click.pass_obj
def export_pdf_cmd(
    cx: Any,
    path: str,
    out: Path,
    paper: str,
    landscape: bool,
    lang: str | None,
    username: str | None,
    timeout: float,
) -> None:
    """Write the view at PATH (a page with its query, e.g. "/traffic?range=7d") as a PDF."""
    from dashboard.pdf import PdfError, PdfJob, Renderer

    store = cx.store()
    try:
        job = PdfJob(path, username or first_admin(store), paper, landscape, lang)  # type: ignore[arg-type]
        with Renderer(cx.config, store, timeout_s=timeout) as renderer:
            pdf = renderer.render(job)
    except PdfError as err:
        raise click.ClickException(str(err)) from err
    finally:
        store.dispose()
    out.write_bytes(pdf)
    console.print(f"{out}: {len(pdf):,} bytes, {job.page} as {job.username}")
