"""One module per page; `PAGES` lists them in navigation order (registered by the app factory).

Each entry is the import path of a module that defines `PAGE` (a `layouts._shared.components.PageMeta`),
`layout(**query)` and `register_callbacks(app)`. Modules are imported by `create_app`, not here,
so importing `layouts` does no work.
"""

PAGES: list[str] = [
    "layouts.wall",
    "layouts.traffic",
    "layouts.lighting",
    "layouts.environment",
    "layouts.alerts",
    "layouts.reports",
    "layouts.exports",
    "layouts.sources",
    "layouts.admin",
]
