"""One module per page; `PAGES` lists them in navigation order (registered by the app factory)."""
