"""What a PDF export asks for (`PdfJob`), why one failed (`PdfError`), and the paper it goes on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit

__all__ = ["MARGIN_MM", "PAPER_MM", "SCALE", "PdfError", "PdfJob", "layout_width_px"]

Paper = Literal["A4", "A3"]

PAPER_MM: Final[dict[str, tuple[float, float]]] = {"A4": (210, 297), "A3": (297, 420)}
# top, right, bottom (room for the footer), left
MARGIN_MM: Final[tuple[float, float, float, float]] = (10, 10, 14, 10)
# The page is laid out this much wider than the paper and printed scaled down: a dashboard
# made for screens keeps its panels side by side on A4, every line still a vector.
SCALE: Final = 0.75
CSS_PX_PER_MM: Final = 96 / 25.4


@dataclass(frozen=True)
class PdfJob:
    """One PDF of one view: `path` is a page path with its query, as the browser shows it
    ("/traffic?ward=…&range=7d"); the page is rendered with `username`'s rights, never more.
    `lang` None: the page's own `lang=` if it has one, else the configured default language."""

    path: str  # a page path with its query, e.g. "/traffic?ward=...&range=7d"
    username: str  # whose rights the renderer signs in with (never more)
    paper: Literal["A4", "A3"] = "A4"
    landscape: bool = False
    lang: Literal["vi", "en"] | None = None  # None: the user's/the default language

    @property
    def page(self) -> str:
        """The page's path, without its query ("/traffic")."""
        return "/" + urlsplit(self.path).path.strip("/")

    def print_address(self) -> str:
        """The path and query the renderer opens: the view's, in print mode, in `lang`."""
        parts = urlsplit(self.path)
        params = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
        drop = {"print", "lang"} if self.lang else {"print"}
        params = [(k, v) for k, v in params if k not in drop] + [("print", "1")]
        if self.lang:
            params.append(("lang", self.lang))
        return f"{self.page}?{urlencode(params)}"

    def language(self, default: str) -> str:
        """The language the page will be in: `lang`, the path's own `lang=`, or `default`."""
        asked = dict(parse_qsl(urlsplit(self.path).query)).get("lang")
        return self.lang or (asked if asked in ("vi", "en") else default)


class PdfError(Exception):
    """A PDF that could not be made, and why, in words for the person who asked: not allowed,
    unknown page or user, the page did not finish drawing in time, the browser failed."""


def layout_width_px(paper: str, landscape: bool) -> int:
    """The CSS width the page is laid out at so that, scaled by SCALE, it fills the paper's
    printable width."""
    width_mm, height_mm = PAPER_MM[paper]
    across = (height_mm if landscape else width_mm) - MARGIN_MM[1] - MARGIN_MM[3]
    return round(across * CSS_PX_PER_MM / SCALE)
