"""One NGSI entity in any of its four encodings, read into one flat view.

| encoding | an attribute looks like |
|---|---|
| v2 keyValues, LD concise | the bare value (`"intensity": 197`, GeoJSON for `location`) |
| v2 normalized | `{"type": "Number", "value": 197, "metadata": {"unitCode": {"value": "GQ"}}}` |
| LD normalized | `{"type": "Property", "value": 197, "unitCode": "GQ", "observedAt": "..."}`, a Relationship's `object`, a GeoProperty's `value` |

An attribute is read as normalized when it is an object with a `value` or an `object` key
(GeoJSON and a PostalAddress have neither), so an entity whose attributes mix the encodings,
as the published examples do, reads alike. Attribute types are not trusted: the published
FloodMonitoring LD example says `"type": "string"`, and the value is what counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .units import MappingError

__all__ = ["Attr", "Entity", "read_entity"]

_ENTITY_KEYS = frozenset({"id", "type", "@context"})


@dataclass(frozen=True, slots=True)
class Attr:
    """An attribute's value, its `unitCode` if any, and its own `observedAt` if any (LD)."""

    value: Any
    unit: str | None = None
    observed_at: Any = None


@dataclass(frozen=True, slots=True)
class Entity:
    id: str
    type: str
    attrs: dict[str, Attr]

    def value(self, name: str) -> Any:
        """The attribute's value, None when the entity does not have it."""
        attr = self.attrs.get(name)
        return None if attr is None else attr.value


def _metadata_value(metadata: Any, key: str) -> Any:
    item = metadata.get(key) if isinstance(metadata, dict) else None
    return item.get("value") if isinstance(item, dict) else item


def _attr(raw: Any) -> Attr:
    if not (isinstance(raw, dict) and ("value" in raw or "object" in raw)):
        return Attr(raw)
    value = raw["value"] if "value" in raw else raw["object"]
    metadata = raw.get("metadata")
    unit = raw.get("unitCode", _metadata_value(metadata, "unitCode"))
    observed = raw.get("observedAt", _metadata_value(metadata, "observedAt"))
    if observed is None:
        observed = _metadata_value(metadata, "TimeInstant")  # what IoT Agents stamp
    return Attr(value, unit, observed)


def read_entity(raw: Any) -> Entity:
    """The flat view of `raw`; MappingError when it is not an entity (no id or type)."""
    if not isinstance(raw, dict):
        raise MappingError(f"an entity is a JSON object, not {type(raw).__name__}")
    ident, kind = raw.get("id"), raw.get("type")
    if not isinstance(ident, str) or not ident:
        raise MappingError("entity has no id")
    if not isinstance(kind, str) or not kind:
        raise MappingError(f"entity {ident!r} has no type")
    attrs = {k: _attr(v) for k, v in raw.items() if k not in _ENTITY_KEYS}
    # A broker that lacks the model's @context answers with expanded type URIs.
    short = kind.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1] if ":" in kind else kind
    return Entity(ident, short, attrs)
