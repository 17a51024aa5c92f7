"""PDF snapshots of the dashboard's pages, rendered from the pages themselves.

`Renderer` serves the app on a loopback port and prints a page in print mode (`?print=1`) with
headless Chromium, signed in with one user's rights; the export queue, the scheduled reports
and the `cityops export-pdf` command all use it. See dashboard/pdf/renderer.py.

    with Renderer(config, store) as renderer:
        pdf = renderer.render(PdfJob("/traffic?range=7d", username="lan", paper="A3"))
"""

from __future__ import annotations

from dashboard.pdf.job import PdfError, PdfJob
from dashboard.pdf.renderer import Renderer

__all__ = ["PdfError", "PdfJob", "Renderer"]
