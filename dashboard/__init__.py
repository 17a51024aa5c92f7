"""cityops: the application core (config, store, queries, figures, scheduler, app, CLI)."""
