"""What a citizen's app posts to `requests`: the body read (form or XML) and its fields checked.

The spec's body is `application/x-www-form-urlencoded; charset=utf-8`. An XML body is taken
too (`text/xml` or `application/xml`): a root element (any name, e.g. `<service_request>`)
whose children are the form's fields by name, with attributes nested as the service
definitions spell them:

    <service_request><api_key>…</api_key><service_code>flooding</service_code>
      <lat>10.01</lat><long>105.08</long><description>…</description>
      <attributes><attribute><code>depth</code><value>knee</value></attribute></attributes>
    </service_request>

XML is parsed by defusedxml with DTDs forbidden, so entity bombs and external entities are
refused before anything expands. Contact fields (`email`, `first_name`, `last_name`,
`phone`, `device_id`, `account_id`) are dropped here: cityops keeps none of them.

Free text is stored as text. Text an HTML parser would read as markup (a `<` followed by a
letter, `/`, `!` or `?`, or a character reference like `&amp;`) is refused, as the spec says
descriptions hold no HTML; `a < b` and `> 30 cm` are fine. Pages escape every text anyway.
Pure: no Flask, no store.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import parse_qsl
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

from dashboard.open311.errors import Open311Error
from dashboard.records import FIELD_LENGTHS

__all__ = [
    "Posted",
    "check_text",
    "check_url",
    "parse_body",
    "parse_location",
]

MAX_FIELDS: Final = 100  # form fields or XML elements taken from one body
PRIVATE_FIELDS: Final = frozenset(
    {"email", "first_name", "last_name", "phone", "device_id", "account_id"}
)
FORM_TYPE: Final = "application/x-www-form-urlencoded"
XML_TYPES: Final = frozenset({"text/xml", "application/xml"})
_ATTRIBUTE_KEY: Final = re.compile(r"^attribute\[([A-Za-z0-9_.-]{1,64})\](\[\])?$")
_MARKUP: Final = re.compile(r"<[A-Za-z/!?]|&(#[0-9]+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);")
_CONTROL: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(slots=True)
class Posted:
    """The fields of one post that cityops uses (strings as sent; empty means absent)."""

    fields: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, list[str]] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        value = self.fields.get(name, "").strip()
        return value or None


def _media_type(content_type: str | None) -> tuple[str, str | None]:
    """(media type, charset) of a Content-Type header, lowercased."""
    parts = [p.strip() for p in (content_type or "").split(";")]
    charset = None
    for p in parts[1:]:
        key, _, value = p.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return parts[0].lower(), charset


def _add(posted: Posted, key: str, value: str) -> None:
    match = _ATTRIBUTE_KEY.match(key)
    if match:
        posted.attributes.setdefault(match.group(1), []).append(value)
    elif key not in PRIVATE_FIELDS and key not in posted.fields:
        posted.fields[key] = value


def _from_form(body: bytes) -> Posted:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Open311Error(400, "the body is not UTF-8") from None
    try:
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS, errors="strict")
    except UnicodeDecodeError:
        raise Open311Error(400, "a field is not percent-encoded UTF-8") from None
    except ValueError:
        raise Open311Error(400, f"the body has more than {MAX_FIELDS} fields") from None
    posted = Posted()
    for key, value in pairs:
        _add(posted, key, value)
    return posted


def _xml_text(element: Element) -> str:
    if len(element):
        raise Open311Error(400, f"<{element.tag}> holds elements where text was expected")
    return element.text or ""


def _from_xml(body: bytes) -> Posted:
    try:
        root = SafeET.fromstring(body, forbid_dtd=True)
    except (ParseError, defusedxml.DefusedXmlException) as exc:
        raise Open311Error(400, f"the XML body cannot be read: {type(exc).__name__}") from None
    if sum(1 for _ in root.iter()) > MAX_FIELDS:
        raise Open311Error(400, f"the XML body has more than {MAX_FIELDS} elements")
    posted = Posted()
    for child in root:
        if not isinstance(child.tag, str) or "}" in child.tag:
            raise Open311Error(400, "the XML body's fields are plain elements, without a namespace")
        if child.tag != "attributes":
            _add(posted, child.tag, _xml_text(child))
            continue
        for attribute in child:
            code = attribute.findtext("code", "").strip()
            if attribute.tag != "attribute" or not _ATTRIBUTE_KEY.match(f"attribute[{code}]"):
                raise Open311Error(400, "each <attribute> needs a <code> (letters, digits, _ . -)")
            values = [_xml_text(v) for v in attribute.findall("value")]
            posted.attributes.setdefault(code, []).extend(values)
    return posted


def parse_body(content_type: str | None, body: bytes) -> Posted:
    """The post's fields, from a form or XML body; raises Open311Error (400) for another content
    type, a charset other than UTF-8, or a body that cannot be read."""
    media, charset = _media_type(content_type)
    if charset not in (None, "utf-8", "utf8"):
        raise Open311Error(400, f"charset {charset!r} is not taken; send UTF-8")
    if media == FORM_TYPE:
        return _from_form(body)
    if media in XML_TYPES:
        return _from_xml(body)
    raise Open311Error(
        400,
        f"content type {media or 'none'!r} is not taken; post "
        f"'{FORM_TYPE}; charset=utf-8' (or text/xml)",
    )


def check_text(name: str, value: str | None, max_len: int) -> str | None:
    """`value` as stored (None when absent), or Open311Error: too long, control characters, or
    markup (see the module docstring)."""
    if value is None:
        return None
    text = value.replace("\r\n", "\n").strip()
    if len(text) > max_len:
        raise Open311Error(400, f"{name} is {len(text)} characters long, more than {max_len}")
    if _CONTROL.search(text):
        raise Open311Error(400, f"{name} holds control characters")
    if _MARKUP.search(text):
        raise Open311Error(400, f"{name} holds HTML markup; send plain text")
    return text or None


def check_url(value: str | None) -> str | None:
    """`media_url` when it is an absolute http(s) address (None when absent), else Open311Error."""
    if value is None:
        return None
    limit = FIELD_LENGTHS["report"]["media_url"] or 1024
    url = value.strip()
    scheme, sep, rest = url.partition("://")
    host = rest.split("/", 1)[0]
    if not sep or scheme.lower() not in ("http", "https") or not host or len(url) > limit:
        raise Open311Error(
            400, f"media_url must be an http(s) address of at most {limit} characters"
        )
    if any(c.isspace() or ord(c) < 0x20 for c in url) or any(c in url for c in "<>\"'`"):
        raise Open311Error(400, "media_url holds characters an address cannot hold")
    return url


def parse_location(lat: str | None, long: str | None) -> tuple[float, float] | None:
    """(lon, lat) of the post, None when it gives neither; Open311Error for one without the
    other, a value that is not a finite number, one outside WGS84, or 0, 0 (the "null
    island" a phone without a fix sends)."""
    if lat is None and long is None:
        return None
    if lat is None or long is None:
        raise Open311Error(400, "lat and long go together: send both, or an address_string")
    try:
        y, x = float(lat), float(long)
    except ValueError:
        raise Open311Error(400, "lat and long must be decimal degrees (WGS84)") from None
    if not (math.isfinite(x) and math.isfinite(y)) or not (-90 <= y <= 90 and -180 <= x <= 180):
        raise Open311Error(400, "lat must lie in [-90, 90] and long in [-180, 180] (WGS84)")
    if x == 0 and y == 0:
        raise Open311Error(400, "lat 0, long 0 is no location: send the real one or an address")
    return x, y
