"""The NGSI-LD connector (kind "ngsi-ld"): Orion-LD, Scorpio or Stellio entities.

    GET {url}/ngsi-ld/v1/entities?type=A,B&limit=N&offset=K&count=true&options=[concise,]sysAttrs
    Link: <{context}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"
    NGSILD-Tenant: <tenant>            Accept: application/json, application/ld+json

Paging by limit/offset until `NGSILD-Results-Count`. The @context in the Link header makes the
broker answer with the Smart Data Models' short names (without it, an entity type comes back
as a full URI, which is read as its last segment). Brokers differ in how they filter on
system times (`modifiedAt`), so every fetch reads the types' current state whole (one entity
per device) and keeps the readings observed after the cursor less `overlap_s`.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from .connector import NgsiConnector, NgsiSettings

__all__ = ["DEFAULT_CONTEXT", "NgsiLdSettings", "NgsiLdSource", "context_link"]

DEFAULT_CONTEXT = "https://smartdatamodels.org/context.jsonld"


def context_link(url: str) -> str:
    """The Link header that names `url` as the request's JSON-LD @context."""
    return f'<{url}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'


class NgsiLdSettings(NgsiSettings):
    tenant: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,50}$")
    context: str = Field(default=DEFAULT_CONTEXT, pattern=r"^https?://")
    options: Literal["normalized", "concise", "keyValues"] = "normalized"


class NgsiLdSource(NgsiConnector):
    kind = "ngsi-ld"
    Settings = NgsiLdSettings
    options: NgsiLdSettings
    count_header: ClassVar[str] = "NGSILD-Results-Count"
    entities_path: ClassVar[str] = "/ngsi-ld/v1/entities"

    def query(self, since: datetime | None) -> tuple[dict[str, str], dict[str, str]]:
        o = self.options
        # sysAttrs: modifiedAt dates the readings of a model without an observation time
        options = "sysAttrs" if o.options == "normalized" else f"{o.options},sysAttrs"
        params = {"type": ",".join(o.entity_types), "count": "true", "options": options}
        headers = {
            "Accept": "application/json, application/ld+json;q=0.9",
            "Link": context_link(o.context),
        }
        if o.tenant:
            headers["NGSILD-Tenant"] = o.tenant
        return params, headers
