"""Connectors: each turns one feed into normalized records (see data_sources.base)."""
