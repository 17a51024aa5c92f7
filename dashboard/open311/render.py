"""GeoReport v2 documents as JSON and XML bytes: one structure, two spellings.

The routes build a `Document` (the spec's root element, the element of each list item, and
the fields in the spec's order); `render` spells it. XML uses the spec's element names (a list
field nests its items in the singular: `<attributes><attribute>`, `<values><value>`,
`<endpoints><endpoint>`, `<formats><format>`); JSON is the spec's "Spark convention" mapping
of the same: a list document is a top-level array, a single one (discovery, a service
definition) an object. Empty values are empty elements in XML and null in JSON.

Text is escaped by the XML writer; characters XML 1.0 cannot carry at all (control
characters a feed let through) become U+FFFD, so the document always parses. Pure: no Flask.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal
from xml.etree import ElementTree as ET

__all__ = ["CONTENT_TYPES", "Document", "Format", "errors_document", "render"]

Format = Literal["json", "xml"]
CONTENT_TYPES: Final[dict[str, str]] = {
    "json": "application/json; charset=utf-8",
    "xml": "text/xml; charset=utf-8",
}
# Element of one item of a nested list field (the spec's singulars).
_ITEM_OF: Final[dict[str, str]] = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
_NOT_XML: Final = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True, slots=True)
class Document:
    """A GeoReport v2 answer: `root` element, the element of each item of `body` when it is a
    list (`item`), and the fields (dicts keep the spec's order)."""

    root: str
    body: Sequence[Mapping[str, Any]] | Mapping[str, Any]
    item: str | None = None


def errors_document(errors: Sequence[tuple[int, str]]) -> Document:
    """The spec's error list: one `{code, description}` per problem."""
    return Document(
        "errors", [{"code": code, "description": text} for code, text in errors], "error"
    )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return _NOT_XML.sub("\ufffd", str(value))


def _fill(parent: ET.Element, name: str, value: Any) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _fill(element, key, inner)
    elif isinstance(value, list | tuple):
        item = _ITEM_OF.get(name, "item")
        for inner in value:
            _fill(element, item, inner)
    else:
        element.text = _text(value)


def _xml(doc: Document) -> bytes:
    root = ET.Element(doc.root)
    if isinstance(doc.body, Mapping):
        for key, value in doc.body.items():
            _fill(root, key, value)
    else:
        for entry in doc.body:
            _fill(root, doc.item or "item", entry)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8")


def _json(doc: Document) -> bytes:
    body = dict(doc.body) if isinstance(doc.body, Mapping) else [dict(e) for e in doc.body]
    return json.dumps(body, ensure_ascii=False, allow_nan=False).encode("utf-8")


def render(doc: Document, fmt: Format) -> tuple[bytes, str]:
    """`doc` spelled in `fmt`, and the content type to send it with."""
    return (_json(doc) if fmt == "json" else _xml(doc)), CONTENT_TYPES[fmt]
