"""The NGSI-v2 connector (kind "ngsi-v2"): a FIWARE Orion Context Broker's entities.

    GET {url}/v2/entities?type=A,B&limit=N&offset=K&options=count[,keyValues]
        &attrs=dateModified,*&q=dateModified>=<since - overlap>
    Fiware-Service: <service>          Fiware-ServicePath: <service_path>

Paging by limit/offset until `Fiware-Total-Count` (what `options=count` makes Orion send).
Incremental by Orion's builtin `dateModified` attribute, which every entity has whatever its
model calls its observation time (`dateObserved`, `observationDateTime` ...), and which `q`
filters on; asked for in `attrs` so a model without an observation time (a control cabinet)
still dates its readings. `options = "keyValues"` asks for bare values (no `unitCode`
metadata: each rule's documented unit is then assumed).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar, Literal

from pydantic import Field

from .connector import NgsiConnector, NgsiSettings

__all__ = ["NgsiV2Settings", "NgsiV2Source", "orion_time"]


class NgsiV2Settings(NgsiSettings):
    service: str | None = Field(default=None, pattern=r"^[a-z0-9_]{1,50}$")
    service_path: str = Field(default="/", pattern=r"^(/[A-Za-z0-9_]{1,50}){0,10}/?$")
    options: Literal["normalized", "keyValues"] = "normalized"


def orion_time(ts: datetime) -> str:
    """`ts` as Orion's q filter reads a DateTime (UTC, milliseconds, Z)."""
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


class NgsiV2Source(NgsiConnector):
    kind = "ngsi-v2"
    Settings = NgsiV2Settings
    options: NgsiV2Settings
    count_header: ClassVar[str] = "Fiware-Total-Count"
    entities_path: ClassVar[str] = "/v2/entities"

    def query(self, since: datetime | None) -> tuple[dict[str, str], dict[str, str]]:
        o = self.options
        params = {
            "type": ",".join(o.entity_types),
            "options": "count" + (",keyValues" if o.options == "keyValues" else ""),
            "attrs": "dateModified,*",
        }
        if since is not None:
            params["q"] = f"dateModified>={orion_time(since)}"
        headers = {"Accept": "application/json", "Fiware-ServicePath": o.service_path}
        if o.service:
            headers["Fiware-Service"] = o.service
        return params, headers
