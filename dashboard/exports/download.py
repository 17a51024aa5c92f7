"""`GET /exports/<id>.pdf`: an export's PDF, for those who may export and may see its page.

The guard lets only signed-in people with the export role reach the view (the `requires`
mark: 403 for anyone else, audited); the view then checks the page the PDF shows against the
downloader's own rights, so no account gets a PDF of a page it could not open itself.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import flask

from dashboard.auth import current_principal, requires
from dashboard.context import current_context
from dashboard.exports import EXPORT_ROLE
from dashboard.queries.exports import export_by_id

__all__ = ["download_blueprint"]


def download_blueprint() -> flask.Blueprint:
    blueprint = flask.Blueprint("exports_download", __name__)

    @blueprint.get("/exports/<int:export_id>.pdf")
    @requires(EXPORT_ROLE, action="export.download", writes=False)
    def download(export_id: int) -> flask.Response:
        from dashboard.auth.guard import access_map

        ctx = current_context()
        with ctx.store.read_session() as session:
            export = export_by_id(session, export_id)
        if export is None or export.file is None:
            flask.abort(404)
        if not access_map().page_allows(current_principal(), urlsplit(export.path).path):
            flask.abort(403)
        file = ctx.config.exports_folder / export.file
        if not file.is_file():
            flask.abort(404)
        local = (export.finished_at or export.requested_at).astimezone(ctx.config.city.tz)
        slug = export.schedule or urlsplit(export.path).path.strip("/") or "page"
        return flask.send_file(
            file,
            mimetype="application/pdf",
            as_attachment=True,
            download_name=f"cityops-{slug}-{local:%Y-%m-%d-%H%M}.pdf",
            max_age=0,
        )

    return blueprint
