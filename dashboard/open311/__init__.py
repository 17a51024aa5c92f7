"""cityops's own Open311 GeoReport v2 server, under `/open311/v2/` when `[open311] enabled`.

Citizens' apps list the services (the report categories), read the requests (the desk's
reports, open or closed) and post new ones with an Open311 key, straight into the desk.

    routes     the Flask blueprint: arguments in, documents out, refusals as the spec's errors
    desk       the report desk through Open311: request fields, keys, taking a post
    parse      reading a posted body (form or XML, safely) and checking its fields
    services   the services and their attributes (report categories, EN and VI)
    render     a document as JSON or XML bytes
    openapi    the OpenAPI description of the routes
"""

from __future__ import annotations

from dashboard.open311.routes import BLUEPRINT, PREFIX, ROUTES, open311_blueprint

__all__ = ["BLUEPRINT", "PREFIX", "ROUTES", "open311_blueprint"]
