"""The head of a page in print mode (`?print=1`): what a reader of the paper needs to know.

Print mode is the page itself, laid out for paper (assets/print.css) and made ready for the PDF
renderer (assets/print.js: the map turned into an image, tables as real tables, a light theme
on the charts). The page's own layout adds this header instead of its on-screen heading: the
city, the view, its filters in words, its time range, when it was made (in the city's time
zone, from the app's clock) and for whom.
"""

from __future__ import annotations

from collections.abc import Sequence

from dash import html

from dashboard.auth.principal import current_principal
from dashboard.i18n import t
from layouts._shared.components import app_context, local_time

__all__ = ["PRINT_HEADER", "generated_by", "print_header"]

PRINT_HEADER = "print-header"  # its id: assets/print.js knows the page is in when it exists
TIME_FORMAT = "%d/%m/%Y %H:%M"


def generated_by(lang: str) -> str:
    """Who the page is made for: the signed-in user and role (what the PDF was rendered as)."""
    who = current_principal()
    if who is None or who.kind == "public":
        return t("print.anyone", lang)
    return t("print.who", lang).format(name=who.name, role=t(f"auth.role.{who.role}", lang))


def print_header(title: str, facts: Sequence[tuple[str, str]], lang: str) -> html.Header:
    """The print header: city, `title` (the view), `facts` (label, words: filters, time
    range, open asset), then generated at and by whom."""
    context = app_context()
    city = context.config.city
    made = local_time(context.clock(), city.tz, TIME_FORMAT)
    zone = t("print.tz", lang).format(tz=city.timezone)
    rows = [
        *facts,
        (t("print.generated", lang), f"{made} ({zone})"),
        (t("print.by", lang), generated_by(lang)),
    ]
    items: list[html.Div] = [
        html.Div([html.Dt(label), html.Dd(words)], className="print-fact") for label, words in rows
    ]
    return html.Header(
        [
            html.Div(city.name, className="print-city"),
            html.Div(t("app.title", lang), className="print-app"),
            html.H1(title, className="print-view"),
            html.Dl(items, className="print-facts"),
        ],
        id=PRINT_HEADER,
        className="print-header",
    )
